package engine

import "github.com/canary-analyzer/canary-analyzer/analysis"

// lendLoadModel gives each load-modelled metric of the judgement against
// the baseline (base) the stable pods' samples from the judgement against
// the stable pods (stable), for its load model only.
//
// A baseline runs the stable version, so its CPU per request is the stable
// pods' (docs/judge.md, "Both references"). But its pods start with the
// canary: the model leaves out every young pod's first maxWarmup, which at
// the first looks leaves it nothing to learn from, and later a few minutes
// of two or three pods whose loads are all alike, from which the slope
// comes out so uncertain that no regression can show. The stable pods have
// hours of their own. With their samples as the model's history, the
// slope is learnt from them (and from the baseline pods' samples after
// their warm-up), each pod keeps its own level in the fit, and the canary
// is still compared with the baseline pods at the same times and load:
// nothing else in the judgement sees the stable pods.
//
// base and stable hold the same rule set's metrics in the same order.
func lendLoadModel(base, stable []metricInput) {
	for i := range base {
		if !base[i].Metric.Load || i >= len(stable) {
			continue
		}
		b, s := &base[i].Data, stable[i].Data
		if len(s.StableLoad) == 0 && len(s.StableLoadHistory) == 0 {
			continue
		}
		b.StableHistory = joinSeries(b.StableHistory, s.StableHistory, s.Stable)
		b.StableLoadHistory = joinSeries(b.StableLoadHistory, s.StableLoadHistory, s.StableLoad)
		if b.HistoryStart.IsZero() || s.HistoryStart.Before(b.HistoryStart) {
			b.HistoryStart = s.HistoryStart
		}
	}
}

// joinSeries returns the series of all lists in one new slice.
func joinSeries(lists ...[]analysis.Series) []analysis.Series {
	var out []analysis.Series
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}
