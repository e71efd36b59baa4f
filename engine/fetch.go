package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
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

// planQueries renders every series query of the rule set for the matcher,
// those shared[metric][role] names selecting the whole request's pods.
func (s *Service) planQueries(rs *rules.RuleSet, pm, whole *rules.PodMatcher, shared [][]rules.Role) ([]*query, error) {
	params := pm.Params(rs.Step)
	var all rules.Params
	if whole != nil {
		all = pm.Within(whole, rs.Step)
	}
	var qs []*query
	for i := range rs.Metrics {
		m := &rs.Metrics[i]
		if len(m.Roles()) > 0 && s.Backends[m.Source] == nil {
			return nil, &ConfigError{Msg: fmt.Sprintf("rule set %s, metric %s: source %s is not configured (see --%s.url)", rs.Name, m.Name, m.Source, m.Source)}
		}
		for _, r := range m.Roles() {
			p := params
			if shared != nil && slices.Contains(shared[i], r) {
				p = all
			}
			expr, err := m.Template(r).Render(p)
			if err != nil {
				return nil, &ConfigError{Msg: fmt.Sprintf("rule set %s, metric %s: %v", rs.Name, m.Name, err)}
			}
			qs = append(qs, &query{metric: i, role: r, expr: expr})
		}
	}
	return qs, nil
}

// fetch is one backend query of a judgement and the metric queries it
// answers: identical queries of several metrics (the same expression on
// the same backend over the same range, such as the one query a ratio, a
// second ratio and an exposure select their series from) are sent once.
type fetch struct {
	key     flightKey
	queries []*query
}

// planFetches groups the queries into fetches, in the order they were
// planned. A metric with a modelLookback reaches further back with its
// value and load queries (rules.Metric.ReachesBack; assemble splits the
// history off). A Loki metric query starts a step after the
// window: Loki reads every line of each step's range (t − step, t], so a
// point at the window's start would make it read the step before the
// window, a thirtieth more of a 30-step window's lines.
func planFetches(rs *rules.RuleSet, qs []*query, w window) []*fetch {
	var out []*fetch
	byKey := map[flightKey]*fetch{}
	for _, q := range qs {
		m := &rs.Metrics[q.metric]
		start := w.start
		switch {
		case m.ReachesBack(q.role) && w.end.Add(-time.Duration(m.ModelLookback)).Before(start):
			start = w.end.Add(-time.Duration(m.ModelLookback))
		case m.Source == providers.TypeLoki && w.end.Sub(w.start) > w.step:
			start = w.start.Add(w.step)
		}
		key := flightKey{source: m.Source, expr: q.expr, start: start, end: w.end, step: w.step}
		f := byKey[key]
		if f == nil {
			f = &fetch{key: key}
			byKey[key] = f
			out = append(out, f)
		}
		f.queries = append(f.queries, q)
	}
	return out
}

// task runs f, or waits for an identical query of a concurrent judgement
// to the same client (Service.flightGroup), and gives its result to every
// query it answers.
func (s *Service) task(rs *rules.RuleSet, f *fetch, cost *costs) func(context.Context) error {
	return func(ctx context.Context) error {
		first := f.queries[0]
		m := &rs.Metrics[first.metric]
		backend := s.Backends[m.Source]
		key := f.key
		key.backend = backend
		answer, shared, err := s.flightGroup().do(ctx, key, func(ctx context.Context) (fetched, error) {
			q := providers.RangeQuery{Expr: f.key.expr, Start: f.key.start, End: f.key.end, Step: f.key.step}
			if sq, ok := backend.(providers.StatsQuerier); ok {
				res, st, err := sq.QueryRangeStats(ctx, q)
				return fetched{matrix: res, linesRead: st.LinesProcessed}, err
			}
			res, err := backend.QueryRange(ctx, q)
			return fetched{matrix: res}, err
		})
		if err != nil {
			return &QueryError{RuleSet: rs.Name, Metric: m.Name, Role: first.role, Query: first.expr, Err: err}
		}
		cost.query(m.Source, answer, shared, len(f.queries)-1)
		for _, q := range f.queries {
			q.result = answer.matrix
		}
		return nil
	}
}

// podLocalRoles lists, per metric, the roles whose queries treat every pod
// alike (rules.Metric.PodLocal).
func podLocalRoles(rs *rules.RuleSet) [][]rules.Role {
	out := make([][]rules.Role, len(rs.Metrics))
	for i := range rs.Metrics {
		m := &rs.Metrics[i]
		for _, r := range m.Roles() {
			if m.PodLocal(r, rs.Pods) {
				out[i] = append(out[i], r)
			}
		}
	}
	return out
}

// fetchedData is what one judgement of a request got: its series queries
// with their results and its log fetches.
type fetchedData struct {
	queries []*query
	logs    []*logFetch
}

// fetchAll runs every series query and every log query of the rule set for
// each matcher (one per judgement of the request) at once (runAll:
// bounded, maxParallelQueries per judgement, the first failure cancels the
// rest), each distinct query once, also across the judgements, and counts
// what they cost together. With whole, the matcher of a both-references
// request's three ReplicaSets, every query that treats all pods alike
// (rules.Metric.PodLocal) selects all three's pods (rules.PodMatcher.Within):
// one query then serves every judgement that renders it alike, each taking
// its own pods' series. A query of {{.Increase}} renders alike for the two
// judgements of the canary, and apart for the age check, whose canary is
// the baseline.
func (s *Service) fetchAll(ctx context.Context, rs *rules.RuleSet, pms []*rules.PodMatcher, whole *rules.PodMatcher, w window) ([]fetchedData, *costs, error) {
	out := make([]fetchedData, len(pms))
	var shared [][]rules.Role
	if whole != nil {
		shared = podLocalRoles(rs)
	}
	var all []*query
	for i, pm := range pms {
		qs, err := s.planQueries(rs, pm, whole, shared)
		if err != nil {
			return nil, nil, err
		}
		out[i].queries = qs
		all = append(all, qs...)
	}
	cost := &costs{}
	defer s.Metrics.observe(cost) // what was sent, whether the judgement succeeds or not
	var tasks []func(context.Context) error
	memo := &logMemo{}
	for i, pm := range pms {
		logs, logTasks, err := s.planLogs(rs, pm, w, cost, memo)
		if err != nil {
			return nil, nil, err
		}
		out[i].logs = logs
		tasks = append(tasks, logTasks...)
	}
	for _, f := range planFetches(rs, all, w) {
		tasks = append(tasks, s.task(rs, f, cost))
	}
	if err := runAll(ctx, maxParallelQueries*len(pms), tasks); err != nil {
		var qe *QueryError
		if errors.As(err, &qe) && qe.RuleSet == "" {
			qe.RuleSet = rs.Name
		}
		return nil, nil, err
	}
	return out, cost, nil
}
