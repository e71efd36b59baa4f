package canary

import (
	"fmt"
	"math"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/analysis/stats"
)

// countDetectableChange returns the smallest rate ratio (less one) the level
// test reveals half of the time at per-test level a, with the clause that
// says so and, when the canary's exposure is too small, how much it needs.
func countDetectableChange(m analysis.Metric, t countTotals, sp countSpreads, required float64) func(a float64) (float64, string) {
	_, rateWord := countWords(m.Kind)
	tail := 1.0
	if m.Direction == analysis.Either {
		tail = 2
	}
	xs, es, ec := t.xs, t.es, t.ec
	return func(al float64) (float64, string) {
		al /= tail
		ref := (xs + 0.5) / es
		rho := countDetectable(ref, es, ec, sp.phi, sp.luck, 1, al)
		if xs == 0 {
			// A change of a zero ratio means nothing: say which ratio
			// the canary's data can show against the stable pods'
			// none (ref is their half-event rate).
			return rho - 1, fmt.Sprintf("the stable pods had no events in %s; the canary's %s can reveal a %s of %s "+
				"(%.3g events) at this look", exposureText(m.Kind, es), exposureText(m.Kind, ec), rateWord,
				fmtValue(m, rho*ref), rho*ref*ec)
		}
		need := ec
		if rho > 1+required {
			need = countNeeded(ref, es, ec, sp.phi, sp.luck, 1+required, al)
		}
		s := fmt.Sprintf("the canary's %s (%.3g events expected at the stable pods' %s %s) can reveal a %s change at this look",
			exposureText(m.Kind, ec), ref*ec, rateWord, fmtValue(m, xs/es), fmtTimes(rho))
		switch {
		case math.IsInf(need, 1):
			s += fmt.Sprintf("; the pods' spread hides a %s change however long the canary runs", fmtTimes(1+required))
		case need > ec:
			s += fmt.Sprintf("; about %s are needed to see a %s change", exposureText(m.Kind, math.Ceil(need)), fmtTimes(1+required))
		}
		return rho - 1, s
	}
}

// countRejects reports whether the conditional test at level alpha
// rejects when the counts are at their expectations: both sides at the
// reference rate ref (the stable pods' rate, (events + ½)/exposure so that
// pods without events still give a scale), the canary's multiplied by rho,
// over exposures ec (canary) and es (stable), with dispersion phi plus the
// pods' luck (luck·expected canary events·(1−θ)).
func countRejects(ref, es, ec, phi, luck, rho, alpha float64) bool {
	mu := rho * ref * ec
	theta := ec / (ec + es)
	n := ref*es + mu
	phiTot := phi + ref*ec*(1-theta)*luck
	return stats.BinomialUpper(mu/phiTot, n/phiTot, theta) <= alpha
}

// countDetectable returns the smallest rate ratio the conditional test
// reveals half of the time at level alpha (+Inf if none below 10¹²), with
// both exposures multiplied by f.
func countDetectable(ref, es, ec, phi, luck, f, alpha float64) float64 {
	es, ec = es*f, ec*f
	if !countRejects(ref, es, ec, phi, luck, 1e12, alpha) {
		return math.Inf(1)
	}
	lo, hi := 0.0, math.Log(1e12)
	for hi-lo > 1e-6 {
		mid := (lo + hi) / 2
		if countRejects(ref, es, ec, phi, luck, math.Exp(mid), alpha) {
			hi = mid
		} else {
			lo = mid
		}
	}
	return math.Exp(hi)
}

// countNeeded returns the canary exposure at which a rate ratio of target
// becomes detectable (half of the time) at level alpha, the stable pods'
// exposure growing in proportion; +Inf when no exposure up to 10⁹ times
// the present one is enough (the pods' spread then hides such a change).
func countNeeded(ref, es, ec, phi, luck, target, alpha float64) float64 {
	ok := func(f float64) bool { return countDetectable(ref, es, ec, phi, luck, f, alpha) <= target }
	if !ok(1e9) {
		return math.Inf(1)
	}
	lo, hi := math.Log(1e-9), math.Log(1e9)
	for hi-lo > 1e-4 {
		mid := (lo + hi) / 2
		if ok(math.Exp(mid)) {
			hi = mid
		} else {
			lo = mid
		}
	}
	return math.Exp(hi) * ec
}
