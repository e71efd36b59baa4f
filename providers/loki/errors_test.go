package loki

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/canary-analyzer/canary-analyzer/providers"
)

// How an error case is sent.
const (
	viaQueryRange = "QueryRange"
	viaStreams    = "Streams"
	// viaRaw sends the recorded path and parameters as they are, for
	// requests the typed methods cannot express (a misspelled path, a start
	// of "yesterday", a limit on /query).
	viaRaw = "raw"
)

// errorCase replays one recorded failure.
type errorCase struct {
	name string
	via  string
	kind providers.ErrorKind
}

// fixtureName implements named.
func (c errorCase) fixtureName() string { return c.name }

// errorCases lists every recorded failure with the kind it must map to.
var errorCases = []errorCase{
	{"error_parse_unbalanced_braces", viaQueryRange, providers.BadQuery},
	{"error_pipeline_unwrap_non_numeric", viaQueryRange, providers.BadQuery},
	{"error_too_many_points", viaQueryRange, providers.BadQuery},
	{"error_query_too_long", viaQueryRange, providers.BadQuery},
	{"error_end_before_start", viaQueryRange, providers.BadQuery},
	{"error_step_zero", viaQueryRange, providers.BadQuery},
	{"error_limit_above_max_entries", viaStreams, providers.BadQuery},
	{"error_series_end_before_start", viaRaw, providers.BadQuery},
	{"error_instant_log_query", viaRaw, providers.BadQuery},
	{"error_bad_time_format", viaRaw, providers.BadQuery},
	{"error_unknown_path", viaRaw, providers.Unavailable},
	{"auth_missing_org_id", viaQueryRange, providers.AuthRefused},
}

func TestErrorFixtures(t *testing.T) {
	for _, tc := range errorCases {
		t.Run(tc.name, func(t *testing.T) {
			f := loadFixture(t, tc.name)
			srv := newReplay(t, f)
			c := clientFor(t, f, srv)
			err := callRecorded(t, c, f, tc.via)
			if srv.hits.Load() != 1 {
				t.Fatalf("%d requests, want 1", srv.hits.Load())
			}
			var pe *providers.Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T), want a *providers.Error", err, err)
			}
			if pe.Backend != Type || pe.Kind != tc.kind || pe.Status != f.Response.Status {
				t.Errorf("got backend %s kind %s status %d, want %s %s %d",
					pe.Backend, pe.Kind, pe.Status, Type, tc.kind, f.Response.Status)
			}
			// Loki's own words are kept, only trimmed.
			lokiMsg := strings.TrimSpace(f.Response.Body)
			if tc.kind == providers.Unavailable {
				if !strings.Contains(pe.Msg, lokiMsg) || !strings.Contains(pe.Msg, "check the Loki URL") {
					t.Errorf("message %q should keep %q and say the URL is wrong", pe.Msg, lokiMsg)
				}
			} else if pe.Msg != lokiMsg {
				t.Errorf("message\n%q\nwant\n%q", pe.Msg, lokiMsg)
			}
			if !strings.Contains(err.Error(), lokiMsg) {
				t.Errorf("Error() = %q does not show Loki's message", err.Error())
			}
		})
	}
}

// callRecorded sends the recorded request through the chosen method and
// checks that a failed call returns no result.
func callRecorded(t *testing.T, c *Client, f fixture, via string) error {
	t.Helper()
	ctx := context.Background()
	switch via {
	case viaQueryRange:
		m, err := c.QueryRange(ctx, rangeQueryFrom(t, f))
		if err != nil && m != nil {
			t.Errorf("QueryRange returned %v with the error", m)
		}
		return err
	case viaStreams:
		r, err := c.Streams(ctx, streamsQueryFrom(t, f))
		if err != nil && (r.Streams != nil || r.EncodingFlags != nil) {
			t.Errorf("Streams returned %v with the error", r)
		}
		return err
	case viaRaw:
		params := url.Values{}
		for k, v := range f.Request.Query {
			params.Set(k, v)
		}
		decoded := false
		_, _, err := c.query(ctx, strings.TrimPrefix(f.Request.Path, apiPrefix), params, nil, resultStreams,
			func(dec *json.Decoder) error { decoded = true; return skipValue(dec) })
		if err != nil && decoded {
			t.Errorf("the result of a failed request was decoded")
		}
		return err
	}
	t.Fatalf("unknown call %q", via)
	return nil
}

// skipValue reads and drops one JSON value.
func skipValue(dec *json.Decoder) error {
	var raw json.RawMessage
	return dec.Decode(&raw)
}

// answer is a canned HTTP response.
type answer struct {
	status      int
	contentType string
	body        string
}

