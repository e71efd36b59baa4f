package engine

import (
	"slices"

	"github.com/canary-analyzer/canary-analyzer/rules"
)

// withoutThrottlingHolds returns rs without its CPU throttling holds
// (rules.Metric.ThrottlingExplains and its counters' queries), for a
// both-references request.
//
// The hold keeps a busier canary's latency High from failing a run when
// its CPU limit, not its version, may explain it (docs/judge.md, "CPU
// throttling"). A both-references request fails only when the judgement
// against the baseline fails too, and the baseline pods run the stable
// version at the canary's share of the traffic under the same limit:
// that judgement already tells load from version. Held there as well,
// the hold only lets through versions that need more CPU per request
// (measured on the misfit families with CPU limits, held-out seeds
// 1001-1020, 3001-3020 and 5001-5020: no false alarm to remove, 15 of 54
// detections lost), so such a request neither holds nor asks for the
// counters.
func withoutThrottlingHolds(rs *rules.RuleSet) *rules.RuleSet {
	if !slices.ContainsFunc(rs.Metrics, func(m rules.Metric) bool { return m.Throttled != "" || m.Periods != "" }) {
		return rs
	}
	out := *rs
	out.Metrics = slices.Clone(rs.Metrics)
	for i := range out.Metrics {
		m := &out.Metrics[i]
		m.Throttled, m.Periods, m.ThrottlingExplains = "", "", nil
	}
	return &out
}
