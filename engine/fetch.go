package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/common/model"

	"github.com/canary-analyzer/canary-analyzer/providers"
	"github.com/canary-analyzer/canary-analyzer/rules"
)

// query is one rendered query of one metric.
type query struct {
	metric int
	role   rules.Role
	expr   string
	result model.Matrix
}

// planQueries renders every series query of the rule set for the matcher.
func (s *Service) planQueries(rs *rules.RuleSet, pm *rules.PodMatcher) ([]*query, error) {
	params := pm.Params(rs.Step)
	var qs []*query
	for i := range rs.Metrics {
		m := &rs.Metrics[i]
		if len(m.Roles()) > 0 && s.Backends[m.Source] == nil {
			return nil, &ConfigError{Msg: fmt.Sprintf("rule set %s, metric %s: source %s is not configured (see --%s.url)", rs.Name, m.Name, m.Source, m.Source)}
		}
		for _, r := range m.Roles() {
			expr, err := m.Template(r).Render(params)
			if err != nil {
				return nil, &ConfigError{Msg: fmt.Sprintf("rule set %s, metric %s: %v", rs.Name, m.Name, err)}
			}
			qs = append(qs, &query{metric: i, role: r, expr: expr})
		}
	}
	return qs, nil
}

// task runs q over the window and keeps its result.
func (s *Service) task(rs *rules.RuleSet, q *query, w window) func(context.Context) error {
	return func(ctx context.Context) error {
		m := &rs.Metrics[q.metric]
		start := w.start
		if m.ModelLookback != 0 && w.end.Add(-time.Duration(m.ModelLookback)).Before(start) {
			// The load model's longer window (assemble splits it off).
			start = w.end.Add(-time.Duration(m.ModelLookback))
		}
		res, err := s.Backends[m.Source].QueryRange(ctx, providers.RangeQuery{Expr: q.expr, Start: start, End: w.end, Step: w.step})
		if err != nil {
			return &QueryError{RuleSet: rs.Name, Metric: m.Name, Role: q.role, Query: q.expr, Err: err}
		}
		q.result = res
		return nil
	}
}

// fetchAll runs every series query and every log query of the rule set at
// once (runAll: bounded, the first failure cancels the rest).
func (s *Service) fetchAll(ctx context.Context, rs *rules.RuleSet, pm *rules.PodMatcher, w window) ([]*query, []*logFetch, error) {
	qs, err := s.planQueries(rs, pm)
	if err != nil {
		return nil, nil, err
	}
	logs, logTasks, err := s.planLogs(rs, pm, w)
	if err != nil {
		return nil, nil, err
	}
	tasks := logTasks
	for _, q := range qs {
		tasks = append(tasks, s.task(rs, q, w))
	}
	if err := runAll(ctx, maxParallelQueries, tasks); err != nil {
		var qe *QueryError
		if errors.As(err, &qe) && qe.RuleSet == "" {
			qe.RuleSet = rs.Name
		}
		return nil, nil, err
	}
	return qs, logs, nil
}
