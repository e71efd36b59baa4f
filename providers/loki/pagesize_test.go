package loki

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/canary-analyzer/canary-analyzer/internal/lokitest"
	"github.com/canary-analyzer/canary-analyzer/providers"
)

func TestServerMaxEntries(t *testing.T) {
	recorded := loadFixture(t, "error_limit_above_max_entries")
	tests := []struct {
		name string
		err  error
		want int // 0: not a max-entries refusal
	}{
		{"Loki 3.7 as recorded", statusError(400, "/loki/api/v1/query_range", []byte(recorded.Response.Body), int64(len(recorded.Response.Body)), false), 5000},
		{"Loki 2 wording", statusError(400, "/p", []byte("max entries limit per query exceeded, limit > max_entries_limit (1000 > 500)\n"), 80, false), 500},
		{"another 400", statusError(400, "/p", []byte("parse error at line 1, col 1: syntax error"), 40, false), 0},
		{"the message from a 500", statusError(500, "/p", []byte("max entries limit per query exceeded, limit > max_entries_limit (1000 > 500)"), 80, false), 0},
		{"a zero limit", statusError(400, "/p", []byte("max entries limit per query exceeded, limit > max_entries_limit (1000 > 0)"), 80, false), 0},
		{"no error", nil, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := serverMaxEntries(tc.err)
			if ok != (tc.want > 0) || got != tc.want {
				t.Errorf("serverMaxEntries = %d, %v; want %d", got, ok, tc.want)
			}
		})
	}
}

// TestPageSizeAdaptsToRecordedRefusal answers a request above Loki's default
// max_entries_limit_per_query with the recorded refusal, as Loki 3.7 did, and
// anything else with an empty page: the client must ask again with 5000.
func TestPageSizeAdaptsToRecordedRefusal(t *testing.T) {
	f := loadFixture(t, "error_limit_above_max_entries")
	var limits []int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		limits = append(limits, limit)
		if limit > 5000 {
			for k, v := range f.Response.Headers {
				w.Header().Set(k, v)
			}
			w.WriteHeader(f.Response.Status)
			_, _ = w.Write([]byte(f.Response.Body))
			return
		}
		_, _ = w.Write([]byte(`{"status":"success","data":{"resultType":"streams","result":[]}}`))
	}))
	defer srv.Close()
	c, err := New(Config{URL: srv.URL, HTTPClient: srv.Client(), PageSize: 10000})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.QueryLogs(context.Background(), providers.LogQuery{Expr: `{namespace="shop"}`, Start: fixtureStart, End: fixtureEnd, Limit: 20000})
	if err != nil {
		t.Fatalf("QueryLogs: %v", err)
	}
	if len(res.Entries) != 0 || res.Truncated {
		t.Errorf("got %d entries, truncated %v; want none", len(res.Entries), res.Truncated)
	}
	if want := []int{10000, 5000}; len(limits) != 2 || limits[0] != want[0] || limits[1] != want[1] {
		t.Errorf("limits asked %v, want %v", limits, want)
	}
	if c.PageSize() != 5000 {
		t.Errorf("page size %d after the refusal, want 5000", c.PageSize())
	}
}

