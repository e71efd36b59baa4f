package bench

import (
	"bytes"
	"testing"

	"github.com/canary-analyzer/canary-analyzer/analysisrun"
	"github.com/canary-analyzer/canary-analyzer/internal/scenario"
)

func TestSeedAlarms(t *testing.T) {
	t.Parallel()
	run := func(judge, family string, seed uint64, healthy bool, phase analysisrun.Phase) Result {
		return Result{Judge: judge, Truth: scenario.Truth{Name: family, Seed: seed, Healthy: healthy}, Run: analysisrun.Run{Phase: phase}}
	}
	for _, c := range []struct {
		name    string
		results []Result
		want    string
	}{
		{"no healthy runs", []Result{run(JudgeOurs, "world-latency-50", 1, false, analysisrun.PhaseFailed)}, ""},
		{"none", []Result{
			run(JudgeOurs, "world", 1, true, analysisrun.PhaseSuccessful),
			run(JudgeOurs, "world", 2, true, analysisrun.PhaseInconclusive),
			run(JudgeBaseline, "world", 2, true, analysisrun.PhaseFailed), // Kayenta's do not count
		}, "False alarms by seed (the families of a seed share most of its draws, so one unlucky draw can fail several families and alignments): 0 of 2 seeds.\n"},
		{"one draw in three families, another once", []Result{
			run(JudgeOurs, "world", 7, true, analysisrun.PhaseFailed),
			run(JudgeOurs, "world", 7, true, analysisrun.PhaseFailed),
			run(JudgeOurs, "warmup", 7, true, analysisrun.PhaseFailed),
			run(JudgeOurs, "pareto", 7, true, analysisrun.PhaseFailed),
			run(JudgeOurs, "bimodal", 3, true, analysisrun.PhaseFailed),
			run(JudgeOurs, "world", 3, true, analysisrun.PhaseSuccessful),
			run(JudgeOurs, "world", 5, true, analysisrun.PhaseSuccessful),
			run(JudgeOurs, "world-latency-50", 5, false, analysisrun.PhaseFailed), // a detection
		}, "False alarms by seed (the families of a seed share most of its draws, so one unlucky draw can fail several families and alignments): " +
			"2 of 3 seeds: 7 (4: pareto 1, warmup 1, world 2); 3 (1: bimodal 1).\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			WriteSeedAlarms(&b, c.results)
			if b.String() != c.want {
				t.Errorf("got\n%q\nwant\n%q", b.String(), c.want)
			}
		})
	}
}
