package bench

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/canary-analyzer/canary-analyzer/internal/logscenario"
	"github.com/canary-analyzer/canary-analyzer/rules"
)

// scaleRuleSets are the rule sets the scale benchmark compares: the shipped
// apache-frontend, its version from before the rework of issue 14, and
// apache-frontend-recorded, which judges what Loki's ruler recorded.
var scaleRuleSets = map[string]string{
	"before":   "testdata/apache-frontend-before.yaml",
	"shipped":  "../../deploy/base/rules/apache-frontend.yaml",
	"recorded": recordedRulesFile,
}

// BenchmarkLogJudgementAtScale judges a healthy canary of the
// production-scale scenario (ScaleScenario: 6 pods at 25 requests per
// second, about 270,000 access lines in 30 minutes) with each rule set at
// each of ScaleAges, against the Loki stand-in without a results cache (and
// Prometheus holding what the ruler's rules recorded from the lines, for
// apache-frontend-recorded; the ruler's own reading is not counted), and
// reports per judgement:
//
//   - lines/op: the log lines Loki read (stats.summary.totalLinesProcessed);
//   - scans/op: the same in scans of the window's access log;
//   - queries/op: the requests Loki received;
//   - loki-cpu-s/op: what those cost a Loki in lokitest's cost model;
//   - loki-2core-s/op: the model's time for a Loki of 2 cores that runs
//     the judgement's queries side by side (ScaleJudgement.LokiWall);
//   - ns/op and here-cpu-s/op: the judgement's wall time and CPU time here,
//     the service and the stand-in evaluating the queries (it runs Go's
//     regexps as Loki does, but none of its storage), on a machine shared
//     with other work.
//
// Run it with
//
//	go test -run '^$' -bench LogJudgementAtScale -benchtime 3x ./internal/bench
func BenchmarkLogJudgementAtScale(b *testing.B) {
	cfg := ScaleScenario("scale", 1, logscenario.Regression{})
	rr, err := LoadRecordingRules(rulerRulesFile)
	if err != nil {
		b.Fatal(err)
	}
	s, err := StartScale(context.Background(), b.TempDir(), []logscenario.Config{cfg}, scaleRuleSets, &rr)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	lookback := rules.DefaultLookback
	for _, name := range []string{"before", "shipped", "recorded"} {
		for _, age := range ScaleAges {
			scan := s.AccessLines(cfg, age, lookback)
			b.Run(fmt.Sprintf("%s/canary-%v", name, age), func(b *testing.B) {
				var (
					total, last ScaleJudgement
					parallel    float64
				)
				cpu := processCPU()
				for b.Loop() {
					j, err := s.Judge(b.Context(), cfg, name, age)
					if err != nil {
						b.Fatal(err)
					}
					total.Queries += j.Queries
					total.Cost = total.Cost.Add(j.Cost)
					parallel += j.LokiWall(2)
					last = j
				}
				cpu = processCPU() - cpu
				b.Logf("%s at canary age %v: %s; %s", name, age, last.Verdict, classifications(last.Metrics))
				n := float64(b.N)
				b.ReportMetric(float64(total.Cost.LinesRead)/n, "lines/op")
				b.ReportMetric(float64(total.Cost.LinesRead)/n/float64(scan), "scans/op")
				b.ReportMetric(float64(total.Queries)/n, "queries/op")
				b.ReportMetric(total.Cost.Seconds()/n, "loki-cpu-s/op")
				b.ReportMetric(parallel/n, "loki-2core-s/op")
				b.ReportMetric(cpu.Seconds()/n, "here-cpu-s/op")
			})
		}
	}
}

// classifications lists each metric's classification.
func classifications(ms []MetricOutcome) string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = m.Name + " " + m.Classification
	}
	return strings.Join(parts, ", ")
}
