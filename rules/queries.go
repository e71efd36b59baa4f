package rules

import "github.com/canary-analyzer/canary-analyzer/analysis"

// Role names one of a metric's queries.
type Role string

// Query roles.
const (
	RoleQuery       Role = "query"
	RoleNumerator   Role = "numerator"
	RoleDenominator Role = "denominator"
	RoleExposure    Role = "exposure"
	// RoleLoad is the load query of a value metric judged against load.
	RoleLoad Role = "load"
	// RoleThrottled and RolePeriods are the CFS counters of a metric with
	// ThrottlingExplains (Metric.Throttled, Metric.Periods).
	RoleThrottled Role = "throttled"
	RolePeriods   Role = "periods"
	// RoleLogs is the log query of a signatures metric (its "query"). It
	// is not among Roles: it is run for log lines, not for series.
	RoleLogs Role = "logs"
)

// seriesRoles are the roles of series queries, in the order Roles lists them.
var seriesRoles = []Role{RoleQuery, RoleNumerator, RoleDenominator, RoleExposure, RoleLoad, RoleThrottled, RolePeriods}

// text returns the query text a role reads, "" if the metric has none.
func (m *Metric) text(r Role) string {
	signatures := m.Kind == analysis.KindSignatures
	switch r {
	case RoleQuery:
		if !signatures {
			return m.Query
		}
	case RoleLogs:
		if signatures {
			return m.Query
		}
	case RoleNumerator:
		return m.Numerator
	case RoleDenominator:
		return m.Denominator
	case RoleExposure:
		return m.Exposure
	case RoleLoad:
		return m.Load
	case RoleThrottled:
		return m.Throttled
	case RolePeriods:
		return m.Periods
	}
	return ""
}

// Template returns the parsed template for a role, nil if the metric has no
// such query. A template that does not parse (only possible in a metric
// built in code: Load rejects it) fails when it is rendered.
func (m *Metric) Template(r Role) *Template {
	if t := m.queries[r]; t != nil {
		return t
	}
	text := m.text(r)
	if text == "" {
		return nil
	}
	t, err := ParseTemplate(m.Name+"."+string(r), text)
	if err != nil {
		return &Template{text: text, err: err}
	}
	return t
}

// ReachesBack reports whether the query of role r reaches back over the
// metric's ModelLookback: the value and load the load model learns from,
// not the CFS counters (they serve the judged window only). False for a
// metric without a ModelLookback.
func (m *Metric) ReachesBack(r Role) bool {
	return m.ModelLookback != 0 && (r == RoleQuery || r == RoleLoad)
}

// Roles lists the roles this metric has series queries for, in a fixed
// order.
func (m *Metric) Roles() []Role {
	var out []Role
	for _, r := range seriesRoles {
		if m.text(r) != "" {
			out = append(out, r)
		}
	}
	return out
}

// LogTemplate returns the log query of a signatures metric, or nil.
func (m *Metric) LogTemplate() *Template { return m.Template(RoleLogs) }
