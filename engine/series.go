package engine

import (
	"time"

	"github.com/canary-analyzer/canary-analyzer/api/wire"
	"github.com/canary-analyzer/canary-analyzer/rules"
)

// attachSeries adds to resp, for a request with series=true, each metric's
// data as the judge saw it and the times of the analysis run's looks.
func attachSeries(resp *wire.Response, rs *rules.RuleSet, metrics []metricInput, w window, firstCanary time.Time) {
	for i, m := range metrics {
		s := wire.NewSeries(m.Data, w.start, w.step)
		s.Queries = seriesQueries(&rs.Metrics[i], m.queries)
		resp.Metrics[i].Series = s
	}
	resp.Looks = looks(rs, firstCanary, w.end)
}

// seriesQueries names each of a metric's queries by its role: the series
// queries come last, in the order of Metric.Roles; any before them are the
// log queries of a signatures metric.
func seriesQueries(m *rules.Metric, exprs []string) []wire.SeriesQuery {
	roles := m.Roles()
	logs := len(exprs) - len(roles)
	out := make([]wire.SeriesQuery, len(exprs))
	for i, e := range exprs {
		role := rules.RoleLogs
		if i >= logs {
			role = roles[i-logs]
		}
		out[i] = wire.SeriesQuery{Role: string(role), Source: string(m.Source), Expr: e}
	}
	return out
}

// looks are the times Argo asks, by the rule set's schedule (lookDelay
// after the canary's first sample, then every lookInterval, looks in
// all), up to end; none without a canary sample.
func looks(rs *rules.RuleSet, first, end time.Time) []time.Time {
	if first.IsZero() || rs.LookDelay == nil {
		return nil
	}
	var out []time.Time
	for k := range rs.Looks {
		t := first.Add(time.Duration(*rs.LookDelay) + time.Duration(k)*time.Duration(rs.LookInterval))
		if t.After(end) {
			break
		}
		out = append(out, t)
	}
	return out
}
