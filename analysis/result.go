package analysis

import "math"

// MetricResult is the judgement of one metric, with its evidence. Numbers
// that are not defined (a median of counts, a ratio over zero) are NaN.
type MetricResult struct {
	Name           string
	Classification Classification
	Reason         string
	// Test names the test used, e.g. "conditional binomial on time-matched
	// counts".
	Test string
	// PValue, Interval and Estimate are the deciding test's p-value,
	// confidence interval (nil when it has none) and estimate.
	PValue   float64
	Interval *Interval
	Estimate float64
	Effect   Effect
	Canary   SideStats
	Stable   SideStats
	// Critical is set when the metric's failure fails the whole run.
	Critical bool
	Weight   float64
	Group    string
	// WarmupEnd is the time (Unix ms) before which the canary's samples
	// were cut as its warm-up; 0 when nothing was cut. With several canary
	// pods it is the earliest pod's.
	WarmupEnd int64
	// Evidence explains the verdict of the canary judge: method, pods,
	// warm-up, looks and every test behind the classification.
	Evidence *Evidence
	// Signatures lists the log signatures of a signatures metric that are
	// new in the canary or significantly more frequent there.
	Signatures []SignatureFinding
	// NoBaseline is set (by Conclude) on a NoData metric whose stable pods
	// gave no usable data, or whose sides both gave none: there was nothing
	// to compare the canary with, so the metric never counts against the
	// canary, whatever its noData policy or criticality (Score).
	NoBaseline bool
}

// NewResult returns the result of metric m by the named test before it is
// judged: the metric's name, criticality, weight and group, and every
// number undefined (NaN).
func NewResult(m Metric, test string) MetricResult {
	return MetricResult{
		Name:     m.Name,
		Test:     test,
		PValue:   math.NaN(),
		Estimate: math.NaN(),
		Effect:   Effect{MeanRatio: math.NaN(), CLES: math.NaN()},
		Critical: m.Critical,
		Weight:   m.Weight,
		Group:    m.Group,
	}
}

// Interval is a confidence interval.
type Interval struct {
	Lower, Upper float64
	// Level is the confidence level, e.g. 0.98.
	Level float64
	// Of says what the interval is for, e.g. "shift" or "log ratio".
	Of string
}

// SideStats summarises one side's samples.
type SideStats struct {
	Pods  int
	Count int
	Mean  float64
	// Median, Min and Max are NaN for count metrics.
	Median, Min, Max float64
	// Events and Trials are set for ratio and rate metrics.
	Events, Trials float64
}

// Effect sizes of the canary against the stable pods.
type Effect struct {
	// MeanRatio is canary mean / stable mean.
	MeanRatio float64
	// CLES is the common-language effect size: the probability that a random
	// canary sample exceeds a random stable sample (ties count one half).
	CLES float64
}

// SignatureFinding is one signature the canary logs that the stable pods
// never log (New) or log less often.
type SignatureFinding struct {
	// Signature is the signature's template.
	Signature string
	// Canary and Stable count the signature's lines on each side.
	Canary, Stable int
	// CanaryRate and StableRate are the counts per unit of exposure (per
	// request with an exposure query, per pod without).
	CanaryRate, StableRate float64
	// RateRatio is CanaryRate/StableRate (NaN when the stable pods never
	// logged it).
	RateRatio float64
	// PValue is the one-sided exact p-value of the canary's rate being at
	// most (1 + Tolerance) times the stable pods'.
	PValue float64
	// New is set when the stable pods never logged the signature.
	New bool
	// Significant is set when the finding counts against the canary: its
	// p-value passed the metric's multiple-test level and the canary logged
	// it at least MinCount times.
	Significant bool
	// Example is the canary's first line of the signature, cleaned and cut
	// to ExampleLength.
	Example string
	// Pods lists the canary pods that logged it.
	Pods []string
}

// Report is the scored verdict of a whole analysis.
type Report struct {
	Verdict Verdict
	// Score is the weighted summary score, 0-100.
	Score float64
	// Reason says in one sentence why the verdict is what it is.
	Reason string
	// Failed names the metrics that count against the canary.
	Failed  []string
	Groups  []GroupScore
	Metrics []MetricResult
}

// GroupScore is the score of one group of metrics.
type GroupScore struct {
	Name string
	// Score is 100 × (weight of passing metrics) / (weight of counted
	// metrics); NaN when no metric of the group counted.
	Score float64
	// Weight is the group's weight in the summary.
	Weight float64
	// Counted and Passed count the group's scored and passing metrics.
	Counted, Passed int
}
