package loki

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"

	"github.com/prometheus/common/model"

	"github.com/canary-analyzer/canary-analyzer/providers"
)

// Direction is the order in which Loki picks log lines when a limit applies.
type Direction string

// Directions Loki knows. Backward (newest first) is Loki's default.
const (
	Forward  Direction = "forward"
	Backward Direction = "backward"
)

// StreamsQuery is one log query request, without paging.
type StreamsQuery struct {
	Expr string
	// Start is inclusive and End exclusive, at nanosecond precision. A zero
	// time is left out and Loki uses its default.
	Start, End time.Time
	// Limit caps the entries over all streams; zero leaves Loki's default
	// (100). Loki refuses more than its max_entries_limit_per_query (5000).
	Limit int
	// Direction picks the oldest (Forward) or newest (Backward) entries when
	// the limit cuts; empty leaves Loki's default, Backward.
	Direction Direction
	// CategorizeLabels asks for the categorize-labels encoding, in which
	// structured metadata and parsed labels come per entry instead of being
	// merged into the stream labels.
	CategorizeLabels bool
}

// Entry is one log line of a stream.
type Entry struct {
	Time time.Time
	Line string
	// StructuredMetadata and Parsed are only filled with the
	// categorize-labels encoding.
	StructuredMetadata model.LabelSet
	Parsed             model.LabelSet
}

// Stream is a set of entries sharing the same labels, in Loki's order.
type Stream struct {
	Labels  model.LabelSet
	Entries []Entry
}

// StreamsResult is Loki's answer to one log query. The order of Streams is
// not significant.
type StreamsResult struct {
	Streams       []Stream
	EncodingFlags []string
	// Stats is what the query cost Loki.
	Stats providers.QueryStats
}

// Streams sends one log query to /loki/api/v1/query_range and returns the
// streams as Loki sent them. It does not page: Loki returns at most Limit
// entries and does not say whether more matched. Use QueryLogs for a complete
// answer.
func (c *Client) Streams(ctx context.Context, q StreamsQuery) (StreamsResult, error) {
	if q.Expr == "" {
		return StreamsResult{}, errEmptyExpr
	}
	params := url.Values{}
	params.Set("query", q.Expr)
	if err := setRange(params, q.Start, q.End); err != nil {
		return StreamsResult{}, err
	}
	if q.Limit != 0 {
		params.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.Direction != "" {
		params.Set("direction", string(q.Direction))
	}
	var extra http.Header
	if q.CategorizeLabels {
		extra = http.Header{}
		extra.Set(encodingFlagsHeader, "categorize-labels")
	}
	var streams []Stream
	a, stats, err := c.query(ctx, "/query_range", params, extra, resultStreams, decodeStreams(ctx, &streams))
	if err != nil {
		return StreamsResult{}, err
	}
	return StreamsResult{Streams: streams, EncodingFlags: a.EncodingFlags, Stats: stats}, nil
}

// LogEntries flattens the streams into entries, oldest first. Each entry's
// labels are its stream labels plus any structured metadata and parsed
// labels, so both encodings give the same labels. Entries with equal times are
// ordered by labels, then line. Entries of one stream may share one label
// set: treat it as read-only.
func (r StreamsResult) LogEntries() []providers.LogEntry {
	var out []providers.LogEntry
	for _, s := range r.Streams {
		for _, e := range s.Entries {
			labels := s.Labels
			if len(e.StructuredMetadata) > 0 || len(e.Parsed) > 0 {
				labels = s.Labels.Merge(e.StructuredMetadata).Merge(e.Parsed)
			}
			out = append(out, providers.LogEntry{Time: e.Time, Line: e.Line, Labels: labels})
		}
	}
	sortEntries(out)
	return out
}

// sortEntries orders entries by time, then labels, then line.
func sortEntries(es []providers.LogEntry) {
	sort.SliceStable(es, func(i, j int) bool {
		a, b := es[i], es[j]
		if !a.Time.Equal(b.Time) {
			return a.Time.Before(b.Time)
		}
		if !a.Labels.Equal(b.Labels) {
			return a.Labels.Before(b.Labels)
		}
		return a.Line < b.Line
	})
}
