package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/canary-analyzer/canary-analyzer/analysis/stats"
	"github.com/canary-analyzer/canary-analyzer/internal/scenario"
)

func TestFamilySpreads(t *testing.T) {
	t.Parallel()
	// look is one look's metrics with the given latency spread (and an
	// error ratio, which has none).
	look := func(observed, noise float64, pods int) []MetricOutcome {
		var m []MetricOutcome
		raw := fmt.Sprintf(`[{"name": "error-ratio", "evidence": {"tests": [], "spread": {"observed": null, "noise": null, "prior": 0.15, "pods": 0}}},
			{"name": "latency", "evidence": {"tests": [], "spread": {"observed": %g, "noise": %g, "prior": 0.066, "pods": %d}}}]`, observed, noise, pods)
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	run := func(judge, family string, seed uint64, looks ...[]MetricOutcome) Result {
		return Result{Judge: judge, Truth: scenario.Truth{Name: family, Seed: seed}, Metrics: looks}
	}
	results := []Result{
		// world: seed 1 at two alignments (its pods count once, their
		// variances averaged), seed 2 once; only the last look counts.
		run(JudgeOurs, "world", 1, look(0.9, 0, 5), look(0.2, 0.1, 5)),
		run(JudgeOurs, "world", 1, look(0.9, 0, 5), look(0.3, 0.1, 5)),
		run(JudgeOurs, "world", 2, look(0.25, 0.05, 4)),
		run(JudgeBaseline, "world", 3, look(5, 0, 8)), // Kayenta's runs do not count
		// bimodal: narrow, one pod too few in one seed.
		run(JudgeOurs, "bimodal", 1, look(0.02, 0.01, 8)),
		run(JudgeOurs, "bimodal", 2, look(0.02, 0.01, 1)),
	}
	fams, metrics, priors := FamilySpreads(results)
	if len(metrics) != 1 || metrics[0] != "latency" || priors[0] != 0.066 {
		t.Fatalf("metrics %v with priors %v, want latency at 0.066", metrics, priors)
	}
	if len(fams) != 2 || fams[0].Family != "world" || fams[1].Family != "bimodal" {
		t.Fatalf("families %+v, want world then bimodal", fams)
	}
	want := stats.PoolSpread([]stats.SpreadGroup{
		{Var: (0.04 + 0.09) / 2, Noise: 0.01, Pods: 5},
		{Var: 0.0625, Noise: 0.0025, Pods: 4},
	}, 0.9)
	got := fams[0].Metrics[0]
	if got.DF != 7 || got.Groups != 2 || math.Abs(got.Estimate-want.Estimate) > 1e-12 || math.Abs(got.Upper-want.Upper) > 1e-12 {
		t.Errorf("world: %+v, want %+v", got, want)
	}
	if b := fams[1].Metrics[0]; b.DF != 7 || b.Groups != 1 {
		t.Errorf("bimodal: %+v, want one seed's 8 pods", b)
	}

	var b bytes.Buffer
	WriteSpreads(&b, results)
	out := b.String()
	for _, s := range []string{"| family | latency (podSpread 0.066) |", "| world | ", " ↑ |", "| bimodal | 0.017 (", " ↓ |"} {
		if !strings.Contains(out, s) {
			t.Errorf("the table lacks %q:\n%s", s, out)
		}
	}
	// With healthy runs, only the healthy families count.
	healthy := run(JudgeOurs, "world", 4, look(0.1, 0, 6))
	healthy.Truth.Healthy = true
	if fams, _, _ := FamilySpreads(append(results, healthy)); len(fams) != 1 || fams[0].Family != "world" || fams[0].Metrics[0].DF != 5 {
		t.Errorf("with a healthy run: %+v, want world's healthy seed alone", fams)
	}
	var none bytes.Buffer
	WriteSpreads(&none, []Result{run(JudgeOurs, "world", 1)})
	if none.Len() != 0 {
		t.Errorf("results without spreads wrote %q", none.String())
	}
}
