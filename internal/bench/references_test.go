package bench

import (
	"strings"
	"testing"

	"github.com/canary-analyzer/canary-analyzer/analysisrun"
	"github.com/canary-analyzer/canary-analyzer/internal/scenario"
)

// TestWriteReferences: the both-references table replays each run's looks
// as the request answered them and as each other rule answers the same
// looks' judgements, per family and in all, for the canary judge only.
func TestWriteReferences(t *testing.T) {
	t.Parallel()
	l := analysisrun.Limits{Count: 4, FailureLimit: 0, InconclusiveLimit: 3}
	refs := func(bs ...string) []map[string]string {
		var out []map[string]string
		for i := 0; i < len(bs); i += 2 {
			out = append(out, map[string]string{"baseline": bs[i], "stable": bs[i+1], "age": "Successful"})
		}
		return out
	}
	run := func(name string, healthy bool, judge string, verdicts []string, r []map[string]string) Result {
		return Result{Truth: scenario.Truth{Name: name, Healthy: healthy}, Judge: judge, Verdicts: verdicts, References: r, Run: Replay(verdicts, l)}
	}
	const S, I, F = "Successful", "Inconclusive", "Failed"
	results := []Result{
		// The age check failed it at the third look; the intersection-union
		// rule passes it there (baseline Successful), the stable pods fail it.
		run("world-latency-50", false, "canary", []string{I, I, F, F}, refs(I, I, I, I, S, F, S, F)),
		// Both fail at the second look.
		run("world-latency-50", false, "canary", []string{I, F, F, F}, refs(I, I, F, F, F, F, F, F)),
		// A healthy canary the stable pods alone would fail at the last look.
		run("bimodal", true, "canary", []string{I, I, S, S}, refs(I, I, I, I, S, S, S, F)),
		// Another judge's run, and a run without its judgements: left out.
		run("bimodal", true, "kayenta", []string{F, F, F, F}, refs(F, F, F, F, F, F, F, F)),
		run("bimodal", true, "canary", []string{F, F, F, F}, nil),
	}
	if got := len(WithReferences(results)); got != 4 {
		t.Fatalf("%d results with references, want 4", got)
	}
	var b strings.Builder
	WriteReferences(&b, WithReferences(results), l)
	for _, want := range []string{
		"| family | class | the request | both Failed (no age check) | against the stable pods alone |",
		"| `world-latency-50` | regressed | 0 / 0 / 2 | 1 / 0 / 1 | 0 / 0 / 2 |",
		"| `bimodal` | healthy | 1 / 0 / 0 | 1 / 0 / 0 | 0 / 0 / 1 |",
		"| **all healthy** | healthy | 1 / 0 / 0 | 1 / 0 / 0 | 0 / 0 / 1 |",
		"| **all regressed** | regressed | 0 / 0 / 2 | 1 / 0 / 1 | 0 / 0 / 2 |",
	} {
		if !strings.Contains(b.String(), want+"\n") {
			t.Errorf("the table lacks %q:\n%s", want, b.String())
		}
	}
}
