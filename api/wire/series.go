package wire

import (
	"math"
	"sort"
	"time"

	"github.com/canary-analyzer/canary-analyzer/analysis"
)

// Series are one metric's data as the judge saw it, per pod: the backends'
// series after the engine's shaping (split by side, counts paired per
// step, loads beside values), over the judged window. The canary's samples
// before MetricResult.WarmupEnd were cut as its warm-up.
type Series struct {
	// Queries are the queries the series came from.
	Queries []SeriesQuery `json:"queries"`
	// Canary and Stable hold one entry per pod, sorted by pod.
	Canary []PodSeries `json:"canary"`
	Stable []PodSeries `json:"stable"`
	// CanaryLoad and StableLoad are the pods' loads of a metric judged
	// against load.
	CanaryLoad []PodSeries `json:"canaryLoad,omitempty"`
	StableLoad []PodSeries `json:"stableLoad,omitempty"`
}

// SeriesQuery is one query of a metric.
type SeriesQuery struct {
	// Role is query, numerator, denominator, exposure or load.
	Role string `json:"role"`
	// Source is the backend: prometheus or loki.
	Source string `json:"source"`
	Expr   string `json:"expr"`
}

// PodSeries is one pod's samples at the times T (Unix milliseconds): the
// values V of a value metric, or Events out of Trials of a count metric
// (a ratio's events out of its trials; a rate's events over Trials seconds
// of life; a signatures metric's log lines per step, over the exposure
// when the metric has one).
type PodSeries struct {
	Pod    string  `json:"pod"`
	T      []int64 `json:"t"`
	V      []Float `json:"v,omitempty"`
	Events []Float `json:"events,omitempty"`
	Trials []Float `json:"trials,omitempty"`
}

// Values are the pod's samples as one number per step, at the times t:
// V for values; for counts, events per trial where there were trials (a
// ratio's share, a rate's events per second, log lines per unit of
// exposure), or events per step without trials. Steps without a number
// (NaN, no trials) are left out.
func (p PodSeries) Values() (t []int64, v []float64) {
	for i, ti := range p.T {
		var x float64
		switch {
		case p.V != nil:
			x = float64(p.V[i])
		case p.Trials != nil:
			tr := float64(p.Trials[i])
			if !(tr > 0) {
				continue
			}
			x = float64(p.Events[i]) / tr
		case p.Events != nil:
			x = float64(p.Events[i])
		}
		if math.IsNaN(x) || math.IsInf(x, 0) {
			continue
		}
		t, v = append(t, ti), append(v, x)
	}
	return t, v
}

// NewSeries converts a metric's data. A signatures metric's log lines
// are counted per pod and step of the window that starts at start: a line
// at t counts at the first step boundary at or after t.
func NewSeries(d analysis.Data, start time.Time, step time.Duration) *Series {
	s := &Series{
		Canary:     append(values(d.Canary), counts(d.CanaryCounts)...),
		Stable:     append(values(d.Stable), counts(d.StableCounts)...),
		CanaryLoad: values(d.CanaryLoad),
		StableLoad: values(d.StableLoad),
	}
	if len(d.Logs.Canary)+len(d.Logs.Stable) > 0 {
		s.Canary = lines(d.Logs.Canary, d.Logs.CanaryExposure, start, step)
		s.Stable = lines(d.Logs.Stable, d.Logs.StableExposure, start, step)
	}
	if s.Canary == nil {
		s.Canary = []PodSeries{}
	}
	if s.Stable == nil {
		s.Stable = []PodSeries{}
	}
	return s
}

func values(in []analysis.Series) []PodSeries {
	var out []PodSeries
	for _, s := range in {
		p := PodSeries{Pod: s.Pod, T: make([]int64, len(s.Points)), V: make([]Float, len(s.Points))}
		for i, pt := range s.Points {
			p.T[i], p.V[i] = pt.T, Float(pt.V)
		}
		out = append(out, p)
	}
	return out
}

func counts(in []analysis.CountSeries) []PodSeries {
	var out []PodSeries
	for _, s := range in {
		n := len(s.Points)
		p := PodSeries{Pod: s.Pod, T: make([]int64, n), Events: make([]Float, n), Trials: make([]Float, n)}
		for i, pt := range s.Points {
			p.T[i], p.Events[i], p.Trials[i] = pt.T, Float(pt.Events), Float(pt.Trials)
		}
		out = append(out, p)
	}
	return out
}

// lines counts log lines per pod and step; with exposure series, the pods
// and steps are the exposure's (zero lines where a pod served and logged
// nothing) and Trials holds the exposure.
func lines(ls []analysis.LogLine, exposure []analysis.Series, start time.Time, step time.Duration) []PodSeries {
	t0, st := start.UnixMilli(), step.Milliseconds()
	if st <= 0 {
		return nil
	}
	byPod := map[string]map[int64]float64{}
	for _, l := range ls {
		k := (l.T - t0 + st - 1) / st // the step boundary at or after the line
		t := t0 + k*st
		if byPod[l.Pod] == nil {
			byPod[l.Pod] = map[int64]float64{}
		}
		byPod[l.Pod][t]++
	}
	if len(exposure) > 0 {
		out := make([]PodSeries, 0, len(exposure))
		for _, e := range exposure {
			n := len(e.Points)
			p := PodSeries{Pod: e.Pod, T: make([]int64, n), Events: make([]Float, n), Trials: make([]Float, n)}
			for i, pt := range e.Points {
				p.T[i], p.Events[i], p.Trials[i] = pt.T, Float(byPod[e.Pod][pt.T]), Float(pt.V)
			}
			out = append(out, p)
		}
		return out
	}
	pods := make([]string, 0, len(byPod))
	for pod := range byPod {
		pods = append(pods, pod)
	}
	sort.Strings(pods)
	out := make([]PodSeries, 0, len(pods))
	for _, pod := range pods {
		ts := make([]int64, 0, len(byPod[pod]))
		for t := range byPod[pod] {
			ts = append(ts, t)
		}
		sort.Slice(ts, func(i, j int) bool { return ts[i] < ts[j] })
		p := PodSeries{Pod: pod, T: ts, Events: make([]Float, len(ts))}
		for i, t := range ts {
			p.Events[i] = Float(byPod[pod][t])
		}
		out = append(out, p)
	}
	return out
}
