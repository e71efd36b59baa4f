package analysis

import (
	"cmp"
	"slices"
)

// InPodOrder returns in with every metric's series, on each side, sorted
// by pod (stably, so two series of one pod keep their order). A judge adds
// its pods' samples up in the order it is given them, and floating-point
// sums depend on their order in the last bits: a judge that calls
// InPodOrder first gives the same report, to the bit, for the same series
// in any order. The series themselves are shared with in, not copied; in
// is left as it was. Log lines keep their order.
func (in Input) InPodOrder() Input {
	in.Metrics = slices.Clone(in.Metrics)
	for i := range in.Metrics {
		in.Metrics[i].Data = in.Metrics[i].Data.InPodOrder()
	}
	return in
}

// InPodOrder returns d with its series sorted by pod (see
// Input.InPodOrder).
func (d Data) InPodOrder() Data {
	for _, s := range []*[]Series{&d.Canary, &d.Stable, &d.CanaryLoad, &d.StableLoad, &d.StableHistory,
		&d.StableLoadHistory, &d.Logs.CanaryExposure, &d.Logs.StableExposure} {
		*s = sortedByPod(*s, func(s Series) string { return s.Pod })
	}
	d.CanaryCounts = sortedByPod(d.CanaryCounts, func(s CountSeries) string { return s.Pod })
	d.StableCounts = sortedByPod(d.StableCounts, func(s CountSeries) string { return s.Pod })
	d.CanaryThrottled = sortedByPod(d.CanaryThrottled, func(s CountSeries) string { return s.Pod })
	d.StableThrottled = sortedByPod(d.StableThrottled, func(s CountSeries) string { return s.Pod })
	return d
}

// sortedByPod returns series sorted by pod: series itself when it already
// is, else a sorted copy.
func sortedByPod[S any](series []S, pod func(S) string) []S {
	byPod := func(a, b S) int { return cmp.Compare(pod(a), pod(b)) }
	if slices.IsSortedFunc(series, byPod) {
		return series
	}
	out := slices.Clone(series)
	slices.SortStableFunc(out, byPod)
	return out
}
