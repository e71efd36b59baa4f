package loki

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/canary-analyzer/canary-analyzer/providers"
)

// fakeLoki answers forward log queries from a fixed set of lines the way
// Loki's query_range does: the `limit` oldest lines in [start, end), with no
// sign of whether more matched. Lines sharing a timestamp come in a random
// (seeded) order, and so do streams, as Loki promises neither.
type fakeLoki struct {
	t        *testing.T
	expr     string
	lines    []pushEntry
	pageSize int // the largest limit the client may ask for
	// maxEntries, when set, is the server's max_entries_limit_per_query:
	// a larger limit is refused with Loki's 400 and message, not a test
	// failure.
	maxEntries int
	failOn     int // answer this request (1-based) with a 500; 0 never

	mu        sync.Mutex
	rng       *rand.Rand
	requests  []fakeRequest
	served    int // lines sent over all answers
	processed int // lines in the requested windows, as Loki's stats say
}

// fakeRequest is what the client asked for.
type fakeRequest struct {
	start, end time.Time
	limit      int
	refused    bool // over maxEntries
}

// newFakeLoki serves lines for expr, accepting limits up to pageSize.
func newFakeLoki(t *testing.T, expr string, lines []pushEntry, pageSize int) *fakeLoki {
	return &fakeLoki{t: t, expr: expr, lines: lines, pageSize: pageSize, rng: rand.New(rand.NewPCG(1, 1))}
}

// ServeHTTP checks one page request and answers it.
func (f *fakeLoki) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	q := r.URL.Query()
	start, err1 := parseLokiTime(q.Get("start"))
	end, err2 := parseLokiTime(q.Get("end"))
	limit, err3 := strconv.Atoi(q.Get("limit"))
	if err := errors.Join(err1, err2, err3); err != nil {
		f.t.Errorf("bad request %s: %v", r.URL.RawQuery, err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	switch {
	case r.URL.Path != "/loki/api/v1/query_range":
		f.t.Errorf("path %s", r.URL.Path)
	case q.Get("query") != f.expr:
		f.t.Errorf("query %q, want %q", q.Get("query"), f.expr)
	case q.Get("direction") != "forward":
		f.t.Errorf("direction %q, want forward", q.Get("direction"))
	case limit < 1 || limit > f.pageSize:
		f.t.Errorf("limit %d outside 1..%d", limit, f.pageSize)
	}
	if f.maxEntries > 0 && limit > f.maxEntries {
		f.requests = append(f.requests, fakeRequest{start: start, end: end, limit: limit, refused: true})
		http.Error(w, fmt.Sprintf("max entries limit per query exceeded, limit > max_entries_limit_per_query (%d > %d)", limit, f.maxEntries), http.StatusBadRequest)
		return
	}
	if n := len(f.requests); n > 0 {
		prev := f.requests[n-1]
		if start.Before(prev.start) || !end.Equal(prev.end) {
			f.t.Errorf("request %d asks [%s, %s) after [%s, %s): start went back or end moved",
				n+1, start, end, prev.start, prev.end)
		}
	}
	f.requests = append(f.requests, fakeRequest{start: start, end: end, limit: limit})
	if len(f.requests) == f.failOn {
		http.Error(w, "rpc error: code = Unavailable desc = ingester gone", http.StatusInternalServerError)
		return
	}

	var page []pushEntry
	for _, e := range f.lines {
		if e.ns >= start.UnixNano() && e.ns < end.UnixNano() {
			page = append(page, e)
		}
	}
	processed := len(page)
	f.processed += processed
	f.rng.Shuffle(len(page), func(i, j int) { page[i], page[j] = page[j], page[i] })
	sort.SliceStable(page, func(i, j int) bool { return page[i].ns < page[j].ns })
	if len(page) > limit {
		page = page[:limit]
	}
	f.served += len(page)
	w.Header().Set("Content-Type", appJSON)
	_ = json.NewEncoder(w).Encode(streamsBody(page, processed, f.rng))
}

// streamsBody renders entries as a Loki streams answer that says Loki read
// processed lines.
func streamsBody(entries []pushEntry, processed int, rng *rand.Rand) any {
	type stream struct {
		Stream map[string]string `json:"stream"`
		Values [][2]string       `json:"values"`
	}
	streams := []*stream{} // Loki sends [] when nothing matched
	byLabels := map[string]*stream{}
	for _, e := range entries {
		s := byLabels[e.labels.String()]
		if s == nil {
			s = &stream{Stream: map[string]string{}}
			for k, v := range e.labels {
				s.Stream[string(k)] = string(v)
			}
			byLabels[e.labels.String()] = s
			streams = append(streams, s)
		}
		s.Values = append(s.Values, [2]string{strconv.FormatInt(e.ns, 10), e.line})
	}
	rng.Shuffle(len(streams), func(i, j int) { streams[i], streams[j] = streams[j], streams[i] })
	return map[string]any{
		"status": "success",
		"data": map[string]any{"resultType": "streams", "result": streams, "stats": map[string]any{
			"summary": map[string]any{"totalLinesProcessed": processed, "totalBytesProcessed": 100 * processed},
		}},
	}
}

// recordedLines are the canary's and pod aaaaa's pushed lines, both streams
// each: 808+32+733+9 = 1582 lines, no two at the same nanosecond.
func recordedLines(t *testing.T) []pushEntry {
	t.Helper()
	return append(loadPush(t, "shop-"+canaryPod), loadPush(t, "shop-"+podA)...)
}

// secondLines are the same lines cut to whole seconds, as a logger without
// sub-second timestamps would write them: up to 7 lines share an instant,
// within and across streams.
func secondLines(t *testing.T) []pushEntry {
	t.Helper()
	lines := recordedLines(t)
	for i := range lines {
		lines[i].ns -= lines[i].ns % int64(time.Second)
	}
	return lines
}

// sortedLines returns a copy of lines ordered by time.
func sortedLines(lines []pushEntry) []pushEntry {
	out := append([]pushEntry(nil), lines...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].ns < out[j].ns })
	return out
}

