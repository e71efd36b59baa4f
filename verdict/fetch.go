package verdict

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/prometheus/common/model"

	"github.com/canary-analyzer/canary-analyzer/providers"
	"github.com/canary-analyzer/canary-analyzer/rules"
)

// maxParallelQueries bounds how many queries of one judgement run at once.
const maxParallelQueries = 6

// query is one rendered query of one metric.
type query struct {
	metric int
	role   rules.Role
	expr   string
	result model.Matrix
}

// fetch renders and runs every query of the rule set for the matcher, in
// parallel. The first failure cancels the rest and is returned.
func (s *Service) fetch(ctx context.Context, rs *rules.RuleSet, pm *rules.PodMatcher, w window) ([]*query, error) {
	params := pm.Params(rs.Step)
	var qs []*query
	for i := range rs.Metrics {
		m := &rs.Metrics[i]
		if s.Backends[m.Source] == nil {
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

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sem := make(chan struct{}, maxParallelQueries)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	for _, q := range qs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-sem }()
			m := &rs.Metrics[q.metric]
			res, err := s.Backends[m.Source].QueryRange(ctx, providers.RangeQuery{
				Expr: q.expr, Start: w.start, End: w.end, Step: w.step,
			})
			if err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = &QueryError{RuleSet: rs.Name, Metric: m.Name, Role: q.role, Query: q.expr, Err: err}
					cancel()
				}
				mu.Unlock()
				return
			}
			q.result = res
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		// The caller's deadline passed or it went away before every query
		// could start.
		kind := providers.KindTimeout
		if errors.Is(err, context.Canceled) {
			kind = providers.KindCanceled
		}
		return nil, &QueryError{RuleSet: rs.Name, Metric: "(not started)", Err: &providers.Error{Kind: kind, Err: err}}
	}
	return qs, nil
}
