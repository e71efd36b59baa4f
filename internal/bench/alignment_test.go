package bench

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/canary-analyzer/canary-analyzer/analysisrun"
	"github.com/canary-analyzer/canary-analyzer/internal/scenario"
)

// alignedResult is one run of a family at an alignment, failed at look
// `failedAt` (1-based; 0: Successful).
func alignedResult(family string, healthy bool, seed uint64, align, failedAt int, judge string) Result {
	tr := scenario.Truth{Name: family, Healthy: healthy, Seed: seed, Aligned: true, Alignment: align,
		Namespace: family, World: &scenario.WorldTruth{}}
	run := analysisrun.Run{Phase: analysisrun.PhaseSuccessful, Looks: 4}
	if failedAt > 0 {
		run = analysisrun.Run{Phase: analysisrun.PhaseFailed, Looks: failedAt, Failed: 1}
	}
	return Result{Truth: tr, Judge: judge, Run: run}
}

func TestAlignmentTable(t *testing.T) {
	t.Parallel()
	l := analysisrun.Limits{InitialDelay: 4 * time.Minute, Interval: 2 * time.Minute, Count: 4}
	results := []Result{
		alignedResult("world", true, 1, 0, 0, JudgeOurs),
		alignedResult("world", true, 1, 45, 2, JudgeOurs), // a false alarm at 45 s
		alignedResult("world", true, 1, 0, 1, JudgeBaseline),
		alignedResult("world", true, 1, 45, 1, JudgeBaseline),
		alignedResult("restart-once", false, 1, 0, 0, JudgeOurs),
		alignedResult("restart-once", false, 1, 45, 4, JudgeOurs), // detected at 10 min
		alignedResult("restart-once", false, 1, 0, 1, JudgeBaseline),
		alignedResult("restart-once", false, 1, 45, 1, JudgeBaseline),
	}
	if got := Alignments(results); len(got) != 2 || got[0] != 0 || got[1] != 45 {
		t.Fatalf("alignments %v", got)
	}
	rows := SummarizeAlignments(results, l)
	if len(rows) != 2 || rows[0].Family != "world" || rows[1].Family != "restart-once" {
		t.Fatalf("rows %+v", rows)
	}
	if h := rows[0].Hits[JudgeOurs]; h[0] != 0 || h[45] != 1 || rows[0].Runs[JudgeOurs][45] != 1 {
		t.Errorf("world: hits %v runs %v", h, rows[0].Runs[JudgeOurs])
	}
	var buf bytes.Buffer
	WriteAlignments(&buf, results, l)
	for _, want := range []string{
		"| world | healthy | 0 of 1 | 1 of 1 | 1 of 2 = 50.0% (≤ 97.5%) |",
		"| restart-once | large | 0 of 1 | 1 of 1 | 1 of 2 = 50.0% (1.3-98.7) |",
		"| **kayenta: false alarms, healthy families** | | 1 of 1 = 100.0% | 1 of 1 = 100.0% |",
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, buf.String())
		}
	}
	buf.Reset()
	WriteAlignments(&buf, []Result{{Truth: scenario.Truth{Name: "healthy", Healthy: true}, Judge: JudgeOurs}}, l)
	if buf.Len() != 0 {
		t.Errorf("a table without aligned runs:\n%s", buf.String())
	}
}

func TestSeedNote(t *testing.T) {
	t.Parallel()
	at := func(seeds ...uint64) []Result {
		var out []Result
		for _, s := range seeds {
			out = append(out, alignedResult("world", true, s, 0, 0, JudgeOurs))
		}
		return out
	}
	cases := []struct {
		results []Result
		want    string
	}{
		{at(1, 50), "TUNING seeds"},
		{at(51, 100), "TUNING seeds"},
		{at(1001, 1030), "held-out seeds"},
		{at(3001, 3100), "held-out seeds"},
		{at(5001, 5020), "held-out seeds (tuning range 1-100, held out 1001-1100, 3001-3100 and 5001-5100)"},
		{at(40, 1001), "neither tuning nor held-out"},
		{at(5090, 5101), "neither tuning nor held-out"},
		{[]Result{{Truth: scenario.Truth{Seed: 5}}}, ""},
	}
	for _, c := range cases {
		got := SeedNote(c.results)
		if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("SeedNote = %q, want it to say %q", got, c.want)
		}
	}
}
