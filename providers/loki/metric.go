package loki

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"time"

	"github.com/prometheus/common/model"

	"github.com/canary-analyzer/canary-analyzer/providers"
	"github.com/canary-analyzer/canary-analyzer/providers/internal/promjson"
)

// QueryRange evaluates a LogQL metric query over [q.Start, q.End] every
// q.Step through /loki/api/v1/query_range.
//
// Loki rounds start down and end up to multiples of the step, counted from
// the Unix epoch, so its points sit on that epoch-aligned grid and can fall
// up to one step outside the requested range. QueryRange keeps only the
// points with Start <= t <= End: every point kept is still on Loki's grid
// (a multiple of Step since the epoch), and none describes time the caller
// did not ask about. When Start and End are multiples of Step the grid is the
// same as Prometheus' Start + k*Step. A series left without points is
// dropped.
//
// Steps whose window held no matching lines are absent, not zero, and a
// series with no data at all is missing: the caller decides what that means.
// An empty matrix is not an error. Series are sorted by their labels.
//
// Loki checks the query itself (syntax, step, range, limits); its refusals
// come back as a *providers.Error of kind providers.BadQuery with Loki's
// message.
func (c *Client) QueryRange(ctx context.Context, q providers.RangeQuery) (model.Matrix, error) {
	m, _, err := c.QueryRangeStats(ctx, q)
	return m, err
}

// QueryRangeStats is QueryRange that also returns what the query cost Loki
// (stats.summary of its answer): the lines and bytes it read.
func (c *Client) QueryRangeStats(ctx context.Context, q providers.RangeQuery) (model.Matrix, providers.QueryStats, error) {
	if q.Expr == "" {
		return nil, providers.QueryStats{}, errEmptyExpr
	}
	params := url.Values{}
	params.Set("query", q.Expr)
	for _, p := range []struct {
		name string
		t    time.Time
	}{{"start", q.Start}, {"end", q.End}} {
		s, err := formatTime(p.name, p.t)
		if err != nil {
			return nil, providers.QueryStats{}, err
		}
		params.Set(p.name, s)
	}
	params.Set("step", formatStep(q.Step))

	var m model.Matrix
	_, stats, err := c.query(ctx, "/query_range", params, nil, promjson.ResultMatrix, promjson.Matrix(ctx, &m))
	if err != nil {
		return nil, providers.QueryStats{}, err
	}
	m = clipMatrix(m, q.Start, q.End)
	sort.Sort(m)
	return m, stats, nil
}

// wrongResultType explains an answer of the wrong shape. A log query where a
// metric query was expected, or the other way round, is the query's fault:
// Loki picks "streams" or "matrix" from the query. Any other result type
// (a "vector" from /query, a missing one) means that something other than
// Loki's query_range answered.
func wrongResultType(got, want string) error {
	kind, hint := providers.Unavailable, ""
	switch {
	case got == resultStreams && want == promjson.ResultMatrix:
		kind = providers.BadQuery
		hint = ": this is a log query; wrap it in a range aggregation such as count_over_time(...[1m]) to get numbers"
	case got == promjson.ResultMatrix && want == resultStreams:
		kind = providers.BadQuery
		hint = ": this is a metric query; a log query is a stream selector with an optional pipeline"
	}
	return &providers.Error{
		Backend: Type,
		Kind:    kind,
		Msg:     fmt.Sprintf("Loki answered with a %q result where a %q was expected%s", got, want, hint),
	}
}

// formatStep renders a step as seconds, which Loki reads as a float.
func formatStep(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64)
}

// clipMatrix keeps the points with start <= t <= end and drops series left
// empty.
func clipMatrix(m model.Matrix, start, end time.Time) model.Matrix {
	out := m[:0]
	for _, s := range m {
		kept := s.Values[:0]
		for _, p := range s.Values {
			t := p.Timestamp.Time()
			if t.Before(start) || t.After(end) {
				continue
			}
			kept = append(kept, p)
		}
		if len(kept) == 0 {
			continue
		}
		s.Values = kept
		out = append(out, s)
	}
	return out
}
