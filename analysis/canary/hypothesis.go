package canary

import (
	"time"

	"github.com/canary-analyzer/canary-analyzer/analysis"
)

// hypothesis is one test of a metric, waiting for the multiplicity step.
type hypothesis struct {
	ev analysis.TestEvidence
	// p is the p-value in the bad direction(s); side is the classification
	// a rejection gives (High or Low).
	p    float64
	side analysis.Classification
	// gate says whether the effect reached the metric's tolerance, critical
	// whether it reached a critical effect size.
	gate, critical bool
	// interval returns the interval of the estimate whose one-sided levels
	// are a; nil when the test has none.
	interval func(a float64) *analysis.Interval
	// level, share and rejected are set by the weighted Holm procedure:
	// share is the hypothesis' part of the look's budget.
	level, share float64
	rejected     bool
	// confirm, when set, says what else a rejection needs and why it is
	// missing (a load model's extrapolation confirmed without the model,
	// extrapolate.go; a trend whose canary has not reached the stable
	// pods' level, trend.go); claim says what the test alone shows and
	// modelP is its own p-value, p then the p-value that counts; held
	// keeps the hypothesis from being rejected whatever its p-value (the
	// weighted Holm procedure still steps past it, which can only remove
	// rejections).
	confirm, claim string
	modelP         float64
	held           bool
}

// isBound reports whether a hypothesis tests an absolute bound.
func (h *hypothesis) isBound() bool { return h.ev.Name == "max" || h.ev.Name == "min" }

// metricAnalysis is one metric judged up to the multiplicity step.
type metricAnalysis struct {
	metric analysis.Metric
	result analysis.MetricResult
	// preset is NoData or NotEnoughData when the data decided before any
	// test, with its reason.
	preset       analysis.Classification
	presetReason string
	tests        []*hypothesis
	// summary describes the level comparison in a clause, e.g.
	// "canary +4.1% vs the stable pods at the same times, rank 3 of 6".
	summary string
	// detectable returns the smallest relative change the level test
	// reveals half of the time at per-test level a (NaN if unknown), and a
	// clause on what data would be needed; nil when the metric has no
	// power requirement.
	detectable func(a float64) (float64, string)
	required   float64
	// band is the relative change on each side that the level test's
	// interval must lie inside for the metric to pass without the power
	// for its detectable change (passWithin); nil when it has none (counts).
	band *changeBand
	// boundNear lists bounds the canary's estimate is beyond without
	// significance.
	boundNear []string
	// within lists the metric's absolute bounds in its bad direction (Max
	// for increase and either, Min for decrease and either): each says
	// whether the canary's confidence interval at one-sided level a lies
	// inside the bound, with a clause saying so. They let a metric whose
	// relative comparison lacks power pass on the absolute criterion.
	within []func(a float64) (bool, string)
	age    time.Duration
}

// newAnalysis starts the analysis of a metric with the fields every kind
// fills the same way.
func newAnalysis(m analysis.Metric, method, scale string) *metricAnalysis {
	r := analysis.NewResult(m, method)
	r.Evidence = &analysis.Evidence{Scale: scale, Tests: []analysis.TestEvidence{}}
	return &metricAnalysis{metric: m, result: r}
}
