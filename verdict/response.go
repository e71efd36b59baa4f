package verdict

import (
	"time"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/request"
)

// MetricInput is one metric's data for the judge, with the queries that
// produced it.
type MetricInput struct {
	Metric  analysis.Metric
	Data    analysis.Data
	Queries []string
	// Result is set for metrics judged while their data was assembled
	// (signatures metrics, verdict/logs.go): decide uses it as is instead
	// of asking the judge.
	Result *analysis.MetricResult
}

// Response is a completed judgement. Its JSON form is the API's contract.
type Response struct {
	// Verdict is Successful, Failed or Inconclusive: Argo's own phase names.
	Verdict string  `json:"verdict"`
	Score   float64 `json:"score"`
	// Summary is small enough to be an AnalysisRun's stored measurement
	// (jsonPath "{$.summary}").
	Summary Summary `json:"summary"`
	Reason  string  `json:"reason"`

	RuleSet     string                  `json:"ruleSet"`
	Environment string                  `json:"environment,omitempty"`
	Judge       string                  `json:"judge"`
	Target      request.Target          `json:"target"`
	Window      Window                  `json:"window"`
	Canary      Pods                    `json:"canary"`
	Stable      Pods                    `json:"stable"`
	Metrics     []analysis.MetricResult `json:"metrics"`
}

// Summary is the compact form of a verdict.
type Summary struct {
	Verdict string   `json:"verdict"`
	Score   float64  `json:"score"`
	Failed  []string `json:"failed"`
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

// Verdicts, named as Argo Rollouts names its phases.
const (
	Successful   = "Successful"
	Failed       = "Failed"
	Inconclusive = "Inconclusive"
)
