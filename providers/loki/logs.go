package loki

import (
	"context"
	"fmt"
	"time"

	"github.com/canary-analyzer/canary-analyzer/providers"
)

// QueryLogs runs a log query over [q.Start, q.End) and returns at most
// q.Limit entries, oldest first, with Truncated set when more lines matched.
//
// Loki caps each request and never says whether it cut, so QueryLogs pages:
// it asks for at most PageSize entries in forward order, then asks again from
// the timestamp of the last entry it got. Starting again at that timestamp,
// not after it, keeps lines that share it but did not fit in the page; the
// lines seen twice at that border (same time, line and labels) are dropped.
// Each request asks for just enough lines to learn whether more than q.Limit
// matched.
//
// If a whole page holds lines of one single instant that were all seen
// before, Loki cannot be moved past them, and lines of that instant beyond
// PageSize are out of reach: QueryLogs then steps over the instant and sets
// Truncated. Only more than PageSize lines with the same nanosecond
// timestamp cause this.
//
// A Loki whose max_entries_limit_per_query is below the page size refuses
// the request (400, "max entries limit per query exceeded, ... (1000 >
// 500)"): QueryLogs reads the limit from the message, asks again with it, and
// the Client keeps using it for every later query.
//
// The result's Stats sum what each page cost Loki.
//
// An error on any page fails the whole call; no partial result is returned.
func (c *Client) QueryLogs(ctx context.Context, q providers.LogQuery) (providers.LogResult, error) {
	if q.Expr == "" {
		return providers.LogResult{}, errEmptyExpr
	}
	if q.Limit <= 0 {
		return providers.LogResult{}, fmt.Errorf("loki: log query limit must be positive, got %d", q.Limit)
	}
	for _, p := range []struct {
		name string
		t    time.Time
	}{{"start", q.Start}, {"end", q.End}} {
		if _, err := formatTime(p.name, p.t); err != nil {
			return providers.LogResult{}, err
		}
	}

	var (
		out       []providers.LogEntry
		start     = q.Start
		border    = map[string]struct{}{} // entries at time start already in out
		truncated bool
		stats     providers.QueryStats
	)
	for {
		limit := min(c.PageSize(), q.Limit-len(out)+1+len(border))
		res, err := c.Streams(ctx, StreamsQuery{
			Expr: q.Expr, Start: start, End: q.End, Limit: limit, Direction: Forward,
		})
		if n, ok := serverMaxEntries(err); ok && n < limit {
			// Loki allows fewer lines per request than we asked for:
			// remember its limit and ask for this page again.
			c.lowerPageSize(n)
			continue
		}
		if err != nil {
			return providers.LogResult{}, err
		}
		stats.Add(res.Stats)
		page := res.LogEntries()
		if err := checkPage(page, start, q.End, limit); err != nil {
			return providers.LogResult{}, err
		}

		fresh := 0
		for _, e := range page {
			if e.Time.Equal(start) {
				if _, dup := border[entryKey(e)]; dup {
					continue
				}
			}
			out = append(out, e)
			fresh++
		}
		if len(out) > q.Limit {
			truncated = true
			break
		}
		if len(page) < limit {
			break // Loki had nothing more.
		}

		last := page[len(page)-1].Time
		switch {
		case last.After(start):
			start = last
			border = map[string]struct{}{}
			for i := len(page) - 1; i >= 0 && page[i].Time.Equal(last); i-- {
				border[entryKey(page[i])] = struct{}{}
			}
		case fresh > 0:
			// The whole page sits at start: remember the new lines and ask
			// again with room for them.
			for _, e := range page {
				border[entryKey(e)] = struct{}{}
			}
		default:
			// More lines at this instant than a page holds: step over it.
			start = start.Add(time.Nanosecond)
			border = map[string]struct{}{}
			truncated = true
		}
	}

	sortEntries(out)
	if len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return providers.LogResult{Entries: out, Truncated: truncated, Stats: stats}, nil
}

// checkPage rejects a page Loki could not have sent for the request: more
// entries than the limit or entries outside [start, end). Going on with such
// a page could repeat or skip lines.
func checkPage(page []providers.LogEntry, start, end time.Time, limit int) error {
	if len(page) > limit {
		return decodeError(fmt.Errorf("log page has %d entries, more than the limit %d", len(page), limit))
	}
	for _, e := range page {
		if e.Time.Before(start) || !e.Time.Before(end) {
			return decodeError(fmt.Errorf("log entry at %s is outside the requested [%s, %s)",
				e.Time.Format(time.RFC3339Nano), start.Format(time.RFC3339Nano), end.Format(time.RFC3339Nano)))
		}
	}
	return nil
}

// entryKey identifies a log entry: its time, labels and line.
func entryKey(e providers.LogEntry) string {
	return fmt.Sprintf("%d\x00%s\x00%s", e.Time.UnixNano(), e.Labels.String(), e.Line)
}
