package canary

import (
	"fmt"
	"testing"
	"time"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/internal/longtest"
)

// TestSimulatedAnalysisRuns judges simulated AnalysisRuns of the
// benchmark's families (a small sample; the build tag judgesim runs the
// full table) and checks the properties the design promises: few false
// alarms on healthy canaries, most healthy runs Successful, and large
// regressions caught by canary age 10 minutes.
func TestSimulatedAnalysisRuns(t *testing.T) {
	t.Parallel()
	const seeds = 150
	j := New()
	want := map[string]struct{ maxFailed, minSuccessful, minFailedBy10 float64 }{
		"healthy":           {0.02, 0.85, 0},
		"healthy-noisy-pod": {0.02, 0.85, 0},
		"latency-50":        {1, 0, 0.70},
		"errors-new":        {1, 0, 0.70},
		"memory-leak":       {1, 0, 0.90},
	}
	for _, f := range simFamilies {
		w, ok := want[f.name]
		if !ok {
			continue
		}
		t.Run(f.name, func(t *testing.T) {
			o := runSimFamily(j, f, seeds, 0.01, 0.07, false, true)
			failed := float64(o.failed) / float64(o.runs)
			succ := float64(o.successful) / float64(o.runs)
			by10 := float64(o.failedBy10) / float64(o.runs)
			t.Logf("%s: Failed %.3f, Successful %.3f, Failed by 10 min %.3f, failing metrics %v, NotEnoughData by look %v",
				f.name, failed, succ, by10, o.failing, o.notEnough)
			if failed > w.maxFailed || succ < w.minSuccessful || by10 < w.minFailedBy10 {
				t.Errorf("Failed %.3f (max %.2f), Successful %.3f (min %.2f), Failed by 10 min %.3f (min %.2f)",
					failed, w.maxFailed, succ, w.minSuccessful, by10, w.minFailedBy10)
			}
		})
	}
}

// TestSpendingPlanKeepsRunFalseAlarms checks by simulation that the
// testable-looks plan keeps the run's false-alarm rate at alpha: at a
// large alpha (0.2, so that false alarms are frequent enough to count)
// healthy runs, judged at every look as Argo does, fail in at most alpha
// of the runs (with room for sampling error: 400 runs at a rate of 0.2
// have a standard error of 0.02). Both plans are run; the even one is the
// reference. It is a long test (1,600 simulated runs, about 8 s):
// CANARY_LONG_TESTS=1 runs it.
func TestSpendingPlanKeepsRunFalseAlarms(t *testing.T) {
	longtest.Skip(t)
	t.Parallel()
	const seeds, alpha = 400, 0.2
	j := New()
	for _, f := range simFamilies {
		if f.name != "healthy" && f.name != "healthy-noisy-pod" {
			continue
		}
		for _, scheduled := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/scheduled=%v", f.name, scheduled), func(t *testing.T) {
				o := runSimFamily(j, f, seeds, alpha, 0.07, false, scheduled)
				failed := float64(o.failed) / float64(o.runs)
				t.Logf("%s, scheduled %v: %d of %d runs Failed (%.3f at alpha %.2f); failing metrics %v",
					f.name, scheduled, o.failed, o.runs, failed, alpha, o.failing)
				if failed > alpha+0.04 {
					t.Errorf("%.3f of healthy runs Failed; the plan promises at most %.2f", failed, alpha)
				}
			})
		}
	}
}

// BenchmarkJudgeSetLarge judges a day of one-minute samples of eight
// stable pods and a canary (latency and errors).
func BenchmarkJudgeSetLarge(b *testing.B) {
	w := newSimWorld(1)
	w.stable = 8
	w.history = 22 * time.Hour
	d := w.generate(2 * time.Hour)
	lat, errs, _, end := d.at(2 * time.Hour)
	in := []analysis.MetricInput{{Metric: simMetrics(0.07)[0], Data: lat}, {Metric: simMetrics(0.07)[1], Data: errs}}
	s := analysis.Settings{Alpha: 0.01, Looks: 5, Warmup: 2 * time.Minute, Step: time.Minute, End: end}
	j := New()
	for b.Loop() {
		j.judgeSet(in, s)
	}
}
