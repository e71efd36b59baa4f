package wire

import (
	"time"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/request"
)

// Response is a completed judgement: the body of a 200 answer.
type Response struct {
	// Verdict is Successful, Failed or Inconclusive: Argo's own phase names.
	Verdict analysis.Verdict `json:"verdict"`
	Score   float64          `json:"score"`
	// Summary is small enough to be an AnalysisRun's stored measurement
	// (jsonPath "{$.summary}").
	Summary Summary `json:"summary"`
	Reason  string  `json:"reason"`

	RuleSet     string         `json:"ruleSet"`
	Environment string         `json:"environment,omitempty"`
	Judge       string         `json:"judge"`
	Target      request.Target `json:"target"`
	Window      Window         `json:"window"`
	Canary      Pods           `json:"canary"`
	Stable      Pods           `json:"stable"`
	Metrics     []MetricResult `json:"metrics"`
	// Cost is what the judgement asked of its backends.
	Cost Cost `json:"cost"`
}

// Summary is the compact form of a verdict.
type Summary struct {
	Verdict analysis.Verdict `json:"verdict"`
	Score   float64          `json:"score"`
	Failed  []string         `json:"failed"`
}

// Window is the judged time range.
type Window struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	Step  string    `json:"step"`
}

// Pods lists one side's pods.
type Pods struct {
	Pods []string `json:"pods"`
	// FirstSeen is the canary's first sample; Age is End minus FirstSeen.
	FirstSeen *time.Time `json:"firstSeen,omitempty"`
	Age       string     `json:"age,omitempty"`
}

// SetReport fills the verdict, score, reason, summary and metrics from a
// judge's report; queries[i] are the queries behind rep.Metrics[i].
func (r *Response) SetReport(rep analysis.Report, queries []string) {
	r.Verdict, r.Score, r.Reason = rep.Verdict, rep.Score, rep.Reason
	r.Summary = Summary{Verdict: rep.Verdict, Score: rep.Score, Failed: rep.Failed}
	r.Metrics = make([]MetricResult, len(rep.Metrics))
	for i, m := range rep.Metrics {
		r.Metrics[i] = NewMetricResult(m, queries[i])
	}
}
