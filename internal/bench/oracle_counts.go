package bench

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// countModel computes the power of the best test of a canary's event
// count that learns the stable pods' rate from their own counts, as a
// judge must (BestWithData's bound for 5xx regressions): the canary has
// nc trials, the stable pods ns over the same timestamps, the stable
// pods' ratio is r; the canary's events X are
// Poisson with mean nc·r·F (healthy) or nc·(r·F·f + extra) (regressed), F
// the canary's log-normal factor with log-σ sigma; the stable pods' events
// Y are Poisson with mean ns·r (their factors average out, which this
// bound grants the judge).
//
// The rate r is a nuisance a judge does not know. Given the total
// T = X + Y it drops out: for the canary at factor F, X | T is binomial
// with T trials and share q_F = nc·F/(nc·F + ns), the conditional test
// behind the exact comparison of two Poisson rates (R's poisson.test with
// two samples). The test rejects for large X given T at level `level`
// under the mixture of these binomials over F (randomized at its critical
// value, so that its size given T is the level under that mixture: exactly
// the level without pod spread); the power averages it over the regressed
// canary's joint distribution of X and Y.
//
// Against the Poisson oracle (BestPossible, which knows r) this charges
// what the stable pods' finite counts cost: where they had no event at
// all, the oracle takes one canary event as proof, while a judge must see
// enough events that their all falling on the canary is unlikely at the
// canary's share of the trials.
//
// The model holds what the power needs at any level: the regressed
// canary's and the stable pods' event distributions and, for every total
// of both, the null's tail P0(X ≥ x | total).
type countModel struct {
	px, py []float64
	tails  [][]float64
}

// newCountModel builds the countModel of nc canary and ns stable trials,
// the stable ratio r, the effect (×f, + extra) and the canary's log-σ
// sigma; nil for no canary trials or negative stable ones.
func newCountModel(nc, ns, r, f, extra, sigma float64) *countModel {
	if !(nc > 0) || !(ns >= 0) {
		return nil
	}
	nodes, weights := logNormalNodes(sigma)
	muY := ns * r
	maxOf := func(m float64) int { return int(math.Ceil(m + 12*math.Sqrt(m) + 20)) }
	var muX float64
	for _, F := range nodes {
		muX = math.Max(muX, nc*(r*F*f+extra))
	}
	xs, ys := maxOf(muX), maxOf(muY)
	c := &countModel{px: make([]float64, xs+1), py: make([]float64, ys+1)}
	// The regressed canary's X distribution, mixed over F.
	for i, F := range nodes {
		p := distuv.Poisson{Lambda: nc * (r*F*f + extra)}
		if p.Lambda == 0 {
			c.px[0] += weights[i]
			continue
		}
		for x := range c.px {
			c.px[x] += weights[i] * p.Prob(float64(x))
		}
	}
	if muY == 0 {
		c.py[0] = 1
	} else {
		p := distuv.Poisson{Lambda: muY}
		for y := range c.py {
			c.py[y] = p.Prob(float64(y))
		}
	}
	shares := make([]float64, len(nodes))
	for i, F := range nodes {
		shares[i] = nc * F / (nc*F + ns)
	}
	lf := logFactorials(xs + ys)
	c.tails = make([][]float64, xs+ys+1)
	for total := range c.tails {
		c.tails[total] = conditionalTail(total, shares, weights, lf)
	}
	return c
}

// power returns the power of the randomized level test (NaN for a nil
// model or a level that is not positive).
func (c *countModel) power(level float64) float64 {
	if c == nil || !(level > 0) {
		return math.NaN()
	}
	xs, ys := len(c.px)-1, len(c.py)-1
	var power float64
	for total, tail := range c.tails {
		k, gamma := critical(tail, level)
		for x := max(k-1, 0, total-ys); x <= min(total, xs); x++ {
			w := c.px[x] * c.py[total-x]
			switch {
			case x >= k:
				power += w
			case x == k-1:
				power += gamma * w
			}
		}
	}
	return power
}

// logFactorials returns ln(i!) for i = 0..n.
func logFactorials(n int) []float64 {
	lf := make([]float64, n+1)
	for i := 1; i <= n; i++ {
		lf[i] = lf[i-1] + math.Log(float64(i))
	}
	return lf
}

// conditionalTail returns tail[x] = P0(X ≥ x | X + Y = total) for
// x = 0..total+1, X | total a mixture of binomials with the given shares
// and weights, summed from the top so that the small tails keep their
// precision. lf holds ln(i!) up to total at least.
func conditionalTail(total int, shares, weights, lf []float64) []float64 {
	pmf := make([]float64, total+1)
	for i, q := range shares {
		lq, lr := math.Log(q), math.Log1p(-q)
		for x := 0; x <= total; x++ {
			lp := lf[total] - lf[x] - lf[total-x]
			if x > 0 {
				lp += float64(x) * lq
			}
			if x < total {
				lp += float64(total-x) * lr
			}
			pmf[x] += weights[i] * math.Exp(lp)
		}
	}
	tail := make([]float64, total+2)
	for x := total; x >= 0; x-- {
		tail[x] = tail[x+1] + pmf[x]
	}
	return tail
}

// critical returns the randomized critical value of the level test with
// null tail P0(X ≥ x) = tail[x]: reject when X ≥ k, and with probability
// gamma when X = k − 1, so that the size is the level.
func critical(tail []float64, level float64) (k int, gamma float64) {
	for k < len(tail)-1 && tail[k] > level {
		k++
	}
	if k == 0 {
		return 0, 0
	}
	if prev := tail[k-1]; prev > tail[k] {
		gamma = (level - tail[k]) / (prev - tail[k])
	}
	return k, gamma
}
