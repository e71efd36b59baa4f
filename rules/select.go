package rules

import "sort"

// Selector returns the label values the metric's Select gives for role r,
// and whether it names the role at all (an empty selector takes every
// series of the query, summed per pod).
func (m *Metric) Selector(r Role) (map[string]string, bool) {
	sel, ok := m.Select[r]
	return sel, ok
}

// selects checks metric i's Select: each role must be one of the metric's
// series queries, and each label a label name other than the ones the
// series are told apart by (the pod, and the hash with pods.by: label),
// which the sum per pod keeps.
func (v *validator) selects(i int, m *Metric, rs *RuleSet) {
	roles := make([]string, 0, len(m.Select))
	for r := range m.Select {
		roles = append(roles, string(r))
	}
	sort.Strings(roles)
	for _, name := range roles {
		r := Role(name)
		at := []any{"metrics", i, "select", name}
		if !contains(m.Roles(), r) {
			v.errorf(at, "metric %q: select names %s, which is not one of its series queries %v", m.Name, r, m.Roles())
			continue
		}
		labels := make([]string, 0, len(m.Select[r]))
		for l := range m.Select[r] {
			labels = append(labels, l)
		}
		sort.Strings(labels)
		for _, l := range labels {
			switch {
			case !labelName.MatchString(l):
				v.errorf(at, "metric %q: select.%s: %q is not a label name", m.Name, r, l)
			case l == rs.Pods.PodLabel || rs.Pods.By == ByLabel && l == rs.Pods.Label:
				v.errorf(at, "metric %q: select.%s: %s tells the pods apart; the selected series are summed per pod", m.Name, r, l)
			}
		}
	}
}