// TestPageSizeAdaptsToServer pages the recorded lines from a Loki whose
// max_entries_limit_per_query (100) is below the client's page size: one
// refusal, then every line, and later queries ask for 100 from the start.
func TestPageSizeAdaptsToServer(t *testing.T) {
	const expr = `{namespace="shop"}`
	lines := recordedLines(t)
	fake := newFakeLoki(t, expr, lines, 1000)
	fake.maxEntries = 100
	srv := httptest.NewServer(fake)
	defer srv.Close()
	c, err := New(Config{URL: srv.URL, HTTPClient: srv.Client(), PageSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	q := providers.LogQuery{Expr: expr, Start: fixtureStart, End: fixtureEnd, Limit: 5000}
	for round := 1; round <= 2; round++ {
		fake.mu.Lock()
		fake.requests = nil
		fake.mu.Unlock()
		res, err := c.QueryLogs(context.Background(), q)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if len(res.Entries) != len(lines) || res.Truncated {
			t.Errorf("round %d: %d entries (truncated %v), want all %d", round, len(res.Entries), res.Truncated, len(lines))
		}
		fake.mu.Lock()
		refused := 0
		for _, r := range fake.requests {
			if r.refused {
				refused++
			}
		}
		fake.mu.Unlock()
		if want := map[int]int{1: 1, 2: 0}[round]; refused != want {
			t.Errorf("round %d: %d refused requests, want %d", round, refused, want)
		}
	}
	if c.PageSize() != 100 {
		t.Errorf("page size %d, want the server's 100", c.PageSize())
	}
}

// TestPageSizeWithLokitest runs the same against internal/lokitest with a
// max_entries_limit_per_query of 500, the value often configured: the
// canary's error lines come back whole, in pages of at most 500.
func TestPageSizeWithLokitest(t *testing.T) {
	srv := shopLoki(t, 500)
	c, err := New(Config{URL: srv.URL, PageSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	expr := `{namespace="shop", stream="access"}`
	res, err := c.QueryLogs(context.Background(), providers.LogQuery{Expr: expr, Start: fixtureStart, End: fixtureEnd, Limit: 5000})
	if err != nil {
		t.Fatalf("QueryLogs: %v", err)
	}
	// The fixture README's table: 808 + 733 + 687 + 720 access lines.
	if len(res.Entries) != 2948 || res.Truncated {
		t.Errorf("%d entries (truncated %v), want 2948", len(res.Entries), res.Truncated)
	}
	if c.PageSize() != 500 {
		t.Errorf("page size %d, want 500", c.PageSize())
	}
	over := 0
	for _, r := range srv.Requests() {
		if n, _ := strconv.Atoi(r.Params.Get("limit")); n > 500 {
			over++
		}
	}
	if over != 1 {
		t.Errorf("%d requests above the server's limit, want exactly the first", over)
	}

	// Streams sends one request as asked, without adapting it.
	srv.SetMaxEntries(0)
	_, err = c.Streams(context.Background(), StreamsQuery{Expr: expr, Start: fixtureStart, End: fixtureEnd, Limit: 6000})
	var pe *providers.Error
	if !errors.As(err, &pe) || pe.Kind != providers.BadQuery {
		t.Errorf("one Streams request above 5000: %v, want Loki's refusal as a bad query", err)
	}
}

// TestConfiguredPageSize builds the client as the service does
// (NewFromOptions, from --loki.max-entries): without the flag it asks for
// DefaultPageSize lines, and a page size set to the server's limit is never
// refused.
func TestConfiguredPageSize(t *testing.T) {
	srv := shopLoki(t, 500)
	for _, tc := range []struct {
		name       string
		maxEntries int
		first      int // the limit of the first request
		refused    int
	}{
		{"default", 0, DefaultPageSize, 1},
		{"the server's limit", 500, 500, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := NewFromOptions(providers.ClientOptions{URL: srv.URL, MaxEntries: tc.maxEntries})
			if err != nil {
				t.Fatal(err)
			}
			if c.PageSize() != tc.first {
				t.Errorf("page size %d before any query, want %d", c.PageSize(), tc.first)
			}
			before := len(srv.Requests())
			res, err := c.QueryLogs(context.Background(), providers.LogQuery{Expr: `{namespace="shop", stream="access"}`, Start: fixtureStart, End: fixtureEnd, Limit: 5000})
			if err != nil {
				t.Fatalf("QueryLogs: %v", err)
			}
			// The fixture README's table: 808 + 733 + 687 + 720 access lines.
			if len(res.Entries) != 2948 || res.Truncated {
				t.Errorf("%d entries (truncated %v), want 2948", len(res.Entries), res.Truncated)
			}
			reqs := srv.Requests()[before:]
			if n, _ := strconv.Atoi(reqs[0].Params.Get("limit")); n != tc.first {
				t.Errorf("first request asked for %d lines, want %d", n, tc.first)
			}
			refused := 0
			for _, r := range reqs {
				if n, _ := strconv.Atoi(r.Params.Get("limit")); n > 500 {
					refused++
				}
			}
			if refused != tc.refused {
				t.Errorf("%d requests above the server's 500, want %d", refused, tc.refused)
			}
		})
	}
}

// shopLoki serves the recorded shop logs (lokitest.ShopStore) with a
// max_entries_limit_per_query of maxEntries.
func shopLoki(t *testing.T, maxEntries int) *lokitest.Server {
	t.Helper()
	store, err := lokitest.ShopStore()
	if err != nil {
		t.Fatal(err)
	}
	srv := lokitest.NewServer(t, store)
	srv.SetMaxEntries(maxEntries)
	return srv
}
