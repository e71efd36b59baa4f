package verdict

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/prometheus/common/model"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/providers"
	"github.com/canary-analyzer/canary-analyzer/rules"
)

// logFetch holds the log lines of one signatures metric, per side.
type logFetch struct {
	metric int
	// exprs are the log queries run for the canary's pods and the stable
	// pods.
	canaryExpr, stableExpr string
	canary, stable         providers.LogResult
	// dropped counts lines returned for a side whose pod belongs to the
	// other side or to neither: a query that selects other pods.
	dropped int
}

// hasSignatures reports whether the rule set has a signatures metric.
func hasSignatures(rs *rules.RuleSet) bool {
	for i := range rs.Metrics {
		if rs.Metrics[i].Kind == rules.KindSignatures {
			return true
		}
	}
	return false
}

// fetchAll runs the series queries (fetch) and, when the rule set has
// signatures metrics, their log queries (fetchLogs) at the same time. The
// first failure cancels the rest; the error returned is the one that caused
// it, not the cancellations that followed.
func (s *Service) fetchAll(ctx context.Context, rs *rules.RuleSet, pm *rules.PodMatcher, w window) ([]*query, []*logFetch, error) {
	if !hasSignatures(rs) {
		qs, err := s.fetch(ctx, rs, pm, w)
		return qs, nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg         sync.WaitGroup
		qs         []*query
		logs       []*logFetch
		qErr, lErr error
	)
	wg.Add(2)
	go func() {
		defer wg.Done()
		if qs, qErr = s.fetch(ctx, rs, pm, w); qErr != nil {
			cancel()
		}
	}()
	go func() {
		defer wg.Done()
		if logs, lErr = s.fetchLogs(ctx, rs, pm, w); lErr != nil {
			cancel()
		}
	}()
	wg.Wait()
	switch {
	case qErr != nil && !canceled(qErr):
		return nil, nil, qErr
	case lErr != nil && !canceled(lErr):
		return nil, nil, lErr
	case qErr != nil:
		return nil, nil, qErr
	case lErr != nil:
		return nil, nil, lErr
	}
	return qs, logs, nil
}

func canceled(err error) bool {
	var pe *providers.Error
	return errors.As(err, &pe) && pe.Kind == providers.KindCanceled
}

// fetchLogs runs the log query of every signatures metric once for the
// canary's pods and once for the stable pods ({{.Pods}} rendered as
// {{.CanaryPods}}, then as {{.StablePods}}), each capped at the metric's
// line limit over [start, end) of the window. The provider pages forward in
// time, so a side over its limit keeps its oldest lines and is marked
// truncated. Lines are kept only on the side their pod belongs to.
func (s *Service) fetchLogs(ctx context.Context, rs *rules.RuleSet, pm *rules.PodMatcher, w window) ([]*logFetch, error) {
	params := pm.Params(rs.Step)
	type job struct {
		f      *logFetch
		side   rules.Side
		expr   string
		result *providers.LogResult
	}
	var (
		fetches []*logFetch
		jobs    []job
	)
	for i := range rs.Metrics {
		m := &rs.Metrics[i]
		if m.Kind != rules.KindSignatures {
			continue
		}
		if s.Logs[m.Source] == nil {
			return nil, &ConfigError{Msg: fmt.Sprintf("rule set %s, metric %s: source %s cannot fetch log lines (see --%s.url)", rs.Name, m.Name, m.Source, m.Source)}
		}
		f := &logFetch{metric: i}
		for _, side := range []rules.Side{rules.Canary, rules.Stable} {
			p := params
			p.Pods = params.CanaryPods
			if side == rules.Stable {
				p.Pods = params.StablePods
			}
			expr, err := m.LogTemplate().Render(p)
			if err != nil {
				return nil, &ConfigError{Msg: fmt.Sprintf("rule set %s, metric %s: %v", rs.Name, m.Name, err)}
			}
			if side == rules.Canary {
				f.canaryExpr = expr
				jobs = append(jobs, job{f: f, side: side, expr: expr, result: &f.canary})
			} else {
				f.stableExpr = expr
				jobs = append(jobs, job{f: f, side: side, expr: expr, result: &f.stable})
			}
		}
		fetches = append(fetches, f)
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sem := make(chan struct{}, maxParallelQueries)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	for _, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-sem }()
			m := &rs.Metrics[j.f.metric]
			res, err := s.Logs[m.Source].QueryLogs(ctx, providers.LogQuery{
				Expr: j.expr, Start: w.start, End: w.end, Limit: m.Signatures.LineLimit,
			})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if firstErr == nil {
					firstErr = &QueryError{RuleSet: rs.Name, Metric: m.Name, Role: rules.RoleLogs, Query: j.expr, Err: err}
					cancel()
				}
				return
			}
			kept := res.Entries[:0]
			for _, e := range res.Entries {
				if side, _ := pm.Classify(model.Metric(e.Labels)); side == j.side {
					kept = append(kept, e)
				} else {
					j.f.dropped++
				}
			}
			res.Entries = kept
			*j.result = res
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		kind := providers.KindTimeout
		if errors.Is(err, context.Canceled) {
			kind = providers.KindCanceled
		}
		return nil, &QueryError{RuleSet: rs.Name, Metric: "(not started)", Role: rules.RoleLogs, Err: &providers.Error{Kind: kind, Err: err}}
	}
	return fetches, nil
}

