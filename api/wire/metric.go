package wire

import (
	"time"

	"github.com/canary-analyzer/canary-analyzer/analysis"
)

// MetricResult is the judgement of one metric, with its evidence.
type MetricResult struct {
	Name           string                  `json:"name"`
	Classification analysis.Classification `json:"classification"`
	Reason         string                  `json:"reason"`
	Test           string                  `json:"test"`
	PValue         Float                   `json:"pValue"`
	Interval       *Interval               `json:"interval,omitempty"`
	Estimate       Float                   `json:"estimate"`
	Effect         Effect                  `json:"effect"`
	Canary         SideStats               `json:"canary"`
	Stable         SideStats               `json:"stable"`
	Critical       bool                    `json:"critical"`
	Weight         float64                 `json:"weight"`
	Group          string                  `json:"group,omitempty"`
	// Query is the query that produced the data (numerator ; denominator
	// for ratios).
	Query string `json:"query,omitempty"`
	// WarmupEnd is the end of the canary's warm-up: its samples before it
	// were cut. Absent when nothing was cut.
	WarmupEnd *time.Time `json:"warmupEnd,omitempty"`
	// Evidence explains the verdict of the canary judge: method, pods,
	// warm-up, looks and every test behind the classification.
	Evidence *Evidence `json:"evidence,omitempty"`
	// Signatures lists the log signatures of a signatures metric that are
	// new in the canary or significantly more frequent there.
	Signatures []SignatureFinding `json:"signatures,omitempty"`
	// Series are the data the judge saw, per pod; only with series=true.
	Series *Series `json:"series,omitempty"`
}

// Interval is a confidence interval.
type Interval struct {
	Lower Float `json:"lower"`
	Upper Float `json:"upper"`
	// Level is the confidence level, e.g. 0.98.
	Level Float `json:"level"`
	// Of says what the interval is for, e.g. "shift" or "log ratio".
	Of string `json:"of"`
}

// SideStats summarises one side's samples.
type SideStats struct {
	Pods   int   `json:"pods"`
	Count  int   `json:"count"`
	Mean   Float `json:"mean"`
	Median Float `json:"median"`
	Min    Float `json:"min"`
	Max    Float `json:"max"`
	// Events and Trials are set for ratio and rate metrics.
	Events Float `json:"events,omitempty"`
	Trials Float `json:"trials,omitempty"`
}

// Effect sizes of the canary against the stable pods.
type Effect struct {
	// MeanRatio is canary mean / stable mean.
	MeanRatio Float `json:"meanRatio"`
	// CLES is the common-language effect size: the probability that a random
	// canary sample exceeds a random stable sample (ties count one half).
	CLES Float `json:"cles"`
}

// SignatureFinding is one signature the canary logs that the stable pods
// never log (New) or log less often.
type SignatureFinding struct {
	// Signature is the signature's template (analysis/signatures).
	Signature string `json:"signature"`
	// Canary and Stable count the signature's lines on each side.
	Canary int `json:"canary"`
	Stable int `json:"stable"`
	// CanaryRate and StableRate are the counts per unit of exposure (per
	// request with an exposure query, per pod without).
	CanaryRate Float `json:"canaryRate"`
	StableRate Float `json:"stableRate"`
	// RateRatio is CanaryRate/StableRate (null when the stable pods never
	// logged it).
	RateRatio Float `json:"rateRatio"`
	// PValue is the one-sided exact p-value  of the
	// canary's rate being at most (1 + Tolerance) times the stable pods'.
	PValue Float `json:"pValue"`
	// New is set when the stable pods never logged the signature.
	New bool `json:"new"`
	// Significant is set when the finding counts against the canary: its
	// p-value passed the metric's multiple-test level and the canary logged
	// it at least MinCount times.
	Significant bool `json:"significant"`
	// Example is the canary's first line of the signature, cleaned
	// (CleanExample) and cut to ExampleLength.
	Example string `json:"example"`
	// Pods lists the canary pods that logged it.
	Pods []string `json:"pods,omitempty"`
}

// NewMetricResult converts a judge's result, with the query behind it.
func NewMetricResult(r analysis.MetricResult, query string) MetricResult {
	out := MetricResult{
		Name:           r.Name,
		Classification: r.Classification,
		Reason:         r.Reason,
		Test:           r.Test,
		PValue:         Float(r.PValue),
		Interval:       newInterval(r.Interval),
		Estimate:       Float(r.Estimate),
		Effect:         Effect{MeanRatio: Float(r.Effect.MeanRatio), CLES: Float(r.Effect.CLES)},
		Canary:         newSideStats(r.Canary),
		Stable:         newSideStats(r.Stable),
		Critical:       r.Critical,
		Weight:         r.Weight,
		Group:          r.Group,
		Query:          query,
		Evidence:       newEvidence(r.Evidence),
	}
	if r.WarmupEnd != 0 {
		t := time.UnixMilli(r.WarmupEnd).UTC()
		out.WarmupEnd = &t
	}
	for _, f := range r.Signatures {
		out.Signatures = append(out.Signatures, SignatureFinding{
			Signature: f.Signature, Canary: f.Canary, Stable: f.Stable,
			CanaryRate: Float(f.CanaryRate), StableRate: Float(f.StableRate), RateRatio: Float(f.RateRatio),
			PValue: Float(f.PValue), New: f.New, Significant: f.Significant, Example: f.Example, Pods: f.Pods,
		})
	}
	return out
}

func newInterval(iv *analysis.Interval) *Interval {
	if iv == nil {
		return nil
	}
	return &Interval{Lower: Float(iv.Lower), Upper: Float(iv.Upper), Level: Float(iv.Level), Of: iv.Of}
}

func newSideStats(s analysis.SideStats) SideStats {
	return SideStats{
		Pods: s.Pods, Count: s.Count, Mean: Float(s.Mean), Median: Float(s.Median), Min: Float(s.Min), Max: Float(s.Max),
		Events: Float(s.Events), Trials: Float(s.Trials),
	}
}
