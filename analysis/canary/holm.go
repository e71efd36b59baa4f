package canary

import (
	"math"

	"github.com/canary-analyzer/canary-analyzer/analysis/stats"
)

// holmStep is the look's weighted Holm procedure over every hypothesis.
type holmStep struct {
	// hypotheses counts the hypotheses that take part (with a p-value and a
	// budget) and present is the sum of their budgets.
	hypotheses int
	present    float64
}

// holmLevels sets each hypothesis' level, share and rejection by the
// weighted Holm procedure at the look's budget, each hypothesis weighted by
// its metric's budget at this look times its part of it (testShares).
func holmLevels(analyses []*metricAnalysis, plan spendingPlan) holmStep {
	var ps, ws []float64
	for i, a := range analyses {
		if a == nil {
			continue
		}
		for n, h := range a.tests {
			ps = append(ps, h.p)
			ws = append(ws, plan.budget[i]*a.testShares()[n])
		}
	}
	levels := spendLevels(ps, ws, plan.lookAlpha)
	var st holmStep
	for i, p := range ps {
		if !math.IsNaN(p) && ws[i] > 0 {
			st.hypotheses++
			st.present += ws[i]
		}
	}
	k := 0
	for _, a := range analyses {
		if a == nil {
			continue
		}
		for _, h := range a.tests {
			h.level = levels[k]
			h.share = 0
			if plan.lookAlpha > 0 {
				h.share = ws[k] / plan.lookAlpha
			}
			h.rejected = !math.IsNaN(h.p) && h.p <= h.level && !h.held
			k++
		}
	}
	return st
}

// firstLevels returns the level of the weighted Holm procedure's first step
// for metric i's relative tests and for its bound tests: the power
// requirement and the bounds' confidence are judged at them. With every
// hypothesis present it is the metric's own budget per test; the budgets
// of tests without a p-value go to the others.
func (st holmStep) firstLevels(a *metricAnalysis, plan spendingPlan, i int) (first, firstBound float64) {
	if st.present > 0 {
		rel, bnd := a.kindShares()
		first = plan.lookAlpha * plan.budget[i] * rel / st.present
		firstBound = plan.lookAlpha * plan.budget[i] * bnd / st.present
	}
	return first, firstBound
}

// spendLevels returns the level of each hypothesis in the weighted Holm
// procedure at family level lookAlpha with budgets w (Σ w over all the
// look's hypotheses is lookAlpha): the hypotheses with a p-value and a
// positive budget take part, so that the budget of a test without a
// p-value goes to the others; a hypothesis without budget gets level 0
// (it cannot reject at this look), one without a p-value NaN.
func spendLevels(p, w []float64, lookAlpha float64) []float64 {
	out := make([]float64, len(p))
	var pp, pw []float64
	var idx []int
	for i := range p {
		switch {
		case math.IsNaN(p[i]):
			out[i] = math.NaN()
		case !(w[i] > 0):
			out[i] = 0
		default:
			pp = append(pp, p[i])
			pw = append(pw, w[i])
			idx = append(idx, i)
		}
	}
	for n, l := range stats.WeightedHolmLevels(pp, pw, lookAlpha) {
		out[idx[n]] = l
	}
	return out
}

// kindShares returns the part of the metric's budget that each of its
// relative tests (level, trend) and each of its bound tests (max, min)
// gets: with Metric.BoundWeight b below the metric's weight w and both
// kinds present, the bounds share b/w and the relative tests the rest;
// otherwise every test gets an equal part.
func (a *metricAnalysis) kindShares() (relative, bound float64) {
	var nb, nr int
	for _, h := range a.tests {
		if h.isBound() {
			nb++
		} else {
			nr++
		}
	}
	n := max(nb+nr, 1)
	relative, bound = 1/float64(n), 1/float64(n)
	b, w := a.metric.BoundWeight, metricWeight(a.metric)
	if nb > 0 && nr > 0 && b > 0 && b < w {
		relative = (1 - b/w) / float64(nr)
		bound = b / w / float64(nb)
	}
	return relative, bound
}

// testShares returns each test's part of the metric's budget (kindShares),
// in the order of a.tests; they sum to 1.
func (a *metricAnalysis) testShares() []float64 {
	rel, bnd := a.kindShares()
	out := make([]float64, len(a.tests))
	for n, h := range a.tests {
		out[n] = rel
		if h.isBound() {
			out[n] = bnd
		}
	}
	return out
}
