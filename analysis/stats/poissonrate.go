package stats

import "math"

// RateRatioTest is the outcome of PoissonRateTest.
type RateRatioTest struct {
	// PValue is the exact p-value.
	PValue float64
	// Estimate is the ratio of the observed rates, (x1/t1)/(x2/t2): +Inf
	// when x2 is 0 and x1 is not, NaN when both are 0.
	Estimate float64
	// Lower and Upper bound the exact (Clopper-Pearson) confidence interval
	// of the rate ratio at Level; one-sided alternatives leave one end at 0
	// or +Inf.
	Lower, Upper, Level float64
	// P0 is the probability, under the null hypothesis, that one of the
	// x1+x2 events falls in the first sample: r·t1/(r·t1 + t2).
	P0 float64
}

// PoissonRateTest is the exact conditional test of the ratio of two Poisson
// rates, as R's poisson.test(c(x1, x2), c(t1, t2), r, alternative,
// conf.level). With x1 ~ Poisson(λ1·t1) and x2 ~ Poisson(λ2·t2), given
// n = x1 + x2 events in all,
//
//	x1 ~ Binomial(n, p),   p = ρ·t1/(ρ·t1 + t2),   ρ = λ1/λ2,
//
// so the null hypothesis ρ = r is tested with the exact binomial test of
// x1 out of n at p0 = r·t1/(r·t1 + t2) (R's binom.test; Greater tests
// ρ > r), and the Clopper-Pearson interval of p becomes an interval of ρ
// through ρ = p/(1-p)·t2/t1. The test is exact: under the null hypothesis
// its p-value is at most α with probability at most α, whatever the rates.
//
// With no events at all (n = 0) nothing can be rejected: the p-value is 1,
// the estimate NaN and the interval [0, +Inf].
//
// It panics if a count is negative, an exposure or r is not positive and
// finite, level is not in (0, 1) or alt is unknown (caller bugs).
func PoissonRateTest(x1, x2 int, t1, t2, r float64, alt Alternative, level float64) RateRatioTest {
	alt.check()
	if x1 < 0 || x2 < 0 {
		panic("stats: negative count")
	}
	for _, v := range []float64{t1, t2, r} {
		if !(v > 0) || math.IsInf(v, 0) {
			panic("stats: exposures and rate ratio must be positive and finite")
		}
	}
	if !(level > 0 && level < 1) {
		panic("stats: confidence level must be in (0, 1)")
	}
	p0 := r * t1 / (r*t1 + t2)
	res := RateRatioTest{Level: level, P0: p0, Estimate: (float64(x1) / t1) / (float64(x2) / t2)}
	n := x1 + x2
	if n == 0 {
		res.PValue, res.Lower, res.Upper = 1, 0, math.Inf(1)
		return res
	}
	// The binomial tails and the Clopper-Pearson limits are binomial.go's.
	x, nf := float64(x1), float64(n)
	var pl, pu float64
	switch alt {
	case Greater:
		res.PValue = BinomialUpper(x, nf, p0)
		pl, _ = ClopperPearson(x, nf, 1-level, 1-level)
		pu = 1
	case Less:
		res.PValue = BinomialLower(x, nf, p0)
		_, pu = ClopperPearson(x, nf, 1-level, 1-level)
	default:
		res.PValue = binomTwoSided(x1, n, p0)
		pl, pu = ClopperPearson(x, nf, (1-level)/2, (1-level)/2)
	}
	res.PValue = math.Min(1, res.PValue)
	res.Lower, res.Upper = oddsToRatio(pl, t1, t2), oddsToRatio(pu, t1, t2)
	return res
}

// oddsToRatio maps a probability p of the conditional binomial to the rate
// ratio p/(1-p)·t2/t1.
func oddsToRatio(p, t1, t2 float64) float64 {
	if p >= 1 {
		return math.Inf(1)
	}
	return p / (1 - p) * t2 / t1
}

// binomProb is P(X = k) for X ~ Binomial(n, p).
func binomProb(k, n int, p float64) float64 {
	switch {
	case k < 0 || k > n:
		return 0
	case p <= 0:
		if k == 0 {
			return 1
		}
		return 0
	case p >= 1:
		if k == n {
			return 1
		}
		return 0
	}
	lg := func(x int) float64 { v, _ := math.Lgamma(float64(x) + 1); return v }
	return math.Exp(lg(n) - lg(k) - lg(n-k) + float64(k)*math.Log(p) + float64(n-k)*math.Log1p(-p))
}

// binomTwoSided is R's two-sided binomial p-value: the probability of the
// outcomes no more likely than k (within a relative 1e-7).
func binomTwoSided(k, n int, p float64) float64 {
	const relErr = 1 + 1e-7
	d := binomProb(k, n, p)
	m := float64(n) * p
	switch {
	case float64(k) == m:
		return 1
	case float64(k) < m:
		y := 0
		for i := int(math.Ceil(m)); i <= n; i++ {
			if binomProb(i, n, p) <= d*relErr {
				y++
			}
		}
		return BinomialLower(float64(k), float64(n), p) + BinomialUpper(float64(n-y+1), float64(n), p)
	default:
		y := 0
		for i := 0; i <= int(math.Floor(m)); i++ {
			if binomProb(i, n, p) <= d*relErr {
				y++
			}
		}
		return BinomialLower(float64(y-1), float64(n), p) + BinomialUpper(float64(k), float64(n), p)
	}
}
