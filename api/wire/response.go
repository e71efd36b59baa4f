package wire

import (
	"strings"
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

	RuleSet string `json:"ruleSet"`
	// RuleSetRevision names the rule file's content that judged (the first
	// 12 hex digits of its SHA-256).
	RuleSetRevision string `json:"ruleSetRevision,omitempty"`

	Environment string         `json:"environment,omitempty"`
	Judge       string         `json:"judge"`
	Target      request.Target `json:"target"`
	Window      Window         `json:"window"`
	Canary      Pods           `json:"canary"`
	Stable      Pods           `json:"stable"`
	Metrics     []MetricResult `json:"metrics"`
	// Looks are the times of the AnalysisRun's looks (the rule set's
	// lookDelay after the canary's first sample, then every lookInterval,
	// looks of them) up to the window's end; only with series=true.
	Looks []time.Time `json:"looks,omitempty"`
	// Cost is what the judgement asked of its backends.
	Cost Cost `json:"cost"`
}

// Summary is the compact form of a verdict: what Argo stores as the
// measurement's value.
type Summary struct {
	Verdict analysis.Verdict `json:"verdict"`
	Score   float64          `json:"score"`
	Failed  []string         `json:"failed"`
	// Reason is the verdict's reason, cut to MaxSummaryReason characters.
	Reason string `json:"reason"`
	// Report is the URL of the judgement's report page (absolute with the
	// service's --web.external-url, else a path); empty outside the
	// service.
	Report string `json:"report,omitempty"`
}

// MaxSummaryReason bounds the summary's reason, in characters: Argo keeps
// the summary of each of the last ten measurements in the AnalysisRun.
const MaxSummaryReason = 240

// shorten cuts s to at most max characters, at a space when there is one
// in its last fifth, marking the cut with an ellipsis.
func shorten(s string, max int) string {
	r := []rune(s)
	if len(r) <= max {
		return s
	}
	cut := max - 1 // room for the ellipsis
	for i := cut; i > cut*4/5; i-- {
		if r[i] == ' ' {
			cut = i
			break
		}
	}
	return strings.TrimRight(string(r[:cut]), " ,;:") + "…"
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
	r.Summary = Summary{Verdict: rep.Verdict, Score: rep.Score, Failed: rep.Failed, Reason: shorten(rep.Reason, MaxSummaryReason)}
	r.Metrics = make([]MetricResult, len(rep.Metrics))
	for i, m := range rep.Metrics {
		r.Metrics[i] = NewMetricResult(m, queries[i])
	}
}
