package canary

import (
	"fmt"
	"math"

	"github.com/canary-analyzer/canary-analyzer/analysis"
)

// countFinite counts the finite samples of the series.
func countFinite(series []analysis.Series) int {
	n := 0
	for _, s := range series {
		for _, p := range s.Points {
			if !math.IsNaN(p.V) && !math.IsInf(p.V, 0) {
				n++
			}
		}
	}
	return n
}

// countPoints counts the samples of the series.
func countPoints(series []analysis.CountSeries) int {
	n := 0
	for _, s := range series {
		n += len(s.Points)
	}
	return n
}

// missingData classifies a metric with a side without samples: NoData,
// saying which side (noDataClause). When only the canary lacks samples in
// the window (canaryOnly: its stable pods have data) it is NotEnoughData
// instead: a pod's application series appear with its first scrape (or its
// first request), so a young canary, or one whose container is down, has
// none yet. That is too little data, not a regression, and caps the
// verdict at Inconclusive, unless the metric's NoData policy is fail (then
// NoData, which counts against the canary as the rule asks).
func missingData(m analysis.Metric, clause string, canaryOnly bool) (analysis.Classification, string) {
	if canaryOnly && m.NoData != analysis.NoDataFail {
		return analysis.NotEnoughData, "not enough data: the canary has no sample of this metric in the window yet (" +
			clause + "); the stable pods have"
	}
	return analysis.NoData, "no data: " + clause
}

// noDataClause says which side had no data.
func noDataClause(canaryPods, stablePods, canarySamples, stableSamples int) string {
	switch {
	case canaryPods == 0:
		return "no canary pod has this metric"
	case canarySamples == 0:
		return fmt.Sprintf("the canary's %d pod(s) have no samples", canaryPods)
	case stablePods == 0:
		return "no stable pod has this metric"
	default:
		return fmt.Sprintf("the %d stable pod(s) have no samples", stablePods)
	}
}
