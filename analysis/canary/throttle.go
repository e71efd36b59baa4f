package canary

import (
	"fmt"
	"math"
	"slices"

	"github.com/canary-analyzer/canary-analyzer/analysis"
)

// A pod with a CPU limit that wants more CPU than its quota in a CFS
// period waits for the next one, and every request it is serving waits
// with it. A canary that serves more than the stable pods (a traffic share
// larger than theirs, or a load balancer's unevenness) reaches its limit
// first and is slower whatever its version; the latency test, which
// assumes a pod's latency does not depend on its load, reads that as a
// regression. The CPU metric's throttling counters name the mechanism: a
// High of a metric the CPU metric's ThrottlingExplains names is held as
// NotEnoughData (the verdict is at best Inconclusive: a human decides)
// when, over the minutes that metric was judged on, the canary was
// throttled in a larger share of its CFS periods than every stable pod,
// in at least Judge.ThrottledShare of them, while it served more than
// every stable pod, and the CPU metric's own level test does not hint at
// more CPU per request (its p-value is at least Judge.HintLevel). A canary
// throttled more at a load no higher than a stable pod's, or whose CPU
// hints at a regression, may need more CPU per request, which is its
// version's doing: nothing is held. Nor is a High of an absolute bound (a
// broken SLO is broken, whatever the cause), nor anything when a side has
// no counters (pods without a limit) or the CPU metric has no level test.
// Only the pods the CPU metric has a load for count: counters of a pod
// the rest of the data does not show compare nothing.

// throttledShare returns the throttled periods over all periods of the
// series' points at or after from (Unix ms); ok is false without periods.
func throttledShare(counts []analysis.CountSeries, from int64) (share float64, ok bool) {
	var events, trials float64
	for _, s := range counts {
		for _, p := range s.Points {
			if p.T >= from && p.Trials > 0 && !math.IsNaN(p.Events) {
				events += p.Events
				trials += p.Trials
			}
		}
	}
	return events / trials, trials > 0
}

// meanLoad returns the mean of the series' points at or after from.
func meanLoad(loads []analysis.Series, from int64) (mean float64, ok bool) {
	var sum float64
	n := 0
	for _, s := range loads {
		for _, p := range s.Points {
			if p.T >= from && !math.IsNaN(p.V) {
				sum += p.V
				n++
			}
		}
	}
	return sum / float64(n), n > 0
}

// busiestStable returns the largest throttled share and the largest mean
// load among the stable pods with a load, each pod on its own; ok is false
// when none of them has counters.
func busiestStable(d analysis.Data, from int64) (share, load float64, ok bool) {
	loaded := map[string]bool{}
	for _, s := range d.StableLoad {
		if l, has := meanLoad([]analysis.Series{s}, from); has {
			load, loaded[s.Pod] = max(load, l), true
		}
	}
	for _, c := range d.StableThrottled {
		if s, has := throttledShare([]analysis.CountSeries{c}, from); has && loaded[c.Pod] {
			share, ok = max(share, s), true
		}
	}
	return share, load, ok
}

// withLoad keeps the counters of the pods that have a load series.
func withLoad(counts []analysis.CountSeries, loads []analysis.Series) []analysis.CountSeries {
	var out []analysis.CountSeries
	for _, c := range counts {
		if slices.ContainsFunc(loads, func(s analysis.Series) bool { return s.Pod == c.Pod }) {
			out = append(out, c)
		}
	}
	return out
}

// holdThrottled holds the Highs that the canary's CPU throttling explains
// (see above); in[i] is the metric of out[i].
func (j *Judge) holdThrottled(in []analysis.MetricInput, out []analysis.MetricResult) {
	for i, cpu := range in {
		names := cpu.Metric.ThrottlingExplains
		cpuP := levelP(&out[i])
		if len(names) == 0 || !(cpuP >= j.HintLevel) {
			continue
		}
		for k := range out {
			r := &out[k]
			if !slices.Contains(names, in[k].Metric.Name) || r.Classification != analysis.High || boundRejected(r) {
				continue
			}
			from := r.WarmupEnd
			cShare, hasShare := throttledShare(withLoad(cpu.Data.CanaryThrottled, cpu.Data.CanaryLoad), from)
			cLoad, hasLoad := meanLoad(cpu.Data.CanaryLoad, from)
			share, load, ok := busiestStable(cpu.Data, from)
			if !hasShare || !hasLoad || !ok || cShare < j.ThrottledShare || cShare <= share || cLoad <= load {
				continue
			}
			text := fmt.Sprintf("the canary was throttled in %.1f%% of its CFS periods (the most throttled stable pod in %.1f%%) "+
				"while it served more than every stable pod (load %s against at most %s in a stable pod, as metric %s's load query counts it) "+
				"and its CPU at that load shows no sign of more CPU per request (p = %s), so its CPU limit, not its version, may explain it: "+
				"a throttled pod is slower whatever its version",
				100*cShare, 100*share, fmtNum(cLoad), fmtNum(load), cpu.Metric.Name, fmtP(cpuP))
			if r.Evidence != nil {
				r.Evidence.Throttling = &analysis.ThrottlingEvidence{
					Metric: cpu.Metric.Name, CanaryShare: cShare, StableMaxShare: share,
					CanaryLoad: cLoad, StableMaxLoad: load, Held: r.Classification, Text: text,
				}
			}
			r.Reason = "not enough data: " + r.Reason + "; held: " + text
			r.Classification, r.Critical = analysis.NotEnoughData, in[k].Metric.Critical
		}
	}
}

// levelP returns the p-value of a result's level test, NaN without one.
func levelP(r *analysis.MetricResult) float64 {
	if r.Evidence == nil {
		return math.NaN()
	}
	for _, t := range r.Evidence.Tests {
		if t.Name == "level" {
			return t.PValue
		}
	}
	return math.NaN()
}

// boundRejected reports whether an absolute bound (max, min) decided the
// result.
func boundRejected(r *analysis.MetricResult) bool {
	if r.Evidence == nil {
		return false
	}
	for _, t := range r.Evidence.Tests {
		if (t.Name == "max" || t.Name == "min") && t.Significant && t.Gate {
			return true
		}
	}
	return false
}
