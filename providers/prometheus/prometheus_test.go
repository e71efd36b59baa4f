package prometheus

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/canary-analyzer/canary-analyzer/internal/hostile"
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
)

func query() providers.RangeQuery {
	end := time.Unix(1764072060, 0)
	return providers.RangeQuery{Expr: `sum by (pod) (rate(x[1m]))`, Start: end.Add(-time.Minute), End: end, Step: time.Minute}
}

// serveAnswer starts a fake Prometheus that gives a to every request, and a
// client for it.
func serveAnswer(t *testing.T, a hostile.Answer, o providers.ClientOptions) *Client {
	t.Helper()
	srv := httptest.NewServer(hostile.Handler(a))
	t.Cleanup(srv.Close)
	o.URL = srv.URL
	cl, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

// queryError runs the range query and returns its error as a
// *providers.Error, failing the test if there is none or a matrix came with
// it.
func queryError(t *testing.T, ctx context.Context, cl *Client) *providers.Error {
	t.Helper()
	m, err := cl.QueryRange(ctx, query())
	if m != nil {
		t.Errorf("a matrix came with the error: %v", m)
	}
	var pe *providers.Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T), want a *providers.Error", err, err)
	}
	if pe.Backend != Type {
		t.Errorf("backend %q, want %q", pe.Backend, Type)
	}
	return pe
}

// TestQueryRangeMatrix: a matrix decodes into series with their labels and
// points.
func TestQueryRangeMatrix(t *testing.T) {
	t.Parallel()
	cl := serveAnswer(t, hostile.Answer{Status: 200, ContentType: hostile.JSON, Body: matrixBody}, providers.ClientOptions{})
	m, err := cl.QueryRange(context.Background(), query())
	if err != nil {
		t.Fatal(err)
	}
	if len(m) != 2 || m[0].Metric["pod"] != "web-5f6b7c8d9e-abcde" || len(m[0].Values) != 2 ||
		m[0].Values[1].Value != 2 || m[0].Values[1].Timestamp != 1764072060000 {
		t.Errorf("matrix %v", m)
	}
}

// TestBrokenAnswers: every 200 answer that is not a well-formed matrix is
// an unavailable backend whose message says what was wrong; none panics.
func TestBrokenAnswers(t *testing.T) {
	t.Parallel()
	for _, a := range hostile.BrokenMatrixAnswers {
		t.Run(a.Name, func(t *testing.T) {
			t.Parallel()
			pe := queryError(t, context.Background(), serveAnswer(t, a, providers.ClientOptions{}))
			if pe.Kind != providers.Unavailable || !strings.Contains(pe.Msg, "broken answer from Prometheus: ") {
				t.Errorf("error %q of kind %s, want a broken answer (unavailable)", pe, pe.Kind)
			}
		})
	}
}

// TestOddButValidAnswers: member order, unknown members, spaces and escapes
// do not matter.
func TestOddButValidAnswers(t *testing.T) {
	t.Parallel()
	for _, a := range append(hostile.OddButValidMatrixAnswers, hostile.Answer{Name: "good", Status: 200, Body: hostile.GoodMatrix}) {
		t.Run(a.Name, func(t *testing.T) {
			t.Parallel()
			m, err := serveAnswer(t, a, providers.ClientOptions{}).QueryRange(context.Background(), query())
			if err != nil {
				t.Fatal(err)
			}
			if len(m) != 1 || m[0].Metric["pod"] != "web-5f6b7c8d9e-zzzzz" || len(m[0].Values) != 1 ||
				m[0].Values[0].Timestamp != 1795636020000 || m[0].Values[0].Value != 1 {
				t.Errorf("matrix %v", m)
			}
		})
	}
}

// TestStatusAnswers: each status maps to one error kind, with Prometheus'
// (or the proxy's) own message kept, cut when it is huge.
func TestStatusAnswers(t *testing.T) {
	t.Parallel()
	want := map[string]struct {
		kind providers.ErrorKind
		msg  string
	}{
		"400 Prometheus bad_data":    {providers.BadQuery, "parse error"},
		"400 Loki text":              {providers.BadQuery, "parse error at line 1"},
		"401 text":                   {providers.AuthRefused, "no org id"},
		"401 empty":                  {providers.AuthRefused, "Unauthorized"},
		"403 text":                   {providers.AuthRefused, "forbidden: tenant team-b"},
		"404 text":                   {providers.Unavailable, "check the Prometheus URL"},
		"422 Prometheus execution":   {providers.BadQuery, "too many samples"},
		"429 text":                   {providers.Unavailable, "too many outstanding requests"},
		"500 Prometheus internal":    {providers.Unavailable, "something broke"},
		"500 huge text":              {providers.Unavailable, "xxx... (5000000 bytes)"},
		"500 huge JSON":              {providers.Unavailable, "... (5000052 bytes)"},
		"502 proxy HTML":             {providers.Unavailable, "502 Bad Gateway"},
		"503 Prometheus unavailable": {providers.Unavailable, "TSDB not ready"},
		"503 Prometheus timeout":     {providers.Timeout, "timed out"},
		"503 empty":                  {providers.Unavailable, "Service Unavailable"},
		"504 proxy":                  {providers.Unavailable, "upstream request timeout"},
	}
	for _, a := range hostile.StatusAnswers {
		t.Run(a.Name, func(t *testing.T) {
			t.Parallel()
			w, ok := want[a.Name]
			if !ok {
				t.Fatalf("no expectation for %s", a.Name)
			}
			pe := queryError(t, context.Background(), serveAnswer(t, a, providers.ClientOptions{}))
			if pe.Kind != w.kind || pe.Status != a.Status || !strings.Contains(pe.Msg, w.msg) {
				t.Errorf("error %q of kind %s, want kind %s with %q", pe, pe.Kind, w.kind, w.msg)
			}
			if len(pe.Error()) > 1500 {
				t.Errorf("the error is %d bytes long", len(pe.Error()))
			}
		})
	}
}

// TestMethodFallback: a proxy that refuses POST gets the query as a GET.
func TestMethodFallback(t *testing.T) {
	t.Parallel()
	var methods []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		methods = append(methods, r.Method)
		if r.Method == http.MethodPost {
			http.Error(w, "POST not allowed", http.StatusMethodNotAllowed)
			return
		}
		if r.URL.Query().Get("query") != query().Expr {
			t.Errorf("GET query %q", r.URL.Query().Get("query"))
		}
		_, _ = w.Write([]byte(matrixBody))
	}))
	defer srv.Close()
	cl, err := New(providers.ClientOptions{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if m, err := cl.QueryRange(context.Background(), query()); err != nil || len(m) != 2 {
		t.Fatalf("QueryRange = %v, %v", m, err)
	}
	if len(methods) != 2 || methods[0] != "POST" || methods[1] != "GET" {
		t.Errorf("methods %v, want POST then GET", methods)
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
	// The caller goes away while Prometheus holds its request.
	arrived := make(chan struct{})
	held := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // read: the server then notices the caller leave
		close(arrived)
		<-r.Context().Done()
	}))
	defer held.Close()
	if cl, err = New(providers.ClientOptions{URL: held.URL}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel2 := context.WithCancel(context.Background())
	go func() { <-arrived; cancel2() }()
	_, err = cl.QueryRange(ctx, query())
	if !errors.As(err, &pe) || pe.Kind != providers.Canceled {
		t.Errorf("caller gone: %v, want canceled", err)
	}
}
