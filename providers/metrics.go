package providers

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/prometheus/common/model"
)

// Call kinds, the "kind" label of the backend metrics.
const (
	callMetrics = "metrics" // a range query (PromQL, or a LogQL metric query)
	callLogs    = "logs"    // log lines (Loki)
)

// errorOther is the "type" of a failure that is not an *Error.
const errorOther = "other"

// Metrics times and counts the calls to every backend:
// analyzer_backend_query_duration_seconds{backend, kind} and
// analyzer_backend_query_errors_total{backend, type}, type being the
// ErrorKind.
type Metrics struct {
	duration *prometheus.HistogramVec
	errors   *prometheus.CounterVec
}

// NewMetrics registers the backend metrics with r.
func NewMetrics(r prometheus.Registerer) *Metrics {
	f := promauto.With(r)
	return &Metrics{
		duration: f.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "analyzer_backend_query_duration_seconds",
			Help:    "Time of one backend call (a range query, or one log query with its pages), failed ones included.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"backend", "kind"}),
		errors: f.NewCounterVec(prometheus.CounterOpts{
			Name: "analyzer_backend_query_errors_total",
			Help: "Backend calls that failed, by backend and error type (bad_query, unavailable, timeout, canceled, auth, other).",
		}, []string{"backend", "type"}),
	}
}

// Instrument returns q with its calls timed and their failures counted as
// backend t's. The result is a StatsQuerier (with zero stats when q does not
// report them) and fetches log lines too when q does. Every error type
// starts at zero, so that a rate over them is defined from the start.
func (m *Metrics) Instrument(t Type, q MetricQuerier) MetricQuerier {
	for _, k := range []string{string(BadQuery), string(Unavailable), string(Timeout), string(Canceled), string(AuthRefused), errorOther} {
		m.errors.WithLabelValues(string(t), k)
	}
	in := instrumented{q: q, backend: string(t), m: m}
	if lq, ok := q.(LogQuerier); ok {
		return instrumentedLogs{instrumented: in, logs: lq}
	}
	return in
}

// observe records one call that started at start.
func (m *Metrics) observe(backend, kind string, start time.Time, err error) {
	m.duration.WithLabelValues(backend, kind).Observe(time.Since(start).Seconds())
	if err == nil {
		return
	}
	typ := errorOther
	var pe *Error
	if errors.As(err, &pe) {
		typ = string(pe.Kind)
	}
	m.errors.WithLabelValues(backend, typ).Inc()
}

type instrumented struct {
	q       MetricQuerier
	backend string
	m       *Metrics
}

func (i instrumented) QueryRange(ctx context.Context, q RangeQuery) (model.Matrix, error) {
	start := time.Now()
	res, err := i.q.QueryRange(ctx, q)
	i.m.observe(i.backend, callMetrics, start, err)
	return res, err
}

// QueryRangeStats keeps what the backend says a query cost (Loki's lines
// read) through the instrumentation; a backend that does not say gives zero.
func (i instrumented) QueryRangeStats(ctx context.Context, q RangeQuery) (model.Matrix, QueryStats, error) {
	sq, ok := i.q.(StatsQuerier)
	if !ok {
		res, err := i.QueryRange(ctx, q)
		return res, QueryStats{}, err
	}
	start := time.Now()
	res, st, err := sq.QueryRangeStats(ctx, q)
	i.m.observe(i.backend, callMetrics, start, err)
	return res, st, err
}

type instrumentedLogs struct {
	instrumented
	logs LogQuerier
}

func (i instrumentedLogs) QueryLogs(ctx context.Context, q LogQuery) (LogResult, error) {
	start := time.Now()
	res, err := i.logs.QueryLogs(ctx, q)
	i.m.observe(i.backend, callLogs, start, err)
	return res, err
}

// InstrumentAll returns a new map of the backends, each instrumented.
func (m *Metrics) InstrumentAll(backends map[Type]MetricQuerier) map[Type]MetricQuerier {
	out := make(map[Type]MetricQuerier, len(backends))
	for t, q := range backends {
		out[t] = m.Instrument(t, q)
	}
	return out
}
