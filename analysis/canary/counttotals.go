package canary

import (
	"math"

	"github.com/canary-analyzer/canary-analyzer/analysis"
)

// countTotals are the canary's and the stable pods' events and exposure
// over the judged steps.
type countTotals struct {
	xc, ec, xs, es float64
}

// totals adds up the judged steps.
func (f countFrame) totals() countTotals {
	var t countTotals
	for _, st := range f.steps {
		t.xc += st.canaryEvents
		t.ec += st.canary
		t.xs += st.stableEvents
		t.es += st.stable
	}
	return t
}

func (t countTotals) stableRate() float64 { return ratioOf(t.xs, t.es) }

// sideStats describes each side's counts; the ratio is the mean, and a
// count metric has no median, minimum or maximum.
func (t countTotals) sideStats(f countFrame) (canary, stable analysis.SideStats) {
	side := func(pods int, x, e float64) analysis.SideStats {
		return analysis.SideStats{Pods: pods, Count: len(f.idx), Events: x, Trials: e,
			Mean: ratioOf(x, e), Median: math.NaN(), Min: math.NaN(), Max: math.NaN()}
	}
	return side(f.c, t.xc, t.ec), side(f.k, t.xs, t.es)
}

// comparison says both sides' counts: "canary 0.80% (58 of 7,250) vs
// stable 0% (0 of 41,300)".
func (t countTotals) comparison(k analysis.Kind) string {
	return "canary " + countSide(k, t.xc, t.ec) + " vs stable " + countSide(k, t.xs, t.es)
}

// summary describes the comparison in a clause.
func (t countTotals) summary(k analysis.Kind, rr float64, rank podRank) string {
	s := t.comparison(k)
	if c := rateRatioClause(rr); c != "" {
		s += ", " + c
	}
	return s + "; " + rank.text()
}

// ratioOf returns x/e, NaN when e is not positive.
func ratioOf(x, e float64) float64 {
	if !(e > 0) {
		return math.NaN()
	}
	return x / e
}
