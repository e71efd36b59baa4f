package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/canary-analyzer/canary-analyzer/analysisrun"
	"github.com/canary-analyzer/canary-analyzer/internal/bench"
	"github.com/canary-analyzer/canary-analyzer/rules"
)

// logDefaults sets the log mode's defaults of the flags not given: the
// apache-frontend rule set, and smaller batches (every instance's log lines
// are held in memory by the Loki stand-in).
func logDefaults(ruleFile *string, batch *int) {
	set := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if !set["rules"] {
		*ruleFile = "deploy/base/rules/apache-frontend.yaml"
	}
	if !set["batch"] {
		*batch = 32
	}
}

// writeTable prints the table of results: the log families' (SummarizeLogs)
// with -logs, the metrics families' otherwise. rs is the rule set the
// results were judged with: its weights give the oracle's budget per metric.
func writeTable(results []bench.Result, l analysisrun.Limits, logs bool, rs *rules.RuleSet) {
	b := bench.BudgetOf(rs)
	if logs {
		fmt.Println("Log families (apache-frontend; Loki: the internal/lokitest stand-in; Prometheus: real):")
		fmt.Println()
		bench.WriteMarkdown(os.Stdout, bench.SummarizeLogs(results, l, b))
		return
	}
	if note := bench.SeedNote(results); note != "" {
		fmt.Println(note)
		fmt.Println()
	}
	bench.WriteMarkdown(os.Stdout, bench.Summarize(results, l, b))
	if len(bench.Alignments(results)) > 0 {
		fmt.Println()
		bench.WriteAlignments(os.Stdout, results, l)
	}
	if results := bench.WithReferences(results); len(results) > 0 {
		fmt.Println()
		bench.WriteReferences(os.Stdout, results, l)
	}
	fmt.Println()
	bench.WriteSeedAlarms(os.Stdout, results)
	fmt.Println()
	bench.WriteSpreads(os.Stdout, results)
}

// loadRules loads the rule file the results were judged with; an error
// ends the program.
func loadRules(file string) *rules.RuleSet {
	rs, err := rules.LoadFile(file, "")
	if err != nil {
		fail(err)
	}
	return rs
}

// runLogs runs the log families and prints their table.
func runLogs(l analysisrun.Limits, families string, seeds int, firstSeed uint64, batch int, ruleFile, template, out string) {
	fams := lookupAll(families, bench.LookupLogFamily, "log family")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	start := time.Now()
	results, err := bench.RunLogBenchmark(ctx, bench.LogConfig{
		Families: fams, Seeds: seeds, FirstSeed: firstSeed, Batch: batch,
		RuleFile: ruleFile, Limits: l, Progress: os.Stderr,
	})
	if err != nil {
		fail(err)
	}
	fmt.Printf("Looks at canary ages %v; count %d, failureLimit %d, inconclusiveLimit %d (from %s). Rule set %s. %d seeds per family from %d. %s.\n\n",
		l.Ages(), l.Count, l.FailureLimit, l.InconclusiveLimit, template, ruleFile, seeds, firstSeed, time.Since(start).Round(time.Second))
	writeTable(results, l, true, loadRules(ruleFile))
	writeResults(out, results)
}
