package canary

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/canary-analyzer/canary-analyzer/analysis"
)

// TestPassWithinTheDetectableChange: a look without the power to reveal
// the required change (+100% for values) still passes when its confidence
// limit in the bad direction, at the level the detectable change is
// computed at, lies inside that change: a noisy canary far on the good
// side has ruled a +100% change out. The same noise around the stable
// pods' level (or on the bad side) stays NotEnoughData, and so does a
// canary on the good side whose estimate lies beyond an absolute bound.
func TestPassWithinTheDetectableChange(t *testing.T) {
	t.Parallel()
	n := 30
	for _, c := range []struct {
		name      string
		direction analysis.Direction
		offset    float64 // the canary's log offset from the stable pods
		max       float64 // the metric's absolute bound (NaN: none)
		want      analysis.Classification
	}{
		{"noisy and far below, increase is bad", analysis.Increase, math.Log(0.3), math.NaN(), analysis.Pass},
		{"noisy at the stable level", analysis.Increase, 0, math.NaN(), analysis.NotEnoughData},
		{"noisy and far above, decrease is bad", analysis.Decrease, math.Log(3), math.NaN(), analysis.Pass},
		{"noisy and below, decrease is bad", analysis.Decrease, math.Log(0.8), math.NaN(), analysis.NotEnoughData},
		{"noisy and far below, both sides bad", analysis.Either, math.Log(0.3), math.NaN(), analysis.NotEnoughData},
		// The first case's data, with a bound the canary's 30 ms lies beyond.
		{"far below but beyond its absolute bound", analysis.Increase, math.Log(0.3), 0.02, analysis.NotEnoughData},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(11, 11))
			stable := make([][]float64, 3)
			for k, o := range []float64{-0.03, 0, 0.04} {
				stable[k] = podRow(r, n, 0, 0.1, o, 0.02, 0.3, flat)
			}
			// The canary's noise is a fixed zig-zag of mean zero over its
			// judged minutes (the first two are cut as warm-up), so the
			// estimate is the offset itself.
			row := make([]float64, n)
			zig := []float64{0, 0, 1, -1, 1, -1, 0}
			for i := range row {
				row[i] = math.NaN()
				if i >= 23 {
					row[i] = 0.1 * math.Exp(c.offset+1.1*zig[i-23])
				}
			}
			canary := [][]float64{row}
			m := latencyMetric()
			m.Direction = c.direction
			m.Max = c.max
			res := New().judgeMetric(m, analysis.Data{Canary: valueRows("c-", canary), Stable: valueRows("s-", stable)}, judgeSettings())
			if res.Classification != c.want {
				t.Fatalf("classification %s (%s), want %s", res.Classification, res.Reason, c.want)
			}
			det := res.Evidence.Detectable
			if det == nil || det.Enough {
				t.Fatalf("the look must lack the power to reveal the change: detectable %+v", det)
			}
			within := strings.Contains(res.Reason, "Pass within the detectable change")
			if within != (c.want == analysis.Pass) {
				t.Errorf("reason %q", res.Reason)
			}
			if c.want != analysis.Pass || c.direction != analysis.Increase {
				return
			}
			// The upper limit is e^(d̂ + t·SE) − 1 and the detectable change
			// e^(t·SE) − 1 at the same level and df: their product with the
			// estimate's ratio must agree with the limit printed.
			est := res.Evidence.Tests[0].Estimate
			upper := (1+est)*(1+det.Change) - 1
			if upper > det.Required {
				t.Errorf("upper limit %v beyond the required %v", upper, det.Required)
			}
			if want := fmt.Sprintf("upper limit %s at one-sided level", fmtPct(upper)); !strings.Contains(res.Reason, want) {
				t.Errorf("reason %q does not say %q", res.Reason, want)
			}
		})
	}
}

// TestPassWithinNeedsNoHint: a look whose limit lies within the change
// still does not pass when any of the metric's tests hints at a
// regression (a trend's p-value below the hint level, say), nor when its
// estimate lies beyond an absolute bound, nor without a level test.
func TestPassWithinNeedsNoHint(t *testing.T) {
	t.Parallel()
	// The level test's interval lies well inside the band at any level.
	within := func(float64) *analysis.Interval { return &analysis.Interval{Lower: -0.3, Upper: 0.2} }
	for _, c := range []struct {
		name  string
		ps    []float64
		near  []string
		first float64
		want  bool
	}{
		{"no hint", []float64{0.9, 0.4}, nil, 1e-3, true},
		{"a trend hints", []float64{0.9, 0.01}, nil, 1e-3, false},
		{"the level hints", []float64{0.04}, nil, 1e-3, false},
		{"a test without a p-value", []float64{0.9, math.NaN()}, nil, 1e-3, false},
		{"beyond a bound", []float64{0.9}, []string{"above 20 ms"}, 1e-3, false},
		{"no level for the look", []float64{0.9}, nil, math.NaN(), false},
		{"no test", nil, nil, 1e-3, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := &metricAnalysis{band: &changeBand{Down: -0.5, Up: 1}, boundNear: c.near}
			for i, p := range c.ps {
				h := &hypothesis{p: p}
				if i == 0 {
					h.interval = within
				}
				a.tests = append(a.tests, h)
			}
			if got, _ := a.passWithin(c.first, DefaultHintLevel); got != c.want {
				t.Errorf("passWithin = %v, want %v", got, c.want)
			}
		})
	}
}
