package bench

import (
	"math"
	"sort"

	"github.com/canary-analyzer/canary-analyzer/analysis/stats"
	"github.com/canary-analyzer/canary-analyzer/analysisrun"
)

// SummarizeLogs is Summarize for the log families: the rows in the order of
// LogFamilies, each with its family's class and, for regressions, the mean
// of LogBestPossible over the family's instances (the metrics oracle does
// not apply to them). Each instance's configuration is drawn again from its
// family and seed; an instance whose names no longer match (results of an
// older generator) is left out of the best possible. b gives the oracle's
// budget for BestAtShare (the zero Budget: not computed).
func SummarizeLogs(results []Result, l analysisrun.Limits, b Budget) []Row {
	rows := Summarize(results, l, Budget{})
	best, atShare := map[string][]float64{}, map[string][]float64{}
	seen := map[string]bool{}
	for _, r := range results {
		t := r.Truth
		if t.Healthy || seen[t.Namespace] {
			continue
		}
		seen[t.Namespace] = true
		f, ok := LookupLogFamily(t.Name)
		if !ok {
			continue
		}
		c := f.Config(t.Seed, LogWindow{Start: t.Start, CanaryStart: t.CanaryStart, End: t.End})
		if c.Namespace != t.Namespace || c.CanaryHash != t.CanaryHash || c.StableHash != t.StableHash {
			continue
		}
		if p := LogBestPossible(c, DetectBy, OracleAlpha); !math.IsNaN(p) {
			best[t.Name] = append(best[t.Name], p)
		}
		if a := b.alpha(logOracleMetric(c)); !math.IsNaN(a) {
			if p := LogBestPossible(c, DetectBy, a); !math.IsNaN(p) {
				atShare[t.Name] = append(atShare[t.Name], p)
			}
		}
	}
	order := map[string]int{}
	for i, f := range logFamilies {
		order[f.Name] = i
	}
	for i := range rows {
		f, ok := LookupLogFamily(rows[i].Family)
		if !ok {
			continue
		}
		rows[i].Class = f.Class
		rows[i].BestPossible = stats.Mean(best[f.Name])
		rows[i].BestAtShare = stats.Mean(atShare[f.Name])
		rows[i].BestWithData, rows[i].BestTogether = math.NaN(), math.NaN() // the log generator's noise is not modelled
		rows[i].BestWithoutIdle = math.NaN()
	}
	sort.SliceStable(rows, func(i, j int) bool {
		oi, iok := order[rows[i].Family]
		oj, jok := order[rows[j].Family]
		if iok != jok {
			return iok // log families first, anything else after
		}
		if oi != oj {
			return oi < oj
		}
		return rows[i].Family < rows[j].Family
	})
	return rows
}