// judgeSignatures judges every signatures metric on its log lines and its
// exposure query's series, and stores the result in its input, where decide
// takes it instead of asking the judge. The pods that logged lines are added
// to the pods seen.
func judgeSignatures(rs *rules.RuleSet, pm *rules.PodMatcher, qs []*query, logs []*logFetch, inputs []MetricInput, pods *podsSeen, w window, st analysis.Settings) error {
	exposure := map[int]*query{}
	for _, q := range qs {
		if q.role == rules.RoleExposure && rs.Metrics[q.metric].Kind == rules.KindSignatures {
			exposure[q.metric] = q
		}
	}
	for _, f := range logs {
		m := &rs.Metrics[f.metric]
		d := analysis.SignatureData{
			Canary:          logLines(pm, f.canary.Entries),
			Stable:          logLines(pm, f.stable.Entries),
			CanaryTruncated: f.canary.Truncated,
			StableTruncated: f.stable.Truncated,
			CanaryPods:      pods.canary,
			StablePods:      pods.stable,
		}
		if q := exposure[f.metric]; q != nil {
			sd, err := split(pm, q.result)
			if err != nil {
				return &QueryError{RuleSet: rs.Name, Metric: m.Name, Role: rules.RoleExposure, Query: q.expr, Err: err}
			}
			d.Exposure = true
			d.CanaryExposure = windowSeries(toSeries(sd.canary), w)
			d.StableExposure = windowSeries(toSeries(sd.stable), w)
		}
		o := m.Signatures
		res := analysis.JudgeSignatures(inputs[f.metric].Metric, d, st, analysis.SignatureConfig{
			MinCount:        o.MinCount,
			MaxFindings:     o.MaxFindings,
			ExampleLength:   o.ExampleLength,
			DetectableCount: o.DetectableCount,
			Similarity:      o.Similarity,
		})
		if f.dropped > 0 {
			res.Reason += fmt.Sprintf("; %d lines of pods outside their side were left out (does the query select pods only with {{.Pods}}?)", f.dropped)
		}
		res.Query = f.canaryExpr
		inputs[f.metric].Result = &res
		inputs[f.metric].Queries = append([]string{f.canaryExpr, f.stableExpr}, inputs[f.metric].Queries...)
		pods.canary = mergePods(pods.canary, d.Canary)
		pods.stable = mergePods(pods.stable, d.Stable)
	}
	return nil
}

// logLines converts provider log entries for the analysis.
func logLines(pm *rules.PodMatcher, es []providers.LogEntry) []analysis.LogLine {
	out := make([]analysis.LogLine, len(es))
	for i, e := range es {
		_, pod := pm.Classify(model.Metric(e.Labels))
		out[i] = analysis.LogLine{Pod: pod, T: e.Time.UnixMilli(), Line: e.Line}
	}
	return out
}

// windowSeries keeps the exposure points whose step (t − step, t] lies in
// the window (start, end]: the point at start covers time before it.
func windowSeries(ss []analysis.Series, w window) []analysis.Series {
	start, end := w.start.UnixMilli(), w.end.UnixMilli()
	for i := range ss {
		kept := ss[i].Points[:0]
		for _, p := range ss[i].Points {
			if p.T > start && p.T <= end {
				kept = append(kept, p)
			}
		}
		ss[i].Points = kept
	}
	return ss
}

// mergePods adds the pods of lines to a sorted list of pods.
func mergePods(pods []string, lines []analysis.LogLine) []string {
	seen := map[string]bool{}
	for _, p := range pods {
		seen[p] = true
	}
	for _, l := range lines {
		if l.Pod != "" && !seen[l.Pod] {
			seen[l.Pod] = true
			pods = append(pods, l.Pod)
		}
	}
	sort.Strings(pods)
	return pods
}
