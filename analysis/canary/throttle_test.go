package canary

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/canary-analyzer/canary-analyzer/analysis"
)

// throttleRows gives each pod share·600 throttled periods out of 600 per
// minute (a minute of 100 ms CFS periods) from minute start on.
func throttleRows(prefix string, shares []float64, n, start int) []analysis.CountSeries {
	events, trials := make([][]float64, len(shares)), make([][]float64, len(shares))
	for k, s := range shares {
		events[k], trials[k] = make([]float64, n), make([]float64, n)
		for i := range n {
			events[k][i], trials[k][i] = math.Round(600*s), 600
			if i < start {
				trials[k][i] = math.NaN()
			}
		}
	}
	return countRows(prefix, events, trials)
}

// TestThrottlingHoldsALatencyHigh: a canary 70% slower than five stable
// pods is High on latency, unless the CPU metric's counters show it
// throttled in more of its CFS periods than every stable pod (and in at
// least the judge's ThrottledShare) while it serves more than every one
// of them, and its CPU at that load does not hint at more CPU per request:
// then the High is held as NotEnoughData and the run is Inconclusive. A
// canary throttled more at a load no higher than a stable pod's, or whose
// CPU hints at a regression, may need more CPU per request (its version's
// doing), a High of an
// absolute bound is a broken bound whatever the cause, and pods without a
// limit have no counters: none of these is held.
func TestThrottlingHoldsALatencyHigh(t *testing.T) {
	t.Parallel()
	const n, start = 50, 38
	stableShares := []float64{0.04, 0.08, 0.12, 0.06, 0.10}
	cases := []struct {
		name         string
		seed         uint64  // of the CPU data
		cpuFactor    float64 // the canary's CPU per request over a stable pod's
		canaryLoad   float64 // times a stable pod's load
		canaryShare  float64 // of its CFS periods throttled; NaN: no counters
		maxLatency   float64 // the latency metric's Max (NaN: none)
		want         analysis.Classification
		wantVerdict  analysis.Verdict
		wantEvidence bool
	}{
		{"busier and throttled more: held", 1, 1, 2.4, 0.30, math.NaN(), analysis.NotEnoughData, analysis.Inconclusive, true},
		{"busier, throttled more but under the least share", 2, 1, 2.4, 0.03, math.NaN(), analysis.High, analysis.Failed, false},
		{"throttled more at a lower load: the version's CPU", 3, 1, 0.5, 0.30, math.NaN(), analysis.High, analysis.Failed, false},
		{"busier but a stable pod is throttled as much", 4, 1, 2.4, 0.11, math.NaN(), analysis.High, analysis.Failed, false},
		{"no counters (no CPU limit)", 5, 1, 2.4, math.NaN(), math.NaN(), analysis.High, analysis.Failed, false},
		{"an absolute bound broken", 6, 1, 2.4, 0.30, 0.12, analysis.High, analysis.Failed, false},
		// CPU +30% per request: not High, but its p-value (0.003) hints.
		{"busier and throttled more, its CPU hinting at more per request", 4, 1.3, 2.4, 0.30, math.NaN(), analysis.High, analysis.Failed, false},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := rand.New(rand.NewPCG(uint64(i)+40, 3))
			stable := make([][]float64, 5)
			for k, off := range []float64{-0.05, -0.02, 0, 0.03, 0.05} {
				stable[k] = podRow(r, n, 0, 0.1, off, 0.03, 0.5, flat)
			}
			canary := [][]float64{podRow(r, n, start, 0.1, math.Log(1.7), 0.03, 0.5, flat)}
			lat := latencyMetric()
			lat.Critical, lat.Max = true, c.maxLatency
			latency := analysis.Data{Canary: valueRows("canary-", canary), Stable: valueRows("stable-", stable)}

			cpu, _ := loadWorld(c.seed, 5, n, start, c.canaryLoad, c.cpuFactor)
			cm := cpuMetric()
			cm.Critical, cm.ThrottlingExplains = true, []string{"latency"}
			cpu.StableThrottled = throttleRows("stable-", stableShares, n, 0)
			if !math.IsNaN(c.canaryShare) {
				cpu.CanaryThrottled = throttleRows("canary-", []float64{c.canaryShare}, n, start)
			}
			in := []analysis.MetricInput{{Metric: lat, Data: latency}, {Metric: cm, Data: cpu}}
			rep := judgeAll(New(), in, judgeSettings(), analysis.Thresholds{Pass: 90, Marginal: 60})
			got := rep.Metrics[0]
			if got.Classification != c.want || rep.Verdict != c.wantVerdict {
				t.Fatalf("latency %s, verdict %s (%s; %s); want %s, %s", got.Classification, rep.Verdict, got.Reason, rep.Reason, c.want, c.wantVerdict)
			}
			if cpuRes := rep.Metrics[1]; cpuRes.Classification == analysis.High || (c.cpuFactor == 1) != (levelP(&cpuRes) >= 0.05) {
				t.Fatalf("the fixture's CPU is %s with p = %g (%s): want a Pass, hinting (p < 0.05) only at %g times the CPU per request",
					cpuRes.Classification, levelP(&cpuRes), cpuRes.Reason, c.cpuFactor)
			}
			ev := got.Evidence.Throttling
			if (ev != nil) != c.wantEvidence {
				t.Fatalf("throttling evidence %+v, want it: %v", ev, c.wantEvidence)
			}
			if ev == nil {
				return
			}
			if ev.Metric != "cpu" || ev.Held != analysis.High || math.Abs(ev.CanaryShare-c.canaryShare) > 0.002 ||
				math.Abs(ev.StableMaxShare-0.12) > 0.002 || !(ev.CanaryLoad > 2*ev.StableMaxLoad/1.4) {
				t.Errorf("evidence %+v: want cpu, held High, canary %.2f against 0.12, load about 2.4 times a stable pod's", ev, c.canaryShare)
			}
			for _, s := range []string{"not enough data: High: canary +", "held: the canary was throttled in 30.0% of its CFS periods (the most throttled stable pod in 12.0%)"} {
				if !strings.Contains(got.Reason, s) {
					t.Errorf("reason %q lacks %q", got.Reason, s)
				}
			}
		})
	}
}