// serve starts a server that always gives a.
func serve(t *testing.T, a answer) *Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", a.contentType)
		w.WriteHeader(a.status)
		_, _ = w.Write([]byte(a.body))
	}))
	t.Cleanup(srv.Close)
	c, err := New(Config{URL: srv.URL, HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Content types Loki answers with.
const (
	textPlain = "text/plain; charset=utf-8"
	appJSON   = "application/json; charset=UTF-8"
)

// aRange is a valid metric query over the recorded window.
var aRange = providers.RangeQuery{Expr: `count_over_time({namespace="shop"}[1m])`, Start: fixtureStart, End: fixtureEnd, Step: time.Minute}

func TestBackendFailures(t *testing.T) {
	matrixOK := `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"pod":"p"},"values":[[1795634280,"1"]]}]}}`
	tests := []struct {
		name    string
		answer  answer
		call    func(c *Client) error
		kind    providers.ErrorKind
		msgPart string
	}{
		{"500 text", answer{500, textPlain, "rpc error: code = Internal desc = boom\n"}, queryRange,
			providers.Unavailable, "rpc error: code = Internal desc = boom"},
		{"502 html from a proxy", answer{502, "text/html", "<html><body>Bad Gateway</body></html>"}, queryRange,
			providers.Unavailable, "Bad Gateway"},
		{"503 empty body", answer{503, textPlain, ""}, queryRange,
			providers.Unavailable, "Service Unavailable"},
		{"504 from the frontend", answer{504, textPlain, "context deadline exceeded"}, queryRange,
			providers.Unavailable, "context deadline exceeded"},
		{"429 rate limited", answer{429, textPlain, "too many outstanding requests"}, queryRange,
			providers.Unavailable, "too many outstanding requests"},
		{"403 forbidden", answer{403, textPlain, "forbidden"}, queryRange,
			providers.AuthRefused, "forbidden"},
		{"405 from a proxy", answer{405, textPlain, "method not allowed"}, queryRange,
			providers.Unavailable, "method not allowed"},
		{"200 html login page", answer{200, "text/html", "<html>please log in</html>"}, queryRange,
			providers.Unavailable, "broken answer from Loki: the answer: invalid character '<'"},
		{"200 cut-off json", answer{200, appJSON, matrixOK[:40]}, queryRange,
			providers.Unavailable, "broken answer from Loki"},
		{"200 status error", answer{200, appJSON, `{"status":"error","errorType":"internal","error":"boom"}`}, queryRange,
			providers.Unavailable, "boom"},
		{"200 without data", answer{200, appJSON, `{"status":"success"}`}, queryRange,
			providers.Unavailable, `the answer has no "data"`},
		{"200 bad sample value", answer{200, appJSON, strings.Replace(matrixOK, `"1"]`, `"one"]`, 1)}, queryRange,
			providers.Unavailable, "the value is not a number"},
		{"streams for a metric query", answer{200, appJSON, `{"status":"success","data":{"resultType":"streams","result":[]}}`}, queryRange,
			providers.BadQuery, "log query"},
		{"matrix for a log query", answer{200, appJSON, matrixOK}, queryLogs,
			providers.BadQuery, "metric query"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call(serve(t, tc.answer))
			var pe *providers.Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T), want a *providers.Error", err, err)
			}
			if pe.Kind != tc.kind {
				t.Errorf("kind %s, want %s (%v)", pe.Kind, tc.kind, err)
			}
			if !strings.Contains(err.Error(), tc.msgPart) {
				t.Errorf("error %q does not mention %q", err, tc.msgPart)
			}
		})
	}
}

// blockingServer never answers until the request is abandoned; arrived gets
// one value per request.
func blockingServer(t *testing.T) (*httptest.Server, chan struct{}) {
	t.Helper()
	arrived := make(chan struct{}, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		select {
		case <-r.Context().Done():
		case <-time.After(30 * time.Second): // never reached when the client gives up
		}
	}))
	t.Cleanup(srv.Close)
	return srv, arrived
}

func TestContextEnds(t *testing.T) {
	tests := []struct {
		name   string
		ctx    func(arrived chan struct{}) (context.Context, context.CancelFunc)
		client func(srv *httptest.Server) *http.Client
		kind   providers.ErrorKind
		is     error
		msg    string
	}{
		{
			name: "deadline passes",
			ctx: func(chan struct{}) (context.Context, context.CancelFunc) {
				return context.WithTimeout(context.Background(), 50*time.Millisecond)
			},
			kind: providers.Timeout,
			is:   context.DeadlineExceeded,
			msg:  "before the query deadline",
		},
		{
			name: "caller cancels",
			ctx: func(arrived chan struct{}) (context.Context, context.CancelFunc) {
				ctx, cancel := context.WithCancel(context.Background())
				go func() {
					select {
					case <-arrived:
						cancel()
					case <-ctx.Done():
					}
				}()
				return ctx, cancel
			},
			kind: providers.Canceled,
			is:   context.Canceled,
			msg:  "canceled",
		},
		{
			name: "HTTP client timeout",
			ctx: func(chan struct{}) (context.Context, context.CancelFunc) {
				return context.WithCancel(context.Background())
			},
			client: func(srv *httptest.Server) *http.Client {
				hc := srv.Client()
				hc.Timeout = 50 * time.Millisecond
				return hc
			},
			kind: providers.Timeout,
			msg:  "HTTP client timeout",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, arrived := blockingServer(t)
			hc := srv.Client()
			if tc.client != nil {
				hc = tc.client(srv)
			}
			c, err := New(Config{URL: srv.URL, HTTPClient: hc})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := tc.ctx(arrived)
			defer cancel()
			m, err := c.QueryRange(ctx, aRange)
			if m != nil {
				t.Errorf("got a matrix %v with the error", m)
			}
			var pe *providers.Error
			if !errors.As(err, &pe) || pe.Kind != tc.kind {
				t.Fatalf("error %v, want kind %s", err, tc.kind)
			}
			if !strings.Contains(pe.Msg, tc.msg) {
				t.Errorf("message %q does not say %q", pe.Msg, tc.msg)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v does not wrap %v", err, tc.is)
			}
		})
	}
}

func TestUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close() // Nothing listens on its address any more.
	c, err := New(Config{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.QueryRange(context.Background(), aRange)
	var pe *providers.Error
	if !errors.As(err, &pe) || pe.Kind != providers.Unavailable {
		t.Fatalf("error %v, want kind unavailable", err)
	}
	if !strings.Contains(pe.Msg, "cannot reach Loki") {
		t.Errorf("message %q should say Loki cannot be reached", pe.Msg)
	}
}
