// Package providers defines how canary-analyzer asks a backend for data.
//
// Each backend lives in its own sub-package (providers/prometheus,
// providers/loki) and implements the small interfaces below. Providers turn
// one query and one time window into series; they know nothing about rules,
// HTTP requests or verdicts.
package providers

import (
	"context"
	"time"

	"github.com/prometheus/common/model"
)

// Type names a backend in rule files ("source:") and in flags.
type Type string

// The backends canary-analyzer knows.
const (
	TypePrometheus Type = "prometheus"
	TypeLoki       Type = "loki"
)

// RangeQuery is one metric query evaluated over [Start, End] every Step.
type RangeQuery struct {
	Expr  string
	Start time.Time
	End   time.Time
	Step  time.Duration
}

// MetricQuerier evaluates a metric query (PromQL or a LogQL metric query)
// over a time range. An empty result is not an error: it returns an empty
// matrix, and the caller decides what missing series mean.
type MetricQuerier interface {
	QueryRange(ctx context.Context, q RangeQuery) (model.Matrix, error)
}

// QueryStats is what running queries cost the backend, as the backend reports
// it. Loki reports it in every query_range answer; zero means the backend
// did not say.
type QueryStats struct {
	// LinesProcessed is the number of log lines the backend read (Loki's
	// stats.summary.totalLinesProcessed), summed over requests.
	LinesProcessed int64
	// BytesProcessed is the number of bytes of log lines it read (Loki's
	// stats.summary.totalBytesProcessed), summed over requests.
	BytesProcessed int64
	// Requests is the number of requests the stats were summed over.
	Requests int
}

// Add sums o into s.
func (s *QueryStats) Add(o QueryStats) {
	s.LinesProcessed += o.LinesProcessed
	s.BytesProcessed += o.BytesProcessed
	s.Requests += o.Requests
}

// StatsQuerier is a MetricQuerier that also says what each query cost the
// backend (Loki). Callers that count the cost of a judgement type-assert
// for it; the result is the same as QueryRange's.
type StatsQuerier interface {
	MetricQuerier
	QueryRangeStats(ctx context.Context, q RangeQuery) (model.Matrix, QueryStats, error)
}

// LogQuery asks for raw log lines over [Start, End).
type LogQuery struct {
	Expr  string
	Start time.Time
	End   time.Time
	// Limit caps the number of lines returned over the whole window; the
	// provider pages internally and returns at most Limit entries.
	Limit int
}

// LogEntry is one log line with the labels of its stream.
type LogEntry struct {
	Time   time.Time
	Line   string
	Labels model.LabelSet
}

// LogResult holds the lines a log query returned, oldest first.
type LogResult struct {
	Entries []LogEntry
	// Truncated is true when more lines matched than Limit allowed.
	Truncated bool
	// Stats is what the pages of the query cost the backend, summed.
	Stats QueryStats
}

// LogQuerier fetches log lines (Loki).
type LogQuerier interface {
	QueryLogs(ctx context.Context, q LogQuery) (LogResult, error)
}