// pushKey identifies a pushed line the way entryKey identifies an entry.
func pushKey(e pushEntry) string {
	return fmt.Sprintf("%d\x00%s\x00%s", e.ns, e.labels, e.line)
}

func TestQueryLogsPaging(t *testing.T) {
	const expr = `{namespace="shop"}`
	recorded := recordedLines(t)
	seconds := secondLines(t)
	tests := []struct {
		name          string
		lines         []pushEntry
		pageSize      int
		limit         int
		wantN         int
		wantTruncated bool
		maxRequests   int
	}{
		{name: "recorded lines in pages of 100", lines: recorded, pageSize: 100, limit: 5000,
			wantN: 1582, maxRequests: 1582/99 + 2},
		{name: "ties across page borders", lines: seconds, pageSize: 8, limit: 5000,
			wantN: 1582},
		{name: "limit equal to the matches", lines: recorded, pageSize: 100, limit: 1582,
			wantN: 1582},
		{name: "one line over the limit", lines: recorded, pageSize: 100, limit: 1581,
			wantN: 1581, wantTruncated: true},
		{name: "small limit needs one request", lines: recorded, pageSize: 1000, limit: 10,
			wantN: 10, wantTruncated: true, maxRequests: 1},
		{name: "limit cuts inside ties", lines: seconds, pageSize: 4, limit: 10,
			wantN: 10, wantTruncated: true},
		{name: "Loki's default max entries as the page size", lines: recorded, pageSize: 5000, limit: 5000,
			wantN: 1582, maxRequests: 1},
		{name: "empty window", lines: nil, pageSize: 100, limit: 10,
			wantN: 0, maxRequests: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fake := newFakeLoki(t, expr, tc.lines, tc.pageSize)
			srv := httptest.NewServer(fake)
			defer srv.Close()
			c, err := New(Config{URL: srv.URL, HTTPClient: srv.Client(), PageSize: tc.pageSize})
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.QueryLogs(context.Background(), providers.LogQuery{
				Expr: expr, Start: fixtureStart, End: fixtureEnd, Limit: tc.limit,
			})
			if err != nil {
				t.Fatalf("QueryLogs: %v", err)
			}
			if got.Truncated != tc.wantTruncated {
				t.Errorf("Truncated = %v, want %v", got.Truncated, tc.wantTruncated)
			}
			if len(got.Entries) != tc.wantN {
				t.Fatalf("%d entries, want %d", len(got.Entries), tc.wantN)
			}
			// The oldest wantN lines, each once. With ties at the cut, which
			// of the tied lines come back is open, but their times are not.
			want := sortedLines(tc.lines)[:tc.wantN]
			all := map[string]bool{}
			for _, e := range tc.lines {
				all[pushKey(e)] = true
			}
			seen := map[string]bool{}
			for i, e := range got.Entries {
				k := entryKey(e)
				if !all[k] {
					t.Errorf("entry %d (%d %q) was never pushed", i, e.Time.UnixNano(), e.Line)
				}
				if seen[k] {
					t.Errorf("entry %d (%d %q) returned twice", i, e.Time.UnixNano(), e.Line)
				}
				seen[k] = true
				if e.Time.UnixNano() != want[i].ns {
					t.Errorf("entry %d at %d, want %d", i, e.Time.UnixNano(), want[i].ns)
				}
			}
			fake.mu.Lock()
			defer fake.mu.Unlock()
			if tc.wantN >= tc.pageSize && len(fake.requests) < 2 {
				t.Errorf("%d requests: no paging happened", len(fake.requests))
			}
			if tc.maxRequests > 0 && len(fake.requests) > tc.maxRequests {
				t.Errorf("%d requests, want at most %d", len(fake.requests), tc.maxRequests)
			}
			// Each new page starts at the last instant seen, so at least one
			// line per border is sent twice and must have been dropped.
			if n := len(fake.requests); n > 1 && fake.served < len(got.Entries)+n-1 {
				t.Errorf("%d lines served over %d requests for %d entries: pages did not overlap", fake.served, n, len(got.Entries))
			}
			if got.Stats.Requests != len(fake.requests) || got.Stats.LinesProcessed != int64(fake.processed) ||
				got.Stats.BytesProcessed != 100*int64(fake.processed) {
				t.Errorf("stats %+v, want the sum over %d requests of %d lines", got.Stats, len(fake.requests), fake.processed)
			}
			if first := fake.requests[0].limit; first != min(tc.pageSize, tc.limit+1) {
				t.Errorf("first request limit %d, want %d", first, min(tc.pageSize, tc.limit+1))
			}
		})
	}
}

