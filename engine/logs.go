package engine

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

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
	// canaryGaps and stableGaps are the times where a side read in parts
	// has more lines than it read.
	canaryGaps, stableGaps []analysis.Span
	// droppedCanary and droppedStable count lines returned for a side
	// whose pod belongs to the other side or to neither: a query that
	// selects other pods.
	droppedCanary, droppedStable int
}

// logParts is the most parts the window of a side with more lines than its
// line limit is read in, each up to an equal share of the limit.
const logParts = 10

// planLogs renders the log query of every signatures metric once for the
// canary's pods and once for the stable pods ({{.Pods}} rendered as
// {{.CanaryPods}}, then as {{.StablePods}}), and returns a task per metric
// that fetches each side's lines over [start, end) of the window, at most
// the metric's line limit per side (readSides), each read once for the
// request's judgements (memo). Lines are kept only on the side their pod
// belongs to.
func (s *Service) planLogs(rs *rules.RuleSet, pm *rules.PodMatcher, w window, cost *costs, memo *logMemo) ([]*logFetch, []func(context.Context) error, error) {
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
		var sides [2]*logSide
		for k, side := range []rules.Side{rules.Canary, rules.Stable} {
			p := params
			p.Pods = params.CanaryPods
			sd := &logSide{side: side, expr: &f.canaryExpr, result: &f.canary, gaps: &f.canaryGaps, dropped: &f.droppedCanary}
			if side == rules.Stable {
				p.Pods = params.StablePods
				sd = &logSide{side: side, expr: &f.stableExpr, result: &f.stable, gaps: &f.stableGaps, dropped: &f.droppedStable}
			}
			var err error
			if *sd.expr, err = m.LogTemplate().Render(p); err != nil {
				return nil, nil, &ConfigError{Msg: fmt.Sprintf("rule set %s, metric %s: %v", rs.Name, m.Name, err)}
			}
			expr := *sd.expr
			sd.query = func(ctx context.Context, start, end time.Time, limit int) (providers.LogResult, error) {
				return memo.do(ctx, logKey{m.Source, expr, start, end, limit}, func(ctx context.Context) (providers.LogResult, error) {
					res, err := s.Logs[m.Source].QueryLogs(ctx, providers.LogQuery{Expr: expr, Start: start, End: end, Limit: limit})
					if err != nil {
						return res, &QueryError{RuleSet: rs.Name, Metric: m.Name, Role: rules.RoleLogs, Query: expr, Err: err}
					}
					cost.logs(m.Source, max(1, res.Stats.Requests), res.Stats.LinesProcessed)
					return res, nil
				})
			}
			sides[k] = sd
		}
		tasks = append(tasks, func(ctx context.Context) error {
			if err := readSides(ctx, sides, w, m.Signatures.LineLimit); err != nil {
				return err
			}
			for _, sd := range sides {
				sd.keepOwn(pm)
			}
			return nil
		})
		fetches = append(fetches, f)
	}
	return fetches, tasks, nil
}

// logSide is one side's log query of a signatures metric and where its
// lines go.
type logSide struct {
	side    rules.Side
	expr    *string
	query   func(ctx context.Context, start, end time.Time, limit int) (providers.LogResult, error)
	result  *providers.LogResult
	gaps    *[]analysis.Span
	dropped *int
}

// keepOwn leaves out the lines of pods that are not of the side.
func (sd *logSide) keepOwn(pm *rules.PodMatcher) {
	kept := sd.result.Entries[:0]
	for _, e := range sd.result.Entries {
		if got, _ := pm.Classify(model.Metric(e.Labels)); got == sd.side {
			kept = append(kept, e)
		} else {
			*sd.dropped++
		}
	}
	sd.result.Entries = kept
}

// readSides reads both sides' lines over the window, each up to limit. A
// side with more lines than that is read again in parts of the window,
// each up to an equal share of the limit, so that the lines read spread
// over the whole window instead of being its oldest; the times after the
// last line read of a part that had more are the side's gaps. Both sides'
// truncated reads use the same parts (partsFor), so that in every part the
// times both sides read in full are its first ones.
func readSides(ctx context.Context, sides [2]*logSide, w window, limit int) error {
	tasks := make([]func(context.Context) error, len(sides))
	for i, sd := range sides {
		tasks[i] = func(ctx context.Context) error {
			var err error
			*sd.result, err = sd.query(ctx, w.start, w.end, limit)
			return err
		}
	}
	if err := runAll(ctx, len(tasks), tasks); err != nil {
		return err
	}
	n := logParts
	for _, sd := range sides {
		if sd.result.Truncated {
			n = min(n, partsFor(*sd.result, w))
		}
	}
	if n <= 1 {
		return nil // nobody truncated, or too dense to read a step per part
	}
	tasks = tasks[:0]
	for _, sd := range sides {
		if sd.result.Truncated {
			tasks = append(tasks, func(ctx context.Context) error {
				var err error
				*sd.result, *sd.gaps, err = readInParts(ctx, sd.query, w, n, limit)
				return err
			})
		}
	}
	return runAll(ctx, len(tasks), tasks)
}

// partsFor says in how many parts a truncated side's window can be read:
// as many as the whole steps its oldest lines (res, the limit's worth)
// cover, at most logParts, so that each part's share of the limit still
// holds a step's lines where the side logs as densely as in those; 1 (read
// no parts) when they do not cover one step.
func partsFor(res providers.LogResult, w window) int {
	if len(res.Entries) == 0 {
		return 1
	}
	covered := int(res.Entries[len(res.Entries)-1].Time.Sub(w.start) / w.step)
	steps := int(w.end.Sub(w.start) / w.step)
	return max(1, min(logParts, covered, steps))
}

// readInParts reads the window in n parts of whole steps, each up to an
// equal share of limit, and returns their lines and the gaps after the last
// line read of each part that had more (Unix ms). The result is not marked
// truncated: its gaps say where lines are missing.
func readInParts(ctx context.Context, query func(context.Context, time.Time, time.Time, int) (providers.LogResult, error),
	w window, n, limit int) (providers.LogResult, []analysis.Span, error) {
	steps := int64(w.end.Sub(w.start) / w.step)
	per := (steps + int64(n) - 1) / int64(n) // steps per part
	share := max(1, limit/int((steps+per-1)/per))
	type part struct {
		start, end time.Time
		res        providers.LogResult
	}
	var parts []*part
	for t := w.start; t.Before(w.end); t = t.Add(time.Duration(per) * w.step) {
		parts = append(parts, &part{start: t, end: minTime(t.Add(time.Duration(per)*w.step), w.end)})
	}
	tasks := make([]func(context.Context) error, len(parts))
	for i, p := range parts {
		tasks[i] = func(ctx context.Context) error {
			var err error
			p.res, err = query(ctx, p.start, p.end, share)
			return err
		}
	}
	if err := runAll(ctx, 2, tasks); err != nil {
		return providers.LogResult{}, nil, err
	}
	var (
		out  providers.LogResult
		gaps []analysis.Span
	)
	for _, p := range parts {
		out.Entries = append(out.Entries, p.res.Entries...)
		switch n := len(p.res.Entries); {
		case !p.res.Truncated:
		case n == 0:
			gaps = append(gaps, analysis.Span{From: p.start.UnixMilli(), To: p.end.UnixMilli()})
		default:
			gaps = append(gaps, analysis.Span{From: p.res.Entries[n-1].Time.UnixMilli() + 1, To: p.end.UnixMilli()})
		}
	}
	return out, gaps, nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
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
			Gaps:            append(slices.Clone(f.canaryGaps), f.stableGaps...),
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
