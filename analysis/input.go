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
	// CanarySelector, StableSelector and Namespace say where each side's
	// pods were looked for (e.g. pod=~"web-5f6b7c8d9e-.*" in namespace
	// shop), for the reasons given when a side has nothing.
	CanarySelector, StableSelector, Namespace string
}

// Judge judges a whole rule set: per-metric results, score, verdict and
// reason. Each judge (analysis/canary, analysis/kayenta) owns all of its
// policy; callers only hand over the data.
type Judge interface {
	Judge(in Input) Report
}

// Conclude scores a judge's results (results[i] belongs to in.Metrics[i])
// with Score at in.Thresholds, after the rules every judge shares, which
// keep a judgement without evidence from being passed or failed:
//
//   - a metric without a baseline (its stable pods gave no usable data, or
//     neither side did: see baseline.go) is marked in results as NoData
//     with NoBaseline set and a reason naming the metric and the
//     selectors: it can neither fail nor pass the canary, whatever its
//     noData policy and criticality, and caps the verdict at Inconclusive
//     (noData: ignore still leaves it out);
//   - a canary that left no data at all (no CanaryPods), or stable pods
//     that left none (no StablePods), have not been judged, whatever the
//     metrics say, so the verdict is Inconclusive with score 0 and a reason
//     naming the selector that found nothing: the rollout pauses, it is
//     never passed or aborted. The metrics' results and the failed list are
//     kept.
func Conclude(in Input, results []MetricResult) Report {
	metrics := make([]Metric, len(in.Metrics))
	for i, mi := range in.Metrics {
		metrics[i] = mi.Metric
		if gap := baselineGap(mi, in.CanarySelector, in.StableSelector, in.Namespace); gap != "" {
			results[i].Classification, results[i].NoBaseline = NoData, true
			results[i].Reason = gap
		}
	}
	rep := Score(metrics, results, ScoreOptions{Thresholds: in.Thresholds})
	between := fmt.Sprintf("in namespace %s between %s and %s", in.Namespace,
		in.Settings.Start.Format(time.RFC3339), in.Settings.End.Format(time.RFC3339))
	var reason string
	switch {
	case len(in.CanaryPods) == 0 && len(in.StablePods) == 0:
		reason = fmt.Sprintf("no data for canary pods (%s) or stable pods (%s) %s: are the namespace and the hashes (or ReplicaSets) right, "+
			"and can the backends see the pods (queries, tenant)?", in.CanarySelector, in.StableSelector, between)
	case len(in.CanaryPods) == 0:
		reason = fmt.Sprintf("no data for canary pods (%s) %s: is the canary hash (or ReplicaSet) right and is the pod running?",
			in.CanarySelector, between)
	case len(in.StablePods) == 0:
		reason = fmt.Sprintf("no data for stable pods (%s) %s, so the canary was compared with nothing: is the stable hash (or ReplicaSet) right?",
			in.StableSelector, between)
	default:
		return rep
	}
	rep.Verdict, rep.Score, rep.Reason = Inconclusive, 0, reason
	return rep
}
