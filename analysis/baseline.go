package analysis

import (
	"fmt"
	"math"
)

// Every judge compares the canary with its stable pods. A metric whose
// stable pods gave nothing usable (a stable hash that matches no pod, stable
// series that hold only NaN or infinite values, a misspelt metric name, a
// backend tenant that holds no data) has nothing to compare the canary
// with: that is a configuration problem, not the canary's fault. Conclude
// marks such a metric NoData without a baseline (MetricResult.NoBaseline),
// which can neither fail nor pass the canary, whatever its noData policy
// and criticality: it caps the verdict at Inconclusive. The noData policy
// keeps its meaning for a canary that stops reporting a metric its stable
// pods report.

// sideData is what one side of a metric holds.
type sideData struct {
	// ok says whether the side holds usable data; empty says what a side
	// without it lacks, e.g. "no series".
	ok    bool
	empty string
}

// baselineGap returns why metric mi has no baseline, as its reason naming
// the metric and the sides' selectors, or "" when it has one.
func baselineGap(mi MetricInput, canarySel, stableSel, namespace string) string {
	canary, stable := sidesOf(mi)
	name := mi.Metric.Name
	switch {
	case stable.ok:
		return ""
	case !canary.ok:
		return fmt.Sprintf("no data for %s from either side in namespace %s (canary %s: %s; stable %s: %s), "+
			"so it can neither fail nor pass the canary: is the query right (the metric's name, its labels, the backend's tenant)?",
			name, namespace, canarySel, canary.empty, stableSel, stable.empty)
	}
	return fmt.Sprintf("no data for %s from the stable pods (%s in namespace %s: %s), so the canary has nothing to be compared with "+
		"and %s can neither fail nor pass it: is the stable hash (or ReplicaSet) right?", name, stableSel, namespace, stable.empty, name)
}

// sidesOf describes the canary's and the stable side of a metric's data,
// by its kind (a metric without a kind is a ratio when it has counts, as
// the judges read it).
func sidesOf(mi MetricInput) (canary, stable sideData) {
	d := mi.Data
	switch kind := mi.Metric.Kind; {
	case kind == KindSignatures:
		return logSides(d.Logs)
	case kind == KindRatio || kind == KindRate || (kind == "" && (len(d.CanaryCounts) > 0 || len(d.StableCounts) > 0)):
		return countSide(d.CanaryCounts), countSide(d.StableCounts)
	case mi.Metric.Load:
		return loadSide(d.Canary, d.CanaryLoad), loadSide(d.Stable, d.StableLoad)
	}
	return valueSide(d.Canary), valueSide(d.Stable)
}

// valueSide: a value metric's side is usable with a finite sample.
func valueSide(series []Series) sideData {
	for _, ser := range series {
		for _, p := range ser.Points {
			if finite(p.V) {
				return sideData{ok: true}
			}
		}
	}
	return sideData{empty: seriesWithout(len(series), "a finite value")}
}

// loadSide: a load metric's side is usable with a finite sample at a time
// when its pod has a finite, non-zero load.
func loadSide(series, loads []Series) sideData {
	load := map[string]map[int64]bool{}
	for _, ser := range loads {
		at := map[int64]bool{}
		for _, p := range ser.Points {
			if finite(p.V) && p.V != 0 {
				at[p.T] = true
			}
		}
		load[ser.Pod] = at
	}
	for _, ser := range series {
		for _, p := range ser.Points {
			if finite(p.V) && load[ser.Pod][p.T] {
				return sideData{ok: true}
			}
		}
	}
	return sideData{empty: seriesWithout(len(series), "a finite value where the pod has a load")}
}

// countSide: a count metric's side is usable with a step that has trials
// and a finite number of events.
func countSide(series []CountSeries) sideData {
	for _, ser := range series {
		for _, p := range ser.Points {
			if finite(p.Events) && finite(p.Trials) && p.Trials > 0 {
				return sideData{ok: true}
			}
		}
	}
	return sideData{empty: seriesWithout(len(series), "trials (no requests, or no finite counts)")}
}

// seriesWithout says "no series", or that n series lack what.
func seriesWithout(n int, what string) string {
	if n == 0 {
		return "no series"
	}
	return fmt.Sprintf("%d series without %s", n, what)
}

// logSides describes a signatures metric's sides. With an exposure query a
// side is usable when its exposure is positive somewhere. Without one, the
// canary's side is usable when it logged a line, and the stable side when
// it logged one, or when a stable pod is known (from other metrics) and the
// canary logged a line: the canary's lines show that the query reaches the
// pods' logs, so the stable pods' silence is a count of zero. When neither
// side logged a line, nothing shows that (a wrong tenant, a broken log
// pipeline and a quiet service look alike), and there is no baseline.
func logSides(d LogData) (canary, stable sideData) {
	if d.Exposure {
		side := func(exposure []Series, lines []LogLine) sideData {
			for _, ser := range exposure {
				for _, p := range ser.Points {
					if finite(p.V) && p.V > 0 {
						return sideData{ok: true}
					}
				}
			}
			return sideData{empty: fmt.Sprintf("the exposure query returned nothing, %d log lines", len(lines))}
		}
		return side(d.CanaryExposure, d.Canary), side(d.StableExposure, d.Stable)
	}
	canary = sideData{ok: len(d.Canary) > 0, empty: "no log line"}
	stable = sideData{ok: len(d.Stable) > 0 || (len(d.StablePods) > 0 && canary.ok), empty: "no log line"}
	switch {
	case len(d.Stable) == 0 && len(d.StablePods) == 0:
		stable.empty = "no pod known and no log line"
	case !canary.ok:
		stable.empty = "no log line; without an exposure query nothing tells a quiet service from a wrong tenant or a broken log pipeline"
	}
	return canary, stable
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
