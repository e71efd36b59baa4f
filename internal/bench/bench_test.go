package bench

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/canary-analyzer/canary-analyzer/internal/scenario"
)

// TestSmallBenchmark is the CI-sized benchmark: a few families and seeds
// through the real API on a real Prometheus. The full table comes from
// cmd/verdict-bench.
func TestSmallBenchmark(t *testing.T) {
	if testing.Short() {
		t.Skip("needs a real Prometheus; skipped with -short")
	}
	l, err := ReadLimits("../../deploy/analysis/cluster-analysis-template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var fams []scenario.Family
	for _, name := range []string{"healthy", "healthy-noisy-pod", "healthy-quiet", "latency-50", "errors-new", "crash-loop"} {
		f, ok := scenario.LookupFamily(name)
		if !ok {
			t.Fatalf("no family %s", name)
		}
		fams = append(fams, f)
	}
	const seeds = 3
	results, err := RunBenchmark(t.Context(), Config{
		Families: fams, Seeds: seeds, FirstSeed: 1, RuleFile: "../../deploy/base/rules/http-service.yaml",
		Limits: l, History: 35 * time.Minute, Dir: t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := len(fams) * seeds * 2; len(results) != want {
		t.Fatalf("%d results, want %d", len(results), want)
	}
	for _, r := range results {
		if r.Run.Phase == PhaseError || len(r.Verdicts) != l.Count {
			t.Errorf("%s/%s: run %+v with verdicts %v", r.Truth.Namespace, r.Judge, r.Run, r.Verdicts)
		}
		if r.Judge != JudgeOurs {
			continue
		}
		// The seeds are fixed, so these outcomes are deterministic; the
		// full benchmark (cmd/verdict-bench) measures the rates.
		switch {
		case r.Truth.Healthy && r.Run.Phase == PhaseFailed:
			t.Errorf("false alarm on %s: %v %v", r.Truth.Namespace, r.Verdicts, r.Reasons)
		case r.Truth.Name == "healthy-quiet" && r.Run.Phase == PhaseSuccessful:
			// Too little data is Inconclusive, never Successful, unless
			// the canary is confidently within its absolute bounds.
			t.Logf("quiet %s Successful: %v", r.Truth.Namespace, r.Reasons)
		case r.Truth.Healthy && r.Truth.Name != "healthy-quiet" && r.Run.Phase != PhaseSuccessful:
			t.Errorf("healthy %s ended %s: %v %v", r.Truth.Namespace, r.Run.Phase, r.Verdicts, r.Reasons)
		case !r.Truth.Healthy && r.Run.Phase != PhaseFailed:
			t.Errorf("missed %s: %v %v", r.Truth.Namespace, r.Verdicts, r.Reasons)
		}
	}
	var buf bytes.Buffer
	WriteMarkdown(&buf, Summarize(results, l, Budget{}))
	if !strings.Contains(buf.String(), "| latency-50 | large |") {
		t.Errorf("table lacks a row:\n%s", buf.String())
	}
	t.Logf("\n%s", buf.String())
}
