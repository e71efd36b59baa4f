package bench

import (
	"math"
	"testing"
	"time"

	"github.com/canary-analyzer/canary-analyzer/internal/scenario"
)

func TestAllocate(t *testing.T) {
	t.Parallel()
	grid := []float64{0.001, 0.002, 0.004}
	power := map[string][]float64{"a": {0.5, 0.9, 1.0}, "b": {0.2, 0.8, 0.85}}
	cases := []struct {
		alpha float64
		want  map[string]int
		sum   float64
	}{
		// 0.002 each (0.9 + 0.8) beats 0.001 + 0.004 either way.
		{0.005, map[string]int{"a": 1, "b": 1}, 1.7},
		// Only 0.003 to share: b's step from 0.2 to 0.8 is worth more.
		{0.003, map[string]int{"a": 0, "b": 1}, 1.3},
		{0.008, map[string]int{"a": 2, "b": 2}, 1.85},
	}
	for _, c := range cases {
		got, sum := allocate(power, grid, c.alpha)
		if got["a"] != c.want["a"] || got["b"] != c.want["b"] || !close9(sum, c.sum) {
			t.Errorf("alpha %g: %v (sum %g), want %v (sum %g)", c.alpha, got, sum, c.want, c.sum)
		}
	}
	if _, sum := allocate(power, grid, 0.0015); !math.IsNaN(sum) {
		t.Errorf("too small a budget for both metrics gives sum %g, want NaN", sum)
	}
}

func TestBestCeiling(t *testing.T) {
	t.Parallel()
	var results []Result
	add := func(family string, seed uint64) {
		f, _ := scenario.LookupFamily(family)
		s := f.Scenario(seed)
		s.CanaryAge = 11 * time.Minute
		tr := scenario.Truth{Name: s.Name, Healthy: s.Healthy, Scenario: s, Effects: s.Effects, Seed: seed, CanaryStart: time.Unix(0, 0)}
		tr.Spread.LatencyPodSigma, tr.Spread.LatencyARPhi, tr.Spread.LatencyARSigma = 0.065, 0.8, 0.05
		tr.Pods = []scenario.PodTruth{{Canary: true, Requests: 2000}, {Requests: 3000}, {Requests: 3000}}
		results = append(results, Result{Truth: tr, Judge: JudgeOurs}, Result{Truth: tr, Judge: JudgeBaseline})
	}
	for seed := range uint64(3) {
		add("latency-50", seed+1)
		add("memory-leak", seed+1)
		add("latency-10", seed+1) // subtle: not in the ceiling
	}
	b := Budget{Window: map[string]time.Duration{"latency": 6 * time.Minute}}
	c := BestCeiling(results, b, 0.01)
	// Only latency is modelled, so it gets the whole budget (the grid's
	// last level), and each memory leak counts as detected.
	if got := c.Levels["latency"]; !close9(got, 0.01) {
		t.Errorf("latency's level %g, want 0.01", got)
	}
	var want float64
	for _, r := range results {
		if r.Judge == JudgeOurs && r.Truth.Name == "latency-50" {
			want += BestWithData(r.Truth, DetectBy, 6*time.Minute, 0.01)
		}
	}
	if !close9(c.Detected["latency"], want/3) {
		t.Errorf("latency detected %g, want %g", c.Detected["latency"], want/3)
	}
	if !close9(c.Large, (want+3)/6) {
		t.Errorf("ceiling %g, want %g", c.Large, (want+3)/6)
	}
}
