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
	// Cost is what the judgement asked of its backends (both judgements of
	// a both-references request).
	Cost Cost `json:"cost"`
	// References are the judgements of a both-references request
	// (request.Target.BothReferences), in full: against the baseline, then
	// against the stable pods, then the age check (AgeCheck: the baseline's
	// pods against the stable pods; absent when it could not be made). The
	// verdict, score, summary and reason above are their combination;
	// canary, stable and metrics are the judgement against the baseline's.
	// Absent for any other request.
	References []Reference `json:"references,omitempty"`
}

// What a Reference is judged against.
const (
	AgainstBaseline = "baseline"
	AgainstStable   = "stable"
	// AgeCheck is not the canary's judgement but the baseline pods'
	// against the stable pods: what pods as young as the canary show
	// for their age alone.
	AgeCheck = "age"
)

// Reference is one judgement of a both-references request: the canary
// against the baseline's ReplicaSet or against the rollout's stable pods.
type Reference struct {
	// Against is AgainstBaseline, AgainstStable or AgeCheck.
	Against string `json:"against"`
	// Target names the judgement's two sides: the canary's ReplicaSet and
	// the baseline's ReplicaSet, or the stable hash.
	Target  request.Target   `json:"target"`
	Canary  Pods             `json:"canary"`
	Stable  Pods             `json:"stable"`
	Verdict analysis.Verdict `json:"verdict"`
	Score   float64          `json:"score"`
	Reason  string           `json:"reason"`
	// Failed names the metrics that count against the canary in this
	// judgement.
	Failed  []string       `json:"failed"`
	Metrics []MetricResult `json:"metrics"`
}

// NewReference is the judgement r, judged against against.
func NewReference(against string, r *Response) Reference {
	return Reference{Against: against, Target: r.Target, Canary: r.Canary, Stable: r.Stable,
		Verdict: r.Verdict, Score: r.Score, Reason: r.Reason, Failed: r.Summary.Failed, Metrics: r.Metrics}
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
	r.SetVerdict(rep.Verdict, rep.Score, rep.Reason, rep.Failed)
	r.Metrics = make([]MetricResult, len(rep.Metrics))
	for i, m := range rep.Metrics {
		r.Metrics[i] = NewMetricResult(m, queries[i])
	}
}

// SetVerdict sets the verdict, score and reason, and the summary of them
// with the failed metrics (the reason cut to MaxSummaryReason).
func (r *Response) SetVerdict(v analysis.Verdict, score float64, reason string, failed []string) {
	r.Verdict, r.Score, r.Reason = v, score, reason
	r.Summary = Summary{Verdict: v, Score: score, Failed: failed, Reason: shorten(reason, MaxSummaryReason)}
}