// TestQueryLogsInstantFullerThanPage pages through lines where up to 7 share
// a second with pages of 3: lines of an instant beyond a page can be out of
// reach, and the result must say so.
func TestQueryLogsInstantFullerThanPage(t *testing.T) {
	const expr, pageSize = `{namespace="shop"}`, 3
	lines := secondLines(t)
	fake := newFakeLoki(t, expr, lines, pageSize)
	srv := httptest.NewServer(fake)
	defer srv.Close()
	c, err := New(Config{URL: srv.URL, HTTPClient: srv.Client(), PageSize: pageSize})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.QueryLogs(context.Background(), providers.LogQuery{Expr: expr, Start: fixtureStart, End: fixtureEnd, Limit: 5000})
	if err != nil {
		t.Fatal(err)
	}
	if !got.Truncated {
		t.Errorf("not marked truncated although instants hold more lines than a page")
	}
	perInstant := map[int64]int{}
	for _, e := range lines {
		perInstant[e.ns]++
	}
	gotPerInstant := map[int64]int{}
	seen := map[string]bool{}
	for i, e := range got.Entries {
		if seen[entryKey(e)] {
			t.Errorf("entry %d returned twice", i)
		}
		seen[entryKey(e)] = true
		gotPerInstant[e.Time.UnixNano()]++
		if i > 0 && e.Time.Before(got.Entries[i-1].Time) {
			t.Errorf("entry %d is older than entry %d", i, i-1)
		}
	}
	// An instant with fewer lines than a page comes back whole; a fuller one
	// gives at least a page of its lines.
	for ns, n := range perInstant {
		if g := gotPerInstant[ns]; g < min(n, pageSize) || (n < pageSize && g != n) {
			t.Errorf("instant %d: %d of its %d lines", ns, g, n)
		}
	}
}

