package canary

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/canary-analyzer/canary-analyzer/analysis"
)

// TestSwappedHashesAreNotJudged: a template that passes the stable hash as
// the canary's hands the judge many old "canary" pods and one young
// "stable" pod. The judge must refuse (Inconclusive, every metric
// NotEnoughData, a reason saying the hashes look swapped) instead of
// passing a regressed rollout, and must still judge real rollouts: young
// stable pods, a replaced stable pod, a canary grown to most replicas.
func TestSwappedHashesAreNotJudged(t *testing.T) {
	t.Parallel()
	const n = 30
	// pods draws latency rows starting at the given minutes; slow ones
	// are 50% slower.
	pods := func(r *rand.Rand, starts []int, slow bool) [][]float64 {
		out := make([][]float64, len(starts))
		for i, s := range starts {
			level := 0.1
			if slow {
				level = 0.15
			}
			out[i] = podRow(r, n, s, level, 0.05*r.NormFloat64(), 0.03, 0.5, flat)
		}
		return out
	}
	// errors gives each pod 200 requests a minute from its start, with
	// 10% errors for the broken ones.
	errors := func(prefix string, starts []int, broken bool) []analysis.CountSeries {
		ev, tr := make([][]float64, len(starts)), make([][]float64, len(starts))
		for i, s := range starts {
			ev[i], tr[i] = make([]float64, n), make([]float64, n)
			for m := range n {
				ev[i][m], tr[i][m] = math.NaN(), math.NaN()
				if m >= s {
					tr[i][m] = 200
					ev[i][m] = 0
					if broken {
						ev[i][m] = 20
					}
				}
			}
		}
		return countRows(prefix, ev, tr)
	}
	old := []int{0, 0, 0, 0, 0, 0, 0, 0}
	for _, c := range []struct {
		name                   string
		canary, stable         []int
		canarySlow, stableSlow bool
		refused                bool
		want                   analysis.Verdict
	}{
		{name: "a regressed canary", canary: []int{22}, stable: old, canarySlow: true, want: analysis.Failed},
		{name: "swapped: eight old canary pods, one young regressed stable pod", canary: old, stable: []int{22}, stableSlow: true,
			refused: true, want: analysis.Inconclusive},
		{name: "swapped, both older than the window", canary: old, stable: []int{0}, stableSlow: true,
			refused: true, want: analysis.Inconclusive},
		{name: "young stable pods", canary: []int{24}, stable: []int{3, 4, 5, 6}, canarySlow: true, want: analysis.Failed},
		{name: "a stable pod replaced before the canary", canary: []int{22}, stable: []int{0, 0, 0, 12}, canarySlow: true, want: analysis.Failed},
		{name: "a stable pod replaced after the canary", canary: []int{22}, stable: []int{0, 0, 0, 26}, canarySlow: true, want: analysis.Failed},
		{name: "a canary grown to most of the replicas", canary: []int{20, 20, 21, 21, 22, 22}, stable: []int{0, 0}, want: analysis.Successful},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(7, 7))
			s := judgeSettings()
			s.Warmup = time.Minute
			s.End = time.UnixMilli(judgeT0 + (n-1)*60000)
			errorRatio := analysis.Metric{Name: "errors", Kind: analysis.KindRatio, Direction: analysis.Increase,
				Max: math.NaN(), Min: math.NaN(), Critical: true, DetectableChange: -1}
			latency := latencyMetric()
			latency.Critical = true
			latency.DetectableChange = -1
			in := []analysis.MetricInput{
				{Metric: latency, Data: analysis.Data{
					Canary: valueRows("canary-", pods(r, c.canary, c.canarySlow)),
					Stable: valueRows("stable-", pods(r, c.stable, c.stableSlow)),
				}},
				{Metric: errorRatio, Data: analysis.Data{
					CanaryCounts: errors("canary-", c.canary, c.canarySlow),
					StableCounts: errors("stable-", c.stable, c.stableSlow),
				}},
			}
			rep := judgeAll(New(), in, s, analysis.Thresholds{Pass: 90, Marginal: 60})
			if rep.Verdict != c.want {
				t.Errorf("verdict %s (%s), want %s", rep.Verdict, rep.Reason, c.want)
			}
			swapped := strings.Contains(rep.Reason, "hashes look swapped")
			if swapped != c.refused {
				t.Errorf("reason %q: says swapped %v, want %v", rep.Reason, swapped, c.refused)
			}
			if !c.refused {
				return
			}
			if rep.Score != 0 || len(rep.Failed) != 0 {
				t.Errorf("score %v, failed %v: want 0 and none", rep.Score, rep.Failed)
			}
			for _, m := range rep.Metrics {
				if m.Classification != analysis.NotEnoughData || !strings.Contains(m.Reason, "look swapped") {
					t.Errorf("metric %s: %s (%s), want NotEnoughData saying the hashes look swapped", m.Name, m.Classification, m.Reason)
				}
			}
		})
	}
}
