package bench

import (
	"math"
	"time"

	"github.com/canary-analyzer/canary-analyzer/analysisrun"
	"github.com/canary-analyzer/canary-analyzer/internal/logscenario"
	"github.com/canary-analyzer/canary-analyzer/internal/scenario"
	"github.com/canary-analyzer/canary-analyzer/rules"
)

// Budget is what the rule set gives each metric: its share of the run's
// false-alarm rate (its weight over the sum of the rule set's weights, as
// the judge splits α between metrics; docs/judge.md, "Many metrics") and
// how much of the canary's data it judges by DetectBy. The oracle spends
// the whole of OracleAlpha on the one test that sees a family's
// regression; a judge that must watch every metric of the rule set, not
// knowing which one will regress, has only the metric's share of it.
// BestPossible at that share (Row.BestAtShare), and BestWithData at the
// judge's own level with the canary's data (Row.BestWithData), separate
// what the split and the data cost from what the judge's own choices cost.
type Budget struct {
	// Share is each metric's share of the run's α.
	Share map[string]float64
	// Window is the canary's data each metric judges at canary age
	// DetectBy: DetectBy less one step (the first sample) and the
	// metric's warm-up.
	Window map[string]time.Duration
}

// BudgetOf returns the budget of a rule set (unset fields at their
// defaults).
func BudgetOf(rs *rules.RuleSet) Budget {
	rs = rs.WithDefaults()
	b := Budget{Share: map[string]float64{}, Window: map[string]time.Duration{}}
	var total float64
	for _, m := range rs.Metrics {
		if m.Weight > 0 {
			total += m.Weight
		}
	}
	step := time.Duration(rs.Step)
	for _, m := range rs.Metrics {
		if m.Weight > 0 && total > 0 {
			b.Share[m.Name] = m.Weight / total
		}
		warmup := time.Duration(*rs.Warmup)
		if m.Warmup != nil {
			warmup = time.Duration(*m.Warmup)
		}
		b.Window[m.Name] = max(DetectBy-step-warmup, 0)
	}
	return b
}

// alpha returns OracleAlpha times the metric's share, NaN when the budget
// does not know the metric.
func (b Budget) alpha(metric string) float64 {
	share, ok := b.Share[metric]
	if !ok || metric == "" {
		return math.NaN()
	}
	return OracleAlpha * share
}

// lastLookLevels returns, per metric, the level of its relative test
// ("level"; for a metric with bounds only, its bound test) at the look at
// canary age DetectBy, as the judge reported it: the smallest over the
// results of JudgeOurs (the weighted Holm procedure only raises a level
// after a rejection, so the smallest is the plan's).
func lastLookLevels(results []Result, l analysisrun.Limits) map[string]float64 {
	look := -1
	for j, a := range l.Ages() {
		if a == DetectBy {
			look = j
		}
	}
	relative, bound := map[string]float64{}, map[string]float64{}
	if look < 0 {
		return relative
	}
	keep := func(into map[string]float64, metric string, a float64) {
		if old, ok := into[metric]; !ok || a < old {
			into[metric] = a
		}
	}
	for _, r := range results {
		if r.Judge != JudgeOurs || look >= len(r.Metrics) {
			continue
		}
		for _, m := range r.Metrics[look] {
			if m.Evidence == nil {
				continue
			}
			for _, t := range m.Evidence.Tests {
				if t.Alpha == nil || !(*t.Alpha > 0) {
					continue
				}
				switch t.Name {
				case "level":
					keep(relative, m.Name, *t.Alpha)
				case "max", "min":
					keep(bound, m.Name, *t.Alpha)
				}
			}
		}
	}
	for m, a := range bound {
		if _, ok := relative[m]; !ok {
			relative[m] = a
		}
	}
	return relative
}

// oracleMetric names the http-service metric whose test BestPossible
// models for a regression, in BestPossible's order ("" when it models
// none).
func oracleMetric(e scenario.Effects) string {
	switch {
	case e.CrashLoop || e.RestartAt > 0:
		return "restarts"
	case factor(e.LatencyFactor) > 1 || factor(e.DynamicLatencyFactor) > 1:
		return "latency"
	case factor(e.ErrorFactor) > 1 || e.ExtraErrorRatio > 0:
		return "error-ratio"
	case e.NotFoundBurstRatio > 0:
		return "not-found-ratio"
	case factor(e.CPUFactor) > 1:
		return "cpu"
	}
	return ""
}

// logOracleMetric names the apache-frontend metric whose test
// LogBestPossible models, in its order ("" when it models none).
func logOracleMetric(c logscenario.Config) string {
	reg := c.Canary
	switch {
	case reg.NewErrorRate > 0:
		return "new-errors"
	case reg.NotFoundRate > 0 && reg.NotFoundTo > reg.NotFoundFrom:
		return "not-found-ratio"
	case reg.ServerErrorFactor > 1:
		return "error-ratio"
	case reg.Slowdown > 1:
		return "latency"
	}
	return ""
}
