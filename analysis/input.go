package analysis

import (
	"fmt"
	"time"
)

// MetricInput is one metric of a rule set with its data.
type MetricInput struct {
	Metric Metric
	Data   Data
}

// Input is one judgement: every metric's data, the settings and the
// thresholds. A judge's entry point takes it and returns the whole Report.
type Input struct {
	Metrics    []MetricInput
	Settings   Settings
	Thresholds Thresholds
	// CanaryPods and StablePods are the pods seen in any of the
	// judgement's data (series and log lines).
	CanaryPods, StablePods []string
	// CanarySelector and Namespace say where the canary's pods were
	// looked for (e.g. pod=~"web-5f6b7c8d9e-.*" in namespace shop), for
	// the reason given when none was found.
	CanarySelector, Namespace string
}

// Judge judges a whole rule set: per-metric results, score, verdict and
// reason. Each judge (analysis/canary, analysis/kayenta) owns all of its
// policy; callers only hand over the data.
type Judge interface {
	Judge(in Input) Report
}

// Conclude scores a judge's results (results[i] belongs to in.Metrics[i])
// with Score at in.Thresholds, then applies the rule every judge shares: a
// canary that left no data at all (no CanaryPods) has not been judged,
// whatever its metrics say, so the verdict is Inconclusive with score 0:
// the rollout pauses, it is never passed or aborted. The metrics' results
// and the failed list are kept.
func Conclude(in Input, results []MetricResult) Report {
	metrics := make([]Metric, len(in.Metrics))
	for i, mi := range in.Metrics {
		metrics[i] = mi.Metric
	}
	rep := Score(metrics, results, ScoreOptions{Thresholds: in.Thresholds})
	if len(in.CanaryPods) == 0 {
		rep.Verdict, rep.Score = Inconclusive, 0
		rep.Reason = fmt.Sprintf("no data for canary pods (%s) in namespace %s between %s and %s: is the canary hash right and is the pod running?",
			in.CanarySelector, in.Namespace, in.Settings.Start.Format(time.RFC3339), in.Settings.End.Format(time.RFC3339))
	}
	return rep
}