func TestQueryLogsFailingPage(t *testing.T) {
	const expr = `{namespace="shop"}`
	fake := newFakeLoki(t, expr, recordedLines(t), 100)
	fake.failOn = 3
	srv := httptest.NewServer(fake)
	defer srv.Close()
	c, err := New(Config{URL: srv.URL, HTTPClient: srv.Client(), PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.QueryLogs(context.Background(), providers.LogQuery{Expr: expr, Start: fixtureStart, End: fixtureEnd, Limit: 5000})
	var pe *providers.Error
	if !errors.As(err, &pe) || pe.Kind != providers.Unavailable || pe.Status != 500 {
		t.Fatalf("error %v, want unavailable with HTTP 500", err)
	}
	if got.Entries != nil || got.Truncated {
		t.Errorf("partial result %d entries returned with the error", len(got.Entries))
	}
}

func TestQueryLogsBadPages(t *testing.T) {
	tests := []struct {
		name string
		body string
	}{
		{"entry before start", `{"status":"success","data":{"resultType":"streams","result":[{"stream":{"a":"b"},"values":[["1000","x"]]}]}}`},
		{"entry at end", `{"status":"success","data":{"resultType":"streams","result":[{"stream":{"a":"b"},"values":[["1795636020000000000","x"]]}]}}`},
		// Limit 1 asks for 2 lines (one more, to detect truncation).
		{"more entries than the limit", `{"status":"success","data":{"resultType":"streams","result":[{"stream":{"a":"b"},"values":[["1795634221000000000","x"],["1795634222000000000","y"],["1795634223000000000","z"]]}]}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := serve(t, answer{200, appJSON, tc.body})
			_, err := c.QueryLogs(context.Background(), providers.LogQuery{Expr: `{a="b"}`, Start: fixtureStart, End: fixtureEnd, Limit: 1})
			var pe *providers.Error
			if !errors.As(err, &pe) || pe.Kind != providers.Unavailable {
				t.Fatalf("error %v, want unavailable", err)
			}
		})
	}
}

func TestQueryLogsCallerErrors(t *testing.T) {
	tests := []struct {
		name string
		q    providers.LogQuery
	}{
		{"no expression", providers.LogQuery{Start: fixtureStart, End: fixtureEnd, Limit: 1}},
		{"zero limit", providers.LogQuery{Expr: `{a="b"}`, Start: fixtureStart, End: fixtureEnd}},
		{"negative limit", providers.LogQuery{Expr: `{a="b"}`, Start: fixtureStart, End: fixtureEnd, Limit: -1}},
		{"no start", providers.LogQuery{Expr: `{a="b"}`, End: fixtureEnd, Limit: 1}},
		{"no end", providers.LogQuery{Expr: `{a="b"}`, Start: fixtureStart, Limit: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, arrived := blockingServer(t)
			c, err := New(Config{URL: srv.URL, HTTPClient: srv.Client()})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.QueryLogs(context.Background(), tc.q); err == nil {
				t.Fatal("no error")
			}
			if len(arrived) != 0 {
				t.Errorf("a request reached the backend")
			}
		})
	}
}
