package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/api/wire"
)

// TestWriteSeries: with series, the text answer draws each pod over the
// window on one scale per metric, the canary's warm-up as dots.
func TestWriteSeries(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	ms := func(m int) int64 { return start.Add(time.Duration(m) * time.Minute).UnixMilli() }
	warm := start.Add(2 * time.Minute)
	r := wire.Response{
		Verdict: analysis.Successful, Window: wire.Window{Start: start, End: start.Add(4 * time.Minute), Step: "1m"},
		Metrics: []wire.MetricResult{{Name: "latency", Classification: analysis.Pass, WarmupEnd: &warm, Series: &wire.Series{
			Canary: []wire.PodSeries{{Pod: "web-c-1", T: []int64{ms(1), ms(2), ms(3), ms(4)}, V: []wire.Float{9, 1, 8, 8}}},
			Stable: []wire.PodSeries{{Pod: "web-s-1", T: []int64{ms(0), ms(1), ms(3), ms(4)}, V: []wire.Float{1, 1, wire.Float(math.NaN()), 1}}},
		}}},
	}
	var b strings.Builder
	writeText(&b, &r)
	for _, want := range []string{
		"latency (Pass), 12:00 to 12:04 UTC:\n",
		"  web-c-1  canary   ·▁██\n", // 12:01 cut (its 9 out of the scale), then 1, 8 and 8
		"  web-s-1  stable  ▁▁  ▁\n", // 12:02 missing, 12:03 NaN
		"  scale 1 to 8\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, b.String())
		}
	}
}

// TestWriteTextBothReferences: a both-references answer prints a line per
// judgement, with its verdict and reason, before the baseline's metrics.
func TestWriteTextBothReferences(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "golden", "judge-both-references.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r wire.Response
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	writeText(&out, &r)
	text := out.String()
	for _, want := range []string{
		"Successful  score 100",
		"canary web-8b7c6d5f4-3-1-canary (web-8b7c6d5f4-3-1-canary-klmno; age 14m)  stable web-8b7c6d5f4-3-1-baseline (1 pods)\n",
		"  against baseline web-8b7c6d5f4-3-1-baseline (1 pods): Failed, score 0: critical metric error-ratio was High",
		"  against stable 7c9d5b6f4d (4 pods): Successful, score 100: score 100.0 reaches the pass threshold",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	if strings.Index(text, "against stable") > strings.Index(text, "METRIC") {
		t.Errorf("the references come after the metrics:\n%s", text)
	}
}
