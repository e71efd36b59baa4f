package engine

import (
	"context"
	"fmt"
	"slices"
	"sort"

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
	// droppedCanary and droppedStable count lines returned for a side
	// whose pod belongs to the other side or to neither: a query that
	// selects other pods.
	droppedCanary, droppedStable int
}

// planLogs renders the log query of every signatures metric once for the
// canary's pods and once for the stable pods ({{.Pods}} rendered as
// {{.CanaryPods}}, then as {{.StablePods}}), and returns a task per side
// that fetches its lines, capped at the metric's line limit over
// [start, end) of the window. The provider pages forward in time, so a side
// over its limit keeps its oldest lines and is marked truncated. Lines are
// kept only on the side their pod belongs to.
func (s *Service) planLogs(rs *rules.RuleSet, pm *rules.PodMatcher, w window, cost *costs) ([]*logFetch, []func(context.Context) error, error) {
	params := pm.Params(rs.Step)
	var (
		fetches []*logFetch
		tasks   []func(context.Context) error
	)
	for i := range rs.Metrics {
		m := &rs.Metrics[i]
		if m.Kind != analysis.KindSignatures {
			continue
		}
		if s.Logs[m.Source] == nil {
			return nil, nil, &ConfigError{Msg: fmt.Sprintf("rule set %s, metric %s: source %s cannot fetch log lines (see --%s.url)", rs.Name, m.Name, m.Source, m.Source)}
		}
		f := &logFetch{metric: i}
		for _, side := range []rules.Side{rules.Canary, rules.Stable} {
			p := params
			p.Pods = params.CanaryPods
			expr, result, dropped := &f.canaryExpr, &f.canary, &f.droppedCanary
			if side == rules.Stable {
				p.Pods = params.StablePods
				expr, result, dropped = &f.stableExpr, &f.stable, &f.droppedStable
			}
			var err error
			if *expr, err = m.LogTemplate().Render(p); err != nil {
				return nil, nil, &ConfigError{Msg: fmt.Sprintf("rule set %s, metric %s: %v", rs.Name, m.Name, err)}
			}
			tasks = append(tasks, func(ctx context.Context) error {
				res, err := s.Logs[m.Source].QueryLogs(ctx, providers.LogQuery{
					Expr: *expr, Start: w.start, End: w.end, Limit: m.Signatures.LineLimit,
				})
				if err != nil {
					return &QueryError{RuleSet: rs.Name, Metric: m.Name, Role: rules.RoleLogs, Query: *expr, Err: err}
				}
				cost.logs(m.Source, 1, 0)
				kept := res.Entries[:0]
				for _, e := range res.Entries {
					if got, _ := pm.Classify(model.Metric(e.Labels)); got == side {
						kept = append(kept, e)
					} else {
						*dropped++
					}
				}
				res.Entries = kept
				*result = res
				return nil
			})
		}
		fetches = append(fetches, f)
	}
	return fetches, tasks, nil
}

// attachLogs gives every signatures metric its log lines, per side, and its
// exposure query's series over the window, with the pods known to run when
// it is shaped: those of the series and of the lines of the signatures
// metrics before it. The pods that logged lines are added to the pods seen,
// and the log queries to the metric's queries.
func attachLogs(pm *rules.PodMatcher, logs []*logFetch, inputs []metricInput, pods *podsSeen, w window) {
	for _, f := range logs {
		in := &inputs[f.metric]
		d := analysis.LogData{
			Canary:          logLines(pm, f.canary.Entries),
			Stable:          logLines(pm, f.stable.Entries),
			CanaryTruncated: f.canary.Truncated,
			StableTruncated: f.stable.Truncated,
			CanaryPods:      slices.Clone(pods.canary),
			StablePods:      slices.Clone(pods.stable),
			Dropped:         f.droppedCanary + f.droppedStable,
		}
		if in.exposure != nil {
			d.Exposure = true
			d.CanaryExposure = windowSeries(toSeries(in.exposure.canary), w)
			d.StableExposure = windowSeries(toSeries(in.exposure.stable), w)
		}
		in.Data.Logs = d
		in.queries = append([]string{f.canaryExpr, f.stableExpr}, in.queries...)
		pods.canary = mergePods(pods.canary, d.Canary)
		pods.stable = mergePods(pods.stable, d.Stable)
	}
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
