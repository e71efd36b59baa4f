package canary

import (
	"fmt"
	"math"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/analysis/stats"
)

// valueBounds adds the tests of the absolute bounds on the canary's level:
// the mean of its (log) values after the warm-up, with the noise of its
// difference from the stable pods' common level.
func (j *Judge) valueBounds(a *metricAnalysis, m analysis.Metric, f valueFrame, idx []int, noise, noiseDF float64) {
	hasMax, hasMin := !math.IsNaN(m.Max), !math.IsNaN(m.Min)
	if !hasMax && !hasMin {
		return
	}
	var lv []float64
	for _, t := range idx {
		var s float64
		var n int
		for r := 0; r < f.c; r++ {
			if v := f.z[r][t]; !math.IsNaN(v) {
				s += v
				n++
			}
		}
		lv = append(lv, s/float64(n))
	}
	mean := stats.Mean(lv)
	se := math.Sqrt(noise)
	value := mean
	if f.log {
		value = math.Exp(mean)
	}
	what := "mean"
	if f.log {
		what = "geometric mean"
	}
	bound := func(name string, b float64, upper bool) {
		tb := b
		if f.log {
			tb = math.Log(b) // -Inf for b <= 0: any positive value is above it
		}
		t := (mean - tb) / se
		up, lo := stats.TTails(t, noiseDF)
		if math.IsInf(tb, -1) {
			t, up, lo = math.Inf(1), 0, 1
		}
		p, side := up, analysis.High
		if !upper {
			p, side = lo, analysis.Low
		}
		a.addBound(&hypothesis{
			p: p, side: side, gate: true,
			ev: analysis.TestEvidence{
				Name: name, Test: "t on the canary's level", Estimate: value,
				Statistic: t, DF: noiseDF,
				Text: fmt.Sprintf("canary %s %s is %s the bound %s", what, fmtValue(m, value), relation(upper), fmtBound(m, b)),
			},
			interval: func(al float64) *analysis.Interval {
				q := stats.TQuantile(1-al, noiseDF)
				lo, hi := mean-q*se, mean+q*se
				if f.log {
					lo, hi = math.Exp(lo), math.Exp(hi)
				}
				return &analysis.Interval{Lower: lo, Upper: hi, Level: 1 - 2*al, Of: "canary level"}
			},
		}, what, value, b, upper)
	}
	if hasMax {
		bound("max", m.Max, true)
	}
	if hasMin {
		bound("min", m.Min, false)
	}
}

// addBound adds h, the test of the absolute bound b (upper: a Max, else a
// Min) on the canary's what, whose value is value: with the sentence that
// the value is within the bound when it is, the clause that it is beyond
// the bound but within its noise when it is not (a metric with such a
// clause is never a plain Pass), and, for a bound that guards the metric's
// bad direction, the check that lets the metric pass on it.
func (a *metricAnalysis) addBound(h *hypothesis, what string, value, b float64, upper bool) {
	beyond := value > b
	if !upper {
		beyond = value < b
	}
	m := a.metric
	if beyond {
		a.boundNear = append(a.boundNear, fmt.Sprintf("the canary's %s %s is %s the bound %s but within its noise",
			what, fmtValue(m, value), relation(upper), fmtBound(m, b)))
	} else {
		h.ev.Text = fmt.Sprintf("canary %s %s is within the bound %s", what, fmtValue(m, value), fmtBound(m, b))
	}
	a.tests = append(a.tests, h)
	if badSide(m.Direction, upper) {
		a.within = append(a.within, boundWithin(h.interval, m, what, b, upper))
	}
}

// relation says where a value beyond an upper (Max) or lower (Min) bound
// lies.
func relation(upper bool) string {
	if upper {
		return "above"
	}
	return "below"
}

// badSide reports whether an upper (Max) or lower (Min) bound guards the
// metric's bad direction.
func badSide(d analysis.Direction, upper bool) bool {
	switch d {
	case analysis.Decrease:
		return !upper
	case analysis.Either:
		return true
	}
	return upper
}

// boundWithin returns the check that the canary's confidence interval at
// one-sided level a lies inside bound b (below a Max, above a Min), with a
// clause such as "the canary's ratio is below the bound 0.05 with
// confidence (upper limit 0.012 at one-sided level 2.3e-04)".
func boundWithin(interval func(a float64) *analysis.Interval, m analysis.Metric, what string, b float64, upper bool) func(a float64) (bool, string) {
	return func(al float64) (bool, string) {
		iv := interval(al)
		if iv == nil {
			return false, ""
		}
		if upper {
			u := float64(iv.Upper)
			return u < b, fmt.Sprintf("the canary's %s is below the bound %s with confidence (upper limit %s at one-sided level %s)",
				what, fmtBound(m, b), fmtValue(m, u), fmtP(al))
		}
		l := float64(iv.Lower)
		return l > b, fmt.Sprintf("the canary's %s is above the bound %s with confidence (lower limit %s at one-sided level %s)",
			what, fmtBound(m, b), fmtValue(m, l), fmtP(al))
	}
}
