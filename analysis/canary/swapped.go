package canary

import (
	"fmt"
	"math"
	"time"

	"github.com/canary-analyzer/canary-analyzer/analysis"
)

// The judge compares one young canary (or a few) with older stable pods. A
// template that passes the hashes the wrong way round (canaryHash the
// stable ReplicaSet's, stableHash the new one's) hands it the opposite: a
// "canary" of many old pods against a "stable" side of one young pod. Every
// comparison is then upside down: a young pod that is 50% slower makes the
// "canary" look faster, and new errors in it look like errors the "canary"
// lacks, so a regressed rollout would pass. The judge refuses to judge such
// an input: the verdict is Inconclusive (the rollout pauses for a human),
// score 0, every metric NotEnoughData, and the reason says the hashes look
// swapped.
//
// It recognises them by age and by number, from the first sample each pod
// has in the window (any metric):
//
//   - the canary is older than the stable pods: its first sample comes more
//     than swapMargin before the first sample of every stable pod (in a
//     real rollout the oldest stable pod is at least as old as the canary,
//     even when the others were replaced or rolled out minutes before it);
//   - or the canary outnumbers the stable pods by far (at least
//     swapOutnumber times as many pods, and at least swapOutnumber) while
//     being no younger than them: both sides older than the window, say,
//     where ages cannot tell.
//
// A canary that really has grown to most of the replicas (a late step of a
// rollout) is younger than the stable pods, so number alone does not
// refuse it.
const (
	swapMargin    = 2 * time.Minute
	swapOutnumber = 3
)

// checkArgs names the AnalysisTemplate arguments that choose the two sides.
const checkArgs = "check the AnalysisTemplate's canary-hash (podTemplateHashValue: Latest) and stable-hash (Stable) arguments, " +
	"or an experiment's canary-replicaset and stable-replicaset"

// swapCheck returns the reason why the input looks like swapped hashes, or
// "".
func swapCheck(in analysis.Input) string {
	canaryFirst, canaryPods := firstSamples(in, true)
	stableFirst, stablePods := firstSamples(in, false)
	if canaryPods == 0 || stablePods == 0 {
		return ""
	}
	older := stableFirst-canaryFirst > swapMargin.Milliseconds()
	asOld := canaryFirst <= stableFirst+max(in.Settings.Step, time.Minute).Milliseconds()
	outnumber := canaryPods >= swapOutnumber && canaryPods >= swapOutnumber*stablePods
	switch {
	case older:
		return fmt.Sprintf("the canary (%d pod(s), first sample %s) is older than every stable pod (%d pod(s), the oldest first seen %s): "+
			"the canary and stable hashes look swapped; "+checkArgs+
			" (or, in an experiment, every baseline pod was replaced after the canary started)",
			canaryPods, fmtTime(canaryFirst), stablePods, fmtTime(stableFirst))
	case outnumber && asOld:
		return fmt.Sprintf("the canary has %d pods, the stable side %d, and the canary is no younger than the stable pods: "+
			"the canary and stable hashes look swapped; "+checkArgs,
			canaryPods, stablePods)
	}
	return ""
}

// firstSamples returns the earliest sample (Unix ms) of one side's pods in
// any metric of in, and how many pods that side has.
func firstSamples(in analysis.Input, canary bool) (first int64, pods int) {
	first = math.MaxInt64
	seen := map[string]bool{}
	note := func(pod string, t int64) {
		seen[pod] = true
		first = min(first, t)
	}
	for _, mi := range in.Metrics {
		series, counts := mi.Data.Stable, mi.Data.StableCounts
		if canary {
			series, counts = mi.Data.Canary, mi.Data.CanaryCounts
		}
		for _, s := range series {
			for _, p := range s.Points {
				if !math.IsNaN(p.V) && !math.IsInf(p.V, 0) {
					note(s.Pod, p.T)
					break
				}
			}
		}
		for _, s := range counts {
			for _, p := range s.Points {
				if p.Trials > 0 {
					note(s.Pod, p.T)
					break
				}
			}
		}
	}
	return first, len(seen)
}

// refuseSwapped is the report of an input whose hashes look swapped: every
// metric NotEnoughData with the reason, the verdict Inconclusive and the
// score 0.
func refuseSwapped(in analysis.Input, reason string) analysis.Report {
	results := make([]analysis.MetricResult, len(in.Metrics))
	for i, mi := range in.Metrics {
		results[i] = analysis.NewResult(mi.Metric, "not judged")
		results[i].Classification = analysis.NotEnoughData
		results[i].Reason = "not judged: " + reason
	}
	rep := analysis.Conclude(in, results)
	rep.Verdict, rep.Score = analysis.Inconclusive, 0
	rep.Reason = "not judged: " + reason
	return rep
}

// fmtTime formats a Unix millisecond time.
func fmtTime(ms int64) string { return time.UnixMilli(ms).UTC().Format(time.RFC3339) }
