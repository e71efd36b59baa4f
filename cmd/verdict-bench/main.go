// Command verdict-bench measures verdict quality on generated canaries
// judged through the real API on a real Prometheus, for our judge and for a
// Kayenta-equivalent baseline, replaying each AnalysisRun with the limits of
// the shipped ClusterAnalysisTemplate, and prints the table of
// docs/benchmark.md (per family and totals, with the best possible
// detection).
//
//	go run ./cmd/verdict-bench -first-seed 1 -seeds 100 -json results.json
//	go run ./cmd/verdict-bench -from results.json    (tabulate again, replaying the runs)
//
// With -logs it runs the log families instead (docs/benchmark-logs.md):
// Apache access and error logs judged with the apache-frontend rule set,
// Loki played by internal/lokitest, the pods' container metrics in a real
// Prometheus.
//
//	go run ./cmd/verdict-bench -logs -first-seed 1 -seeds 100 -json logs.json
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/canary-analyzer/canary-analyzer/analysisrun"
	"github.com/canary-analyzer/canary-analyzer/internal/bench"
	"github.com/canary-analyzer/canary-analyzer/internal/scenario"
	"github.com/canary-analyzer/canary-analyzer/rules"
)

func main() {
	seeds := flag.Int("seeds", 30, "instances per scenario family")
	firstSeed := flag.Uint64("first-seed", 1, "seed of the first instance")
	families := flag.String("families", "", "comma-separated families or groups: base (the default), misfit, all")
	align := flag.String("align", "0,15,30,45", "seconds past the minute of the canary's first sample, one run per value (\"random\": the scrape phase decides, one run per seed)")
	batch := flag.Int("batch", 96, "instances per Prometheus")
	history := flag.Duration("history", 40*time.Minute, "stable data before the canary starts")
	cpuIdle := flag.Float64("cpu-idle", 0, "what-if: every pod's idle CPU in cores instead of the families' 0.02 (metrics families)")
	baseline := flag.Int("baseline", 0, "what-if: every instance gets this many baseline pods (the stable version started with the canary, each at the canary's share) and both judges compare the canary with them only (misfit families)")
	both := flag.Bool("both", false, "with -baseline: judge every canary against both references, its baseline and the stable pods, in one request that fails when both judgements fail or its age check does not explain a failure against the stable pods (the experiment template's request: canaryReplicaSet, stableReplicaSet, stableHash, rollout), with both judges")
	scrape := flag.Duration("scrape", 0, "what-if: every pod's scrape interval instead of the families' 15 s (metrics families; a World's cAdvisor and kube-state-metrics intervals are raised to it)")
	ruleFile := flag.String("rules", "deploy/base/rules/http-service.yaml", "rule set to judge with")
	template := flag.String("template", "deploy/analysis/cluster-analysis-template.yaml", "AnalysisTemplate whose limits the runs replay")
	out := flag.String("json", "", "also write every result to this file")
	from := flag.String("from", "", "tabulate the results of an earlier -json file instead of running")
	logs := flag.Bool("logs", false, "run the log families (apache-frontend; Loki stand-in, real Prometheus) instead of the metrics families")
	ceiling := flag.Bool("ceiling", false, "with -from (metrics families): also print the most any judge could detect of the large regressions at the run's α split between the metrics at its best (bench.BestCeiling; a few minutes)")
	flag.Parse()
	if *both && (*baseline <= 0 || *logs || *from != "") {
		fmt.Fprintln(os.Stderr, "verdict-bench: -both needs -baseline N > 0 (a run of the metrics families, not -logs or -from)")
		os.Exit(2)
	}
	if *logs {
		logDefaults(ruleFile, batch)
	}

	l, err := analysisrun.ReadLimits(*template)
	if err != nil {
		fail(err)
	}
	if *from != "" {
		b, err := os.ReadFile(*from)
		if err != nil {
			fail(err)
		}
		var results []bench.Result
		if err := json.Unmarshal(b, &results); err != nil {
			fail(fmt.Errorf("%s: %w", *from, err))
		}
		// Replay each run with the template given now.
		for i := range results {
			results[i].Run = bench.Replay(results[i].Verdicts, l)
		}
		fmt.Printf("Results of %s: %d runs. Looks at canary ages %v; count %d, failureLimit %d, inconclusiveLimit %d (from %s).\n\n",
			*from, len(results), l.Ages(), l.Count, l.FailureLimit, l.InconclusiveLimit, *template)
		rs := loadRules(*ruleFile)
		writeTable(results, l, *logs, rs)
		if *ceiling && !*logs {
			writeCeiling(results, rs)
		}
		return
	}
	if *logs {
		runLogs(l, *families, *seeds, *firstSeed, *batch, *ruleFile, *template, *out)
		return
	}
	fams := metricFamilies(*families)
	aligns, err := parseAlignments(*align)
	if err != nil {
		fail(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	start := time.Now()
	results, err := bench.RunBenchmark(ctx, bench.Config{
		Families: fams, Seeds: *seeds, FirstSeed: *firstSeed, Batch: *batch, Alignments: aligns,
		RuleFile: *ruleFile, Limits: l, History: *history, CPUIdle: *cpuIdle, Scrape: *scrape, Baseline: *baseline, Both: *both, Progress: os.Stderr,
	})
	if err != nil {
		fail(err)
	}
	fmt.Printf("Looks at canary ages %v; count %d, failureLimit %d, inconclusiveLimit %d (from %s). %d seeds per family from %d, alignments %s. %s.\n\n",
		l.Ages(), l.Count, l.FailureLimit, l.InconclusiveLimit, *template, *seeds, *firstSeed, *align, time.Since(start).Round(time.Second))
	if *cpuIdle > 0 {
		fmt.Printf("What-if: every pod's idle CPU is %g cores (-cpu-idle), not the families' own.\n\n", *cpuIdle)
	}
	switch {
	case *both:
		fmt.Printf("What-if: every canary is judged against %d baseline pod(s) started with it (-baseline) and against the stable pods, "+
			"Failed when both judgements fail, or when the canary fails against the stable pods where its baseline pods show no "+
			"sign of its excess (-both: the both-references request, with its age check).\n\n", *baseline)
	case *baseline > 0:
		fmt.Printf("What-if: every canary is judged against %d baseline pod(s) started with it (-baseline), not the stable pods.\n\n", *baseline)
	}
	if *scrape > 0 {
		fmt.Printf("What-if: every pod is scraped every %v (-scrape), not at the families' own intervals.\n\n", *scrape)
	}
	writeTable(results, l, false, loadRules(*ruleFile))
	writeResults(*out, results)
}

// metricFamilies resolves -families for the metrics families: names and
// the groups base (the default), misfit and all.
func metricFamilies(list string) []scenario.Family {
	var out []scenario.Family
	for _, name := range strings.Split(list, ",") {
		switch strings.TrimSpace(name) {
		case "", "base":
			out = append(out, scenario.Families()...)
		case "misfit":
			out = append(out, scenario.MisfitFamilies()...)
		case "all":
			out = append(append(out, scenario.Families()...), scenario.MisfitFamilies()...)
		default:
			out = append(out, lookupAll(name, scenario.LookupFamily, "family")...)
		}
	}
	return out
}

// parseAlignments reads -align: seconds past the minute, comma-separated,
// or "random" (nil: no alignment).
func parseAlignments(list string) ([]int, error) {
	if strings.TrimSpace(list) == "random" {
		return nil, nil
	}
	var out []int
	for _, f := range strings.Split(list, ",") {
		a, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || a < 0 || a > 59 {
			return nil, fmt.Errorf("-align %q: want seconds in [0, 59], comma-separated, or \"random\"", list)
		}
		out = append(out, a)
	}
	return out, nil
}

// lookupAll resolves a comma-separated list of family names ("" gives
// nil: all families); an unknown name ends the program.
func lookupAll[F any](list string, lookup func(string) (F, bool), what string) []F {
	if list == "" {
		return nil
	}
	var out []F
	for _, name := range strings.Split(list, ",") {
		f, ok := lookup(strings.TrimSpace(name))
		if !ok {
			fail(fmt.Errorf("unknown %s %q", what, name))
		}
		out = append(out, f)
	}
	return out
}

// writeResults saves every result to out as JSON, for -from; "" skips it.
func writeResults(out string, results []bench.Result) {
	if out == "" {
		return
	}
	b, err := json.MarshalIndent(results, "", "  ")
	if err == nil {
		err = os.WriteFile(out, b, 0o644)
	}
	if err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "verdict-bench:", err)
	os.Exit(1)
}

// writeCeiling prints bench.BestCeiling of the results at the rule set's
// α: the split of α between the metrics, what each metric then detects and
// the ceiling over the large families.
func writeCeiling(results []bench.Result, rs *rules.RuleSet) {
	c := bench.BestCeiling(results, bench.BudgetOf(rs), rs.Alpha)
	names := make([]string, 0, len(c.Levels))
	for m := range c.Levels {
		names = append(names, m)
	}
	sort.Strings(names)
	fmt.Printf("\nCeiling: the best split of α = %g between the metrics, each spending its part at the look at %v with the canary's data "+
		"and every spread known (bench.BestCeiling):\n\n", rs.Alpha, bench.DetectBy)
	for _, m := range names {
		fmt.Printf("- %s: %.2g, detects %.1f%% of its large regressions\n", m, c.Levels[m], 100*c.Detected[m])
	}
	fmt.Printf("\nLarge regressions: at most %.1f%% detected by %v (memory leaks counted as detected).\n", 100*c.Large, bench.DetectBy)
}
