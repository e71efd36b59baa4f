package rules

import (
	"slices"

	"github.com/canary-analyzer/canary-analyzer/analysis"
)

// WithoutThrottlingHolds returns rs without its CPU throttling holds
// (Metric.ThrottlingExplains and the counters' queries), for a
// both-references request; rs itself is not changed.
//
// The hold keeps a busier canary's latency High from failing a run when
// its CPU limit, not its version, may explain it (docs/judge.md, "CPU
// throttling"). A both-references request fails only when the judgement
// against the baseline fails too, or where the baseline pods show no sign
// of the canary's excess against the stable pods (the age check), and the
// baseline pods run the stable version at the canary's share of the
// traffic under the same limit: either way they tell load from version. Held there as well,
// the hold only lets through versions that need more CPU per request
// (measured on the misfit families with CPU limits, held-out seeds
// 1001-1020, 3001-3020 and 5001-5020: no false alarm to remove, 15 of 54
// detections lost), so such a request neither holds nor asks for the
// counters (the engine's judgements and check-rules' dry runs alike).
func (rs *RuleSet) WithoutThrottlingHolds() *RuleSet {
	if !slices.ContainsFunc(rs.Metrics, func(m Metric) bool { return m.Throttled != "" || m.Periods != "" }) {
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

// throttling checks metric i's CPU throttling queries and the metrics it
// names: both counters or neither, on a metric with a load query, naming
// other value metrics of the rule set whose bad direction is an increase.
func (v *validator) throttling(i int, m *Metric, rs *RuleSet) {
	at := func(key string) []any { return []any{"metrics", i, key} }
	switch {
	case m.Throttled == "" && m.Periods == "" && len(m.ThrottlingExplains) == 0, m.Kind != analysis.KindValue:
		return // another kind's counters are reported as queries it does not use
	case m.Load == "":
		v.errorf(at("throttled"), "metric %q: throttled, periods and throttlingExplains apply to a metric with a load query only (the canary's load tells throttling that comes with serving more from a version that needs more CPU)", m.Name)
		return
	case m.Throttled == "" || m.Periods == "":
		v.errorf(at("throttled"), "metric %q: throttled and periods go together (the CFS periods a pod was throttled in, and all its CFS periods)", m.Name)
		return
	case len(m.ThrottlingExplains) == 0:
		v.errorf(at("throttled"), "metric %q: throttled and periods need throttlingExplains: the metrics whose High throttling can explain (e.g. [latency])", m.Name)
		return
	}
	seen := map[string]bool{}
	for k, name := range m.ThrottlingExplains {
		path := []any{"metrics", i, "throttlingExplains", k}
		var target *Metric
		for j := range rs.Metrics {
			if rs.Metrics[j].Name == name {
				target = &rs.Metrics[j]
			}
		}
		switch {
		case seen[name]:
			v.errorf(path, "metric %q: throttlingExplains names %q twice", m.Name, name)
		case name == m.Name:
			v.errorf(path, "metric %q: throttlingExplains names the metric itself", m.Name)
		case target == nil:
			v.errorf(path, "metric %q: throttlingExplains names %q, which is not a metric of rule set %s", m.Name, name, rs.Name)
		case target.Kind != "" && target.Kind != analysis.KindValue:
			v.errorf(path, "metric %q: throttlingExplains names %q, a %s metric; throttling explains values (latency), not counts", m.Name, name, target.Kind)
		case target.Direction == analysis.Decrease:
			v.errorf(path, "metric %q: throttlingExplains names %q, whose bad direction is a decrease; throttling explains an increase", m.Name, name)
		}
		seen[name] = true
	}
}
