package canary

import (
	"math"

	"github.com/canary-analyzer/canary-analyzer/analysis"
)

// gates returns the effect-size gates of a metric: an increase fails only
// when the effect is at least inc, a decrease only when at most dec.
func gates(m analysis.Metric) (measure analysis.EffectMeasure, inc, dec float64) {
	measure = m.EffectMeasure
	if measure == "" {
		measure = analysis.EffectMeanRatio
	}
	switch measure {
	case analysis.EffectCLES:
		inc, dec = 0.5, 0.5
	default:
		tol := math.Max(m.Tolerance, 0)
		inc, dec = 1+tol, math.Max(0, 1-tol)
	}
	if m.AllowedIncrease > 0 {
		inc = m.AllowedIncrease
	}
	if m.AllowedDecrease > 0 {
		dec = m.AllowedDecrease
	}
	return measure, inc, dec
}

// effectGate applies the metric's gates to an effect in the side's
// direction, and reports whether a critical effect size was reached.
func effectGate(m analysis.Metric, eff analysis.Effect, side analysis.Classification) (gate, critical bool) {
	measure, inc, dec := gates(m)
	e := float64(eff.MeanRatio)
	if measure == analysis.EffectCLES {
		e = float64(eff.CLES)
	}
	if math.IsNaN(e) {
		// An effect that cannot be computed (for example a ratio over a
		// zero baseline) does not hide a significant change.
		return true, false
	}
	switch side {
	case analysis.High:
		gate = e >= inc
		critical = m.CriticalIncrease > 0 && e >= m.CriticalIncrease
	case analysis.Low:
		gate = e <= dec
		critical = m.CriticalDecrease > 0 && e <= m.CriticalDecrease
	}
	return gate, critical
}

// directional turns one-sided p-values into the p-value of the metric's
// bad direction and the side a rejection gives. estimate is the signed
// effect (used to choose the side for direction either).
func directional(dir analysis.Direction, upper, lower, estimate float64) (float64, analysis.Classification) {
	switch dir {
	case analysis.Decrease:
		return lower, analysis.Low
	case analysis.Either:
		p := math.Min(1, 2*math.Min(upper, lower))
		if estimate < 0 || (math.IsNaN(estimate) && lower < upper) {
			return p, analysis.Low
		}
		return p, analysis.High
	default:
		return upper, analysis.High
	}
}
