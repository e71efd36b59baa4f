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
}

// LogQuerier fetches log lines (Loki).
type LogQuerier interface {
	QueryLogs(ctx context.Context, q LogQuery) (LogResult, error)
}
