package providers

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/model"
)

// failing answers with err.
type failing struct{ err error }

func (f failing) QueryRange(context.Context, RangeQuery) (model.Matrix, error) { return nil, f.err }

type failingLogs struct{ failing }

func (f failingLogs) QueryLogs(context.Context, LogQuery) (LogResult, error) {
	return LogResult{}, f.err
}

// withStats says every query read 7 lines.
type withStats struct{ failingLogs }

func (withStats) QueryRangeStats(context.Context, RangeQuery) (model.Matrix, QueryStats, error) {
	return model.Matrix{}, QueryStats{LinesProcessed: 7, Requests: 1}, nil
}

// TestInstrumentKeepsStats: the engine counts the log lines Loki read from
// StatsQuerier, so the instrumented backend must still report them (it did
// not: every judgement of the running service said Loki's metric queries
// read nothing).
func TestInstrumentKeepsStats(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	for _, c := range []struct {
		name  string
		q     MetricQuerier
		lines int64
	}{
		{"reports stats", withStats{}, 7},
		{"no stats", failing{nil}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			sq, ok := m.Instrument(TypeLoki, c.q).(StatsQuerier)
			if !ok {
				t.Fatal("the instrumented backend is not a StatsQuerier")
			}
			_, st, err := sq.QueryRangeStats(context.Background(), RangeQuery{})
			if err != nil || st.LinesProcessed != c.lines {
				t.Errorf("stats %+v, error %v; want %d lines", st, err, c.lines)
			}
		})
	}
	if n := testutil.CollectAndCount(reg, "analyzer_backend_query_duration_seconds"); n != 1 {
		t.Errorf("%d duration series, want loki's metrics calls only", n)
	}
}

// TestInstrument counts each call's time and each failure by its kind, and
// keeps a log querier a log querier.
func TestInstrument(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	prom := m.Instrument(TypePrometheus, failing{&Error{Backend: TypePrometheus, Kind: BadQuery}})
	loki := m.Instrument(TypeLoki, failingLogs{failing{errors.New("not a provider error")}})
	ok := m.Instrument(TypePrometheus, failing{nil})
	if _, isLogs := prom.(LogQuerier); isLogs {
		t.Error("a Prometheus became a log querier")
	}
	lq, isLogs := loki.(LogQuerier)
	if !isLogs {
		t.Fatal("Loki lost its log queries")
	}
	ctx := context.Background()
	for range 2 {
		_, _ = prom.QueryRange(ctx, RangeQuery{})
	}
	_, _ = ok.QueryRange(ctx, RangeQuery{})
	_, _ = lq.QueryLogs(ctx, LogQuery{})

	want := `
# HELP analyzer_backend_query_errors_total Backend calls that failed, by backend and error type (bad_query, unavailable, timeout, canceled, auth, other).
# TYPE analyzer_backend_query_errors_total counter
analyzer_backend_query_errors_total{backend="loki",type="auth"} 0
analyzer_backend_query_errors_total{backend="loki",type="bad_query"} 0
analyzer_backend_query_errors_total{backend="loki",type="canceled"} 0
analyzer_backend_query_errors_total{backend="loki",type="other"} 1
analyzer_backend_query_errors_total{backend="loki",type="timeout"} 0
analyzer_backend_query_errors_total{backend="loki",type="unavailable"} 0
analyzer_backend_query_errors_total{backend="prometheus",type="auth"} 0
analyzer_backend_query_errors_total{backend="prometheus",type="bad_query"} 2
analyzer_backend_query_errors_total{backend="prometheus",type="canceled"} 0
analyzer_backend_query_errors_total{backend="prometheus",type="other"} 0
analyzer_backend_query_errors_total{backend="prometheus",type="timeout"} 0
analyzer_backend_query_errors_total{backend="prometheus",type="unavailable"} 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "analyzer_backend_query_errors_total"); err != nil {
		t.Error(err)
	}
	for _, c := range []struct {
		backend, kind string
		n             uint64
	}{{"prometheus", "metrics", 3}, {"loki", "logs", 1}} {
		var got uint64
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			if mf.GetName() != "analyzer_backend_query_duration_seconds" {
				continue
			}
			for _, mt := range mf.GetMetric() {
				labels := map[string]string{}
				for _, lp := range mt.GetLabel() {
					labels[lp.GetName()] = lp.GetValue()
				}
				if labels["backend"] == c.backend && labels["kind"] == c.kind {
					got = mt.GetHistogram().GetSampleCount()
				}
			}
		}
		if got != c.n {
			t.Errorf("%s %s: %d calls timed, want %d", c.backend, c.kind, got, c.n)
		}
	}
}
