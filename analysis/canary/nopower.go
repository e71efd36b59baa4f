package canary

import (
	"fmt"
	"math"
	"strings"

	"github.com/canary-analyzer/canary-analyzer/analysis"
)

// passOnBounds reports whether a metric whose relative comparison could
// not reveal its DetectableChange may still pass on its absolute bounds:
// every bound in the bad direction holds with confidence (the canary's
// one-sided confidence limit at level first, the level of Holm's first
// step, is inside the bound), and the relative comparison gives no hint of
// a regression (its p-value is at least hint, and the canary does not have
// events where the stable pods have none). A canary with such a hint, or
// whose interval reaches a bound, stays NotEnoughData. This only turns
// NotEnoughData into Pass, never adds a failure: the false-alarm guarantee
// is untouched.
func (a *metricAnalysis) passOnBounds(first, hint float64) (bool, string) {
	if len(a.within) == 0 || len(a.tests) == 0 || math.IsNaN(first) {
		return false, ""
	}
	if p := a.tests[0].p; !(p >= hint) {
		return false, ""
	}
	if math.IsInf(float64(a.tests[0].ev.Estimate), 1) {
		// Events only in the canary (the stable pods had none at its
		// timestamps) are a new failure mode, not a rate to bound.
		return false, ""
	}
	var clauses []string
	for _, w := range a.within {
		ok, text := w(first)
		if !ok {
			return false, ""
		}
		clauses = append(clauses, text)
	}
	return true, strings.Join(clauses, "; ")
}

// passWithoutPower passes a metric whose relative comparison could not
// reveal its DetectableChange (need says so) when it may pass all the
// same: on its absolute bounds (passOnBounds) or within the detectable
// change (passWithin). It reports whether it did.
func (a *metricAnalysis) passWithoutPower(first, firstBound, hint float64, need string) bool {
	var reason string
	ok, text := a.passOnBounds(firstBound, hint)
	if ok {
		reason = "Pass on the absolute bound: " + text + "; the relative comparison could not decide (" + need + "): "
	} else if ok, text = a.passWithin(first, hint); ok {
		reason = "Pass within the detectable change: " + text + ", though it could not reveal it (" + need + "): "
	}
	if !ok {
		return false
	}
	a.result.Evidence.Detectable.Text += "; " + text
	a.result.Classification = analysis.Pass
	a.result.Reason = reason + a.summary
	return true
}

// passWithin reports whether a metric whose relative comparison could not
// reveal its DetectableChange may still pass because its data rule that
// change out: the level test's confidence limit in the bad direction at
// level first (the level the detectable change is computed at; each side
// at first/2 for direction either) lies inside the required change (band), no test of the metric hints at a regression (every
// p-value is at least hint) and no estimate lies beyond an absolute bound.
// The power requirement keeps a look from passing a change as large as
// the required one half of the time; this rules it out at level first.
// It only turns NotEnoughData into Pass, never adds a failure.
func (a *metricAnalysis) passWithin(first, hint float64) (bool, string) {
	if a.band == nil || len(a.tests) == 0 || a.tests[0].interval == nil || len(a.boundNear) > 0 || math.IsNaN(first) {
		return false, ""
	}
	for _, h := range a.tests {
		if !(h.p >= hint) {
			return false, ""
		}
	}
	d, al := a.metric.Direction, first
	if d == analysis.Either {
		al = first / 2
	}
	iv := a.tests[0].interval(al)
	if math.IsNaN(iv.Lower) || math.IsNaN(iv.Upper) {
		return false, ""
	}
	ok, limit := iv.Upper <= a.band.Up, "upper limit "+fmtPct(iv.Upper)
	switch d {
	case analysis.Decrease:
		ok, limit = iv.Lower >= a.band.Down, "lower limit "+fmtPct(iv.Lower)
	case analysis.Either:
		ok, limit = iv.Lower >= a.band.Down && iv.Upper <= a.band.Up, "limits "+fmtPct(iv.Lower)+" and "+fmtPct(iv.Upper)
	}
	return ok, fmt.Sprintf("the canary is confidently within the change that had to be detectable (%s at one-sided level %s, inside %s)",
		limit, fmtP(al), fmtBand(d, a.band.Up, a.band.Down))
}

// fmtBand says which changes a direction's required change leaves inside:
// "+100.0%" for increases, "-50.0%" for decreases, both for either.
func fmtBand(d analysis.Direction, up, down float64) string {
	switch d {
	case analysis.Decrease:
		return fmtPct(down)
	case analysis.Either:
		return fmtPct(down) + " to " + fmtPct(up)
	}
	return fmtPct(up)
}

// changeBand is a relative change on each side of no change.
type changeBand struct {
	Down, Up float64
}
