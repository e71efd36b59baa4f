package replay

import (
	"math"
	"strings"
	"testing"
)

// TestPoolSpread checks the pooled spread and its 90% interval against R
// (replay/testdata/pool_spread.R: qchisq on the pooled degrees of freedom).
func TestPoolSpread(t *testing.T) {
	groups := []SpreadGroupInput{
		{Var: 0.012, Noise: 0.002, Pods: 6},
		{Var: 0.020, Noise: 0.003, Pods: 4},
		{Var: 0.008, Noise: 0.001, Pods: 8},
		{Var: 0.5, Noise: 0, Pods: 1}, // one pod: no spread, carries nothing
	}
	e := PoolSpread(groups, 0.9)
	// Rscript replay/testdata/pool_spread.R
	want := SpreadEstimate{DF: 15, Groups: 3, Estimate: 0.10000000000000001, Lower: 0.072855009182510699, Upper: 0.1500197966182501}
	if e.DF != want.DF || e.Groups != want.Groups {
		t.Fatalf("df %d over %d groups, want %d over %d", e.DF, e.Groups, want.DF, want.Groups)
	}
	for _, c := range []struct {
		name      string
		got, want float64
	}{{"estimate", e.Estimate, want.Estimate}, {"lower", e.Lower, want.Lower}, {"upper", e.Upper, want.Upper}} {
		if math.Abs(c.got-c.want) > 1e-9*c.want {
			t.Errorf("%s %.17g, R %.17g", c.name, c.got, c.want)
		}
	}

	t.Run("noise larger than the spread", func(t *testing.T) {
		e := PoolSpread([]SpreadGroupInput{{Var: 0.001, Noise: 0.004, Pods: 12}}, 0.9)
		if e.Estimate != 0 || e.Lower != 0 || !(e.Upper >= 0) {
			t.Errorf("%+v: want a zero estimate and lower bound", e)
		}
	})
	t.Run("no groups", func(t *testing.T) {
		e := PoolSpread(nil, 0.9)
		if !math.IsNaN(e.Estimate) || e.DF != 0 {
			t.Errorf("%+v: want NaN on no degrees of freedom", e)
		}
	})
}

// TestSpreadAdvice checks the advice against the interval.
func TestSpreadAdvice(t *testing.T) {
	base := SpreadEstimate{Estimate: 0.1, Lower: 0.08, Upper: 0.13, DF: 40}
	for _, c := range []struct {
		name  string
		prior float64
		df    int
		want  string
	}{
		{"below", 0.066, 40, "below the measured spread"},
		{"above", 0.2, 40, "above the measured spread"},
		{"within", 0.1, 40, "within the measured interval"},
		{"too few", 0.066, 9, "too few stable pods"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := base
			e.Prior, e.DF = c.prior, c.df
			if a := e.advice(); !strings.Contains(a, c.want) {
				t.Errorf("advice %q, want %q", a, c.want)
			}
		})
	}
}
