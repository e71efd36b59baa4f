package bench

import (
	"math"
	"sync"
	"time"

	"gonum.org/v1/gonum/integrate/quad"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/canary-analyzer/canary-analyzer/internal/logscenario"
)

// LogBestPossible returns the chance that the best possible judge detects
// the regression of log instance c (of family f) by canary age `by`, at a
// false-alarm rate of alpha per run, or NaN for a healthy instance.
//
// As BestPossible for the metrics families, the oracle knows everything
// about the generator (the request mix, the stable pods' chances, the
// canary's expected traffic, the effect's form) except the canary pod's own
// draws, and spends all of alpha on one test:
//
//   - a new error signature logged for a share q of the canary's requests,
//     which no healthy pod ever logs: X ~ Poisson(q·Λ) lines by `by`, Λ
//     the canary's expected requests (its rate times the daily cycle and
//     spikes, from the end of its ready delay); the randomized level-alpha
//     test rejects on any line, and on none with chance alpha:
//     1 − (1 − alpha)·e^(−qΛ);
//   - a 404 burst at rate b: the 404s of the burst's part before `by` are
//     Poisson(p₄₀₄·Λ_b) healthy and Poisson(p₄₀₄·Λ_b + b·d) regressed (404
//     chances do not differ between pods in the generator); the power of
//     the randomized level-alpha test that rejects for many 404s;
//   - 500s ×f on the API: the canary's 5xx by `by` are Poisson with mean
//     F·a·(d + e)·Λ_B healthy and F·a·(d + e·f)·Λ_B regressed, a the API
//     share, d and e the chances of a 503 and a 500, Λ_B the canary's
//     expected requests weighted by the slow backends' boost, and F =
//     e^(σZ) the canary's own error factor (σ = Variation.ErrorSigma); the
//     likelihood ratio of these scale mixtures grows with the count, so the
//     best test rejects for large counts (power by Gauss–Hermite quadrature
//     over Z);
//   - durations ×f: a healthy canary's log latency differs from the
//     fleet's by N(0, σ²), σ = Variation.LatencySigma; even with infinitely
//     many requests the best test rejects above z_(1−alpha)·σ, so the limit
//     is Φ(ln f/σ − z_(1−alpha)).
func LogBestPossible(c logscenario.Config, by time.Duration, alpha float64) float64 {
	reg := c.Canary
	mix := logscenario.RequestMix()
	v := c.Variation
	rate := c.CanaryRequestRate
	if rate == 0 {
		rate = c.RequestRate
	}
	from := c.CanaryStart.Add(v.ReadyDelay)
	to := c.CanaryStart.Add(by)
	expected := func(from, to time.Time, weight func(time.Time) float64) float64 {
		var s float64
		for t := from; t.Before(to); t = t.Add(time.Second) {
			w := v.RateFactor(t.Add(time.Second / 2))
			if weight != nil {
				w *= weight(t.Add(time.Second / 2))
			}
			s += w
		}
		return rate * s
	}
	switch {
	case reg.NewErrorRate > 0:
		return poissonMixturePowerGH(0, reg.NewErrorRate*expected(from, to, nil), 0, alpha)
	case reg.NotFoundRate > 0 && reg.NotFoundTo > reg.NotFoundFrom:
		bFrom := c.CanaryStart.Add(reg.NotFoundFrom)
		bTo := c.CanaryStart.Add(min(reg.NotFoundTo, by))
		if !bTo.After(bFrom) {
			return 0
		}
		if bFrom.Before(from) {
			bFrom = from
		}
		// The NewErrorRate branch comes first in the generator; it is zero
		// here, so every request draws from the mix.
		healthy := mix.NotFound * expected(bFrom, bTo, nil)
		burst := reg.NotFoundRate * bTo.Sub(bFrom).Seconds()
		return poissonMixturePowerGH(healthy, healthy+burst, 0, alpha)
	case reg.ServerErrorFactor > 1:
		e := c.APIErrorChance
		if e == 0 {
			e = 0.004
		}
		lb := expected(from, to, v.ErrorBoost)
		mu0 := mix.API * (mix.ProxyDown + e) * lb
		mu1 := mix.API * (mix.ProxyDown + e*reg.ServerErrorFactor) * lb
		return poissonMixturePowerGH(mu0, mu1, v.ErrorSigma, alpha)
	case reg.Slowdown > 1:
		if v.LatencySigma == 0 {
			return 1
		}
		zq := distuv.UnitNormal.Quantile(1 - alpha)
		return distuv.UnitNormal.CDF(math.Log(reg.Slowdown)/v.LatencySigma - zq)
	}
	return math.NaN()
}

// hermiteNodes are the nodes and weights of a 100-point Gauss–Hermite rule
// for E[g(Z)], Z standard normal: E[g(Z)] ≈ Σ w_i·g(z_i).
var hermiteNodes = sync.OnceValues(func() (z, w []float64) {
	const n = 100
	x, wt := make([]float64, n), make([]float64, n)
	quad.Hermite{}.FixedLocations(x, wt, math.Inf(-1), math.Inf(1))
	for i := range x {
		z = append(z, math.Sqrt2*x[i])
		w = append(w, wt[i]/math.Sqrt(math.Pi))
	}
	return z, w
})

// poissonMixture is the distribution of X ~ Poisson(μ·e^(σZ)), Z standard
// normal (σ = 0: Poisson(μ)).
type poissonMixture struct {
	mu, sigma float64
	z, w      []float64
}

func newPoissonMixture(mu, sigma float64) poissonMixture {
	m := poissonMixture{mu: mu, sigma: sigma}
	if sigma > 0 {
		m.z, m.w = hermiteNodes()
	}
	return m
}

// prob returns P(X = x).
func (m poissonMixture) prob(x int) float64 {
	pois := func(lambda float64) float64 {
		if lambda == 0 {
			if x == 0 {
				return 1
			}
			return 0
		}
		return math.Exp(float64(x)*math.Log(lambda) - lambda - lgamma(float64(x)+1))
	}
	if m.sigma == 0 {
		return pois(m.mu)
	}
	var p float64
	for i, z := range m.z {
		p += m.w[i] * pois(m.mu*math.Exp(m.sigma*z))
	}
	return p
}

func lgamma(x float64) float64 {
	v, _ := math.Lgamma(x)
	return v
}

// poissonMixturePowerGH is the power against Poisson(mu1·e^(σZ)) of the
// randomized level-alpha test of Poisson(mu0·e^(σZ)) that rejects for
// large counts: reject when X ≥ k, and with chance γ when X = k − 1, k the
// smallest count whose upper tail under the null is at most alpha.
func poissonMixturePowerGH(mu0, mu1, sigma, alpha float64) float64 {
	null, alt := newPoissonMixture(mu0, sigma), newPoissonMixture(mu1, sigma)
	// tail0 = P0(X ≥ k), tail1 = P1(X ≥ k), walking k up from 0.
	tail0, tail1 := 1.0, 1.0
	for k := 0; ; k++ {
		p0, p1 := null.prob(k), alt.prob(k)
		next0, next1 := tail0-p0, tail1-p1
		if next0 <= alpha {
			// Reject for X ≥ k+1, and for X = k with chance γ.
			gamma := 0.0
			if p0 > 0 {
				gamma = (alpha - next0) / p0
			}
			return math.Max(0, math.Min(1, next1+gamma*p1))
		}
		tail0, tail1 = next0, next1
		if k > 100000 {
			return math.NaN()
		}
	}
}
