package prometheus

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/canary-analyzer/canary-analyzer/providers"
)

// The answers below follow the Prometheus HTTP API's documented envelope
// ({"status": ..., "data": ...} or {"status":"error","errorType":...,
// "error":...}) with the status codes Prometheus uses: 400 bad_data, 422
// execution, 503 unavailable, 200 success.
const (
	matrixBody = `{"status":"success","data":{"resultType":"matrix","result":[
		{"metric":{"pod":"web-5f6b7c8d9e-abcde"},"values":[[1764072000,"1.5"],[1764072060,"2"]]},
		{"metric":{"pod":"web-7c9d5b6f4d-fghij"},"values":[[1764072000,"0.5"]]}]}}`
	vectorBody   = `{"status":"success","data":{"resultType":"vector","result":[]}}`
	badDataBody  = `{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:5: parse error: unexpected \"}\""}`
	execBody     = `{"status":"error","errorType":"execution","error":"query processing would load too many samples into memory in query execution"}`
	timeoutBody  = `{"status":"error","errorType":"timeout","error":"query timed out in expression evaluation"}`
	unavailBody  = `{"status":"error","errorType":"unavailable","error":"TSDB not ready"}`
	internalBody = `{"status":"error","errorType":"internal","error":"something broke"}`
)

func query() providers.RangeQuery {
	end := time.Unix(1764072060, 0)
	return providers.RangeQuery{Expr: `sum by (pod) (rate(x[1m]))`, Start: end.Add(-time.Minute), End: end, Step: time.Minute}
}

// TestQueryRangeErrors: each kind of answer maps to one error kind, with
// Prometheus' own message kept, and a matrix decodes into series by pod.
func TestQueryRangeErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		status int
		body   string
		// kind is the expected error kind; "" means success.
		kind providers.ErrorKind
		msg  string
	}{
		{"matrix", 200, matrixBody, "", ""},
		{"vector instead of matrix", 200, vectorBody, providers.BadQuery, "not a range vector"},
		{"syntax error", 400, badDataBody, providers.BadQuery, "parse error"},
		{"too many samples", 422, execBody, providers.BadQuery, "too many samples"},
		{"query timeout", 503, timeoutBody, providers.Timeout, "timed out"},
		{"not ready", 503, unavailBody, providers.Unavailable, "TSDB not ready"},
		{"internal", 500, internalBody, providers.Unavailable, "something broke"},
		{"proxy 502 without JSON", 502, "<html>Bad Gateway</html>", providers.Unavailable, ""},
		{"unauthorized", 401, "Unauthorized\n", providers.AuthRefused, ""},
		{"forbidden", 403, "no access to tenant\n", providers.AuthRefused, ""},
		{"not JSON", 200, "hello", providers.Unavailable, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(c.status)
				_, _ = w.Write([]byte(c.body))
			}))
			defer srv.Close()
			cl, err := New(providers.ClientOptions{URL: srv.URL})
			if err != nil {
				t.Fatal(err)
			}
			m, err := cl.QueryRange(context.Background(), query())
			if c.kind == "" {
				if err != nil {
					t.Fatal(err)
				}
				if len(m) != 2 || m[0].Metric["pod"] != "web-5f6b7c8d9e-abcde" || len(m[0].Values) != 2 || m[0].Values[1].Value != 2 {
					t.Errorf("matrix %v", m)
				}
				return
			}
			var pe *providers.Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T), want a *providers.Error", err, err)
			}
			if pe.Kind != c.kind || pe.Backend != Type || !strings.Contains(pe.Error(), c.msg) {
				t.Errorf("error %q of kind %s, want kind %s with %q", pe.Error(), pe.Kind, c.kind, c.msg)
			}
		})
	}
}

// TestQueryRangeRequest: the request carries the query, range and step,
// the context's deadline as whole seconds of timeout, the bearer token read
// from its file and the tenant header.
func TestQueryRangeRequest(t *testing.T) {
	t.Parallel()
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var got *http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Error(err)
		}
		got = r
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(matrixBody))
	}))
	defer srv.Close()
	cl, err := New(providers.ClientOptions{URL: srv.URL + "/prefix", BearerTokenFile: tokenFile, Tenant: "team-a"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 7500*time.Millisecond)
	defer cancel()
	q := query()
	if _, err := cl.QueryRange(ctx, q); err != nil {
		t.Fatal(err)
	}
	checks := map[string][2]string{
		"path":    {got.URL.Path, "/prefix/api/v1/query_range"},
		"query":   {got.Form.Get("query"), q.Expr},
		"start":   {got.Form.Get("start"), "1764072000"},
		"end":     {got.Form.Get("end"), "1764072060"},
		"step":    {got.Form.Get("step"), "60"},
		"timeout": {got.Form.Get("timeout"), "7s"},
		"auth":    {got.Header.Get("Authorization"), "Bearer s3cret"},
		"tenant":  {got.Header.Get(providers.TenantHeader), "team-a"},
	}
	for name, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s: %q, want %q", name, c[0], c[1])
		}
	}
}

// TestQueryRangeUnreachable: a refused connection is unavailable, a
// deadline that passes while Prometheus is slow is a timeout, a caller
// that goes away is canceled.
func TestQueryRangeUnreachable(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	cl, err := New(providers.ClientOptions{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	_, err = cl.QueryRange(context.Background(), query())
	var pe *providers.Error
	if !errors.As(err, &pe) || pe.Kind != providers.Unavailable {
		t.Errorf("refused connection: %v, want unavailable", err)
	}

	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(release)
	cl, err = New(providers.ClientOptions{URL: slow.URL})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = cl.QueryRange(ctx, query())
	if !errors.As(err, &pe) || pe.Kind != providers.Timeout {
		t.Errorf("slow Prometheus: %v, want timeout", err)
	}
	ctx, cancel2 := context.WithCancel(context.Background())
	go func() { time.Sleep(20 * time.Millisecond); cancel2() }()
	_, err = cl.QueryRange(ctx, query())
	if !errors.As(err, &pe) || pe.Kind != providers.Canceled {
		t.Errorf("caller gone: %v, want canceled", err)
	}
}
