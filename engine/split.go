package engine

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/prometheus/common/model"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/providers"
	"github.com/canary-analyzer/canary-analyzer/rules"
)

// sides holds one query's series split by side, one map entry per pod.
type sides struct {
	canary, stable map[string]model.SampleStream
}

// split assigns each series of m to the canary or the stable side. A query
// that returns two series for one pod was not grouped by pod: that is a rule
// error, reported as a bad query.
func split(pm *rules.PodMatcher, m model.Matrix) (sides, error) {
	s := sides{canary: map[string]model.SampleStream{}, stable: map[string]model.SampleStream{}}
	for _, ss := range m {
		side, pod := pm.Classify(ss.Metric)
		var into map[string]model.SampleStream
		switch side {
		case rules.Canary:
			into = s.canary
		case rules.Stable:
			into = s.stable
		default:
			continue
		}
		if _, dup := into[pod]; dup {
			return sides{}, &providers.Error{Kind: providers.BadQuery,
				Msg: fmt.Sprintf("the query returned more than one series for pod %s: aggregate it by pod, e.g. sum by (pod) (...)", pod)}
		}
		into[pod] = *ss
	}
	return s, nil
}

// splitSelected is split for a role the metric's Select names: it keeps
// the series whose labels have every value of sel (a label a series lacks
// counts as ""), and sums those of each pod at each timestamp. Several
// series of one pod are what such a query returns (one per status class,
// say), so they are not an error here. The series are added in the order
// of their labels, not in the backend's order: a floating-point sum
// depends on the order of its terms in the last bits, and the same series
// must give the same sum.
func splitSelected(pm *rules.PodMatcher, m model.Matrix, sel map[string]string) sides {
	m = slices.Clone(m) // shared with other queries' results: sorted here only
	sort.Sort(m)
	sums := map[rules.Side]map[string]map[model.Time]float64{rules.Canary: {}, rules.Stable: {}}
	for _, ss := range m {
		if !hasLabels(ss.Metric, sel) {
			continue
		}
		side, pod := pm.Classify(ss.Metric)
		bySide, ok := sums[side]
		if !ok {
			continue
		}
		if bySide[pod] == nil {
			bySide[pod] = map[model.Time]float64{}
		}
		for _, v := range ss.Values {
			bySide[pod][v.Timestamp] += float64(v.Value)
		}
	}
	streams := func(byPod map[string]map[model.Time]float64) map[string]model.SampleStream {
		out := make(map[string]model.SampleStream, len(byPod))
		for pod, byTime := range byPod {
			ss := model.SampleStream{Values: make([]model.SamplePair, 0, len(byTime))}
			for t, v := range byTime {
				ss.Values = append(ss.Values, model.SamplePair{Timestamp: t, Value: model.SampleValue(v)})
			}
			sort.Slice(ss.Values, func(i, j int) bool { return ss.Values[i].Timestamp < ss.Values[j].Timestamp })
			out[pod] = ss
		}
		return out
	}
	return sides{canary: streams(sums[rules.Canary]), stable: streams(sums[rules.Stable])}
}

// hasLabels reports whether m has every value of sel ("" for a label m
// lacks).
func hasLabels(m model.Metric, sel map[string]string) bool {
	for k, v := range sel {
		if string(m[model.LabelName(k)]) != v {
			return false
		}
	}
	return true
}

func toSeries(byPod map[string]model.SampleStream) []analysis.Series {
	out := make([]analysis.Series, 0, len(byPod))
	for _, pod := range sortedKeys(byPod) {
		ss := byPod[pod]
		pts := make([]analysis.Point, len(ss.Values))
		for i, v := range ss.Values {
			pts[i] = analysis.Point{T: int64(v.Timestamp), V: float64(v.Value)}
		}
		out = append(out, analysis.Series{Pod: pod, Points: pts})
	}
	return out
}

// toRatio pairs numerator and denominator per pod and step. A step where
// the pod has a denominator but no numerator had zero events: Prometheus
// creates a counter series only at its first increment, and Loki leaves out
// windows without matching lines. Steps without a denominator are left out
// (the pod was not serving, or did not exist).
func toRatio(num, den map[string]model.SampleStream) []analysis.CountSeries {
	out := make([]analysis.CountSeries, 0, len(den))
	for _, pod := range sortedKeys(den) {
		events := map[model.Time]float64{}
		for _, v := range num[pod].Values {
			events[v.Timestamp] = float64(v.Value)
		}
		var pts []analysis.CountPoint
		for _, v := range den[pod].Values {
			trials := float64(v.Value)
			if math.IsNaN(trials) {
				continue
			}
			pts = append(pts, analysis.CountPoint{T: int64(v.Timestamp), Events: events[v.Timestamp], Trials: trials})
		}
		out = append(out, analysis.CountSeries{Pod: pod, Points: pts})
	}
	return out
}

// toRate turns events per step into events over exposure seconds. With an
// exposure query, every step where the pod was alive counts, with zero
// events where the events query had no point; without one, the events
// query's own points mark the pod alive.
func toRate(events, exposure map[string]model.SampleStream, haveExposure bool, step time.Duration) []analysis.CountSeries {
	alive := events
	if haveExposure {
		alive = exposure
	}
	out := make([]analysis.CountSeries, 0, len(alive))
	for _, pod := range sortedKeys(alive) {
		ev := map[model.Time]float64{}
		for _, v := range events[pod].Values {
			ev[v.Timestamp] = float64(v.Value)
		}
		var pts []analysis.CountPoint
		for _, v := range alive[pod].Values {
			e := ev[v.Timestamp]
			if math.IsNaN(e) {
				continue
			}
			pts = append(pts, analysis.CountPoint{T: int64(v.Timestamp), Events: e, Trials: step.Seconds()})
		}
		out = append(out, analysis.CountSeries{Pod: pod, Points: pts})
	}
	return out
}

func sortedKeys(m map[string]model.SampleStream) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// splitHistory moves the stable pods' values and loads before start (the
// judged window's start) to Data.StableHistory and Data.StableLoadHistory,
// where only the load model sees them, and drops the canary's samples
// before start. from is where the history's query began
// (Data.HistoryStart).
func splitHistory(d analysis.Data, start, from time.Time) analysis.Data {
	cut := start.UnixMilli()
	split := func(in []analysis.Series) (before, after []analysis.Series) {
		for _, s := range in {
			var b, a []analysis.Point
			for _, p := range s.Points {
				if p.T < cut {
					b = append(b, p)
				} else {
					a = append(a, p)
				}
			}
			if len(b) > 0 {
				before = append(before, analysis.Series{Pod: s.Pod, Points: b})
			}
			if len(a) > 0 {
				after = append(after, analysis.Series{Pod: s.Pod, Points: a})
			}
		}
		return before, after
	}
	d.StableHistory, d.Stable = split(d.Stable)
	d.StableLoadHistory, d.StableLoad = split(d.StableLoad)
	_, d.Canary = split(d.Canary)
	_, d.CanaryLoad = split(d.CanaryLoad)
	d.HistoryStart = from
	return d
}
