package stats

import (
	"math"
	"testing"
)

// TestPoolSpread checks the pooled spread and its 90% interval against R
// (testdata/pool_spread.R: qchisq on the pooled degrees of freedom).
func TestPoolSpread(t *testing.T) {
	groups := []SpreadGroup{
		{Var: 0.012, Noise: 0.002, Pods: 6},
		{Var: 0.020, Noise: 0.003, Pods: 4},
		{Var: 0.008, Noise: 0.001, Pods: 8},
		{Var: 0.5, Noise: 0, Pods: 1}, // one pod: no spread, carries nothing
	}
	p := PoolSpread(groups, 0.9)
	// Rscript analysis/stats/testdata/pool_spread.R
	want := PooledSpread{DF: 15, Groups: 3, Estimate: 0.10000000000000001, Lower: 0.072855009182510699, Upper: 0.1500197966182501}
	if p.DF != want.DF || p.Groups != want.Groups {
		t.Fatalf("df %d over %d groups, want %d over %d", p.DF, p.Groups, want.DF, want.Groups)
	}
	for _, c := range []struct {
		name      string
		got, want float64
	}{{"estimate", p.Estimate, want.Estimate}, {"lower", p.Lower, want.Lower}, {"upper", p.Upper, want.Upper}} {
		if math.Abs(c.got-c.want) > 1e-9*c.want {
			t.Errorf("%s %.17g, R %.17g", c.name, c.got, c.want)
		}
	}

	t.Run("noise larger than the spread", func(t *testing.T) {
		p := PoolSpread([]SpreadGroup{{Var: 0.001, Noise: 0.004, Pods: 12}}, 0.9)
		if p.Estimate != 0 || p.Lower != 0 || !(p.Upper >= 0) {
			t.Errorf("%+v: want a zero estimate and lower bound", p)
		}
	})
	t.Run("no groups", func(t *testing.T) {
		p := PoolSpread(nil, 0.9)
		if !math.IsNaN(p.Estimate) || p.DF != 0 {
			t.Errorf("%+v: want NaN on no degrees of freedom", p)
		}
	})
}
