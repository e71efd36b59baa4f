package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/api/wire"
	"github.com/canary-analyzer/canary-analyzer/engine"
	"github.com/canary-analyzer/canary-analyzer/providers"
	"github.com/canary-analyzer/canary-analyzer/request"
	"github.com/canary-analyzer/canary-analyzer/rules"
)

// fakeJudger records the request and answers with resp or err.
type fakeJudger struct {
	got  request.Request
	resp *wire.Response
	err  error
}

func (f *fakeJudger) Judge(_ context.Context, req request.Request) (*wire.Response, error) {
	f.got = req
	return f.resp, f.err
}

type fakeRules map[string]*rules.RuleSet

func (f fakeRules) RuleSets() map[string]*rules.RuleSet { return f }

func newTestServer(t *testing.T, j Judger, r RuleLister, reload func() error) *httptest.Server {
	t.Helper()
	return serveAPI(t, Options{Judger: j, Rules: r, Reload: reload, EnableLifecycle: true})
}

// serveAPI serves the API with o (a one-second timeout and fresh metrics
// unless set) until the test ends.
func serveAPI(t *testing.T, o Options) *httptest.Server {
	t.Helper()
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	reg := prometheus.NewRegistry()
	if o.Timeout == 0 {
		o.Timeout = time.Second
	}
	o.Registry, o.Gatherer = reg, reg
	if o.Rules == nil {
		o.Rules = fakeRules{}
	}
	New(o).Register(e)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return srv
}

var okResponse = &wire.Response{Verdict: analysis.Successful, Score: 100, RuleSet: "http-service",
	Summary: wire.Summary{Verdict: analysis.Successful, Score: 100, Failed: []string{}}}

const validQuery = "namespace=shop&canaryHash=5f6b7c8d9e&stableHash=7c9d5b6f4d&ruleSet=http-service"

func TestJudgeRequests(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, method, query, body string
		contentType               string // "" application/json, "-" none
		status                    int
		errorType, field          string
	}{
		{name: "GET ok", method: "GET", query: validQuery + "&rollout=web&lookback=15m&end=2026-11-25T14:05:00Z", status: 200},
		{name: "GET unix end", method: "GET", query: validQuery + "&end=1795634220.5", status: 200},
		{name: "POST ok", method: "POST", body: `{"namespace":"shop","canaryHash":"5f6b7c8d9e","stableHash":"7c9d5b6f4d","ruleSet":"http-service","rollout":"web"}`, status: 200},
		{name: "missing namespace", method: "GET", query: "canaryHash=a&stableHash=b&ruleSet=r", status: 400, errorType: "bad_data", field: "namespace"},
		{name: "missing canary", method: "GET", query: "namespace=shop&stableHash=b&ruleSet=r", status: 400, errorType: "bad_data", field: "canaryHash"},
		{name: "missing rule set", method: "GET", query: "namespace=shop&canaryHash=a&stableHash=b", status: 400, errorType: "bad_data", field: "ruleSet"},
		{name: "namespace with quote", method: "GET", query: `namespace=shop"}&canaryHash=a&stableHash=b&ruleSet=r`, status: 400, errorType: "bad_data", field: "namespace"},
		{name: "upper-case hash", method: "GET", query: "namespace=shop&canaryHash=ABC&stableHash=b&ruleSet=r", status: 400, errorType: "bad_data", field: "canaryHash"},
		{name: "regex in hash", method: "GET", query: "namespace=shop&canaryHash=.*&stableHash=b&ruleSet=r", status: 400, errorType: "bad_data", field: "canaryHash"},
		{name: "namespace too long", method: "GET", query: "namespace=" + strings.Repeat("a", 64) + "&canaryHash=a&stableHash=b&ruleSet=r", status: 400, errorType: "bad_data", field: "namespace"},
		{name: "bad rollout", method: "GET", query: validQuery + "&rollout=web_1", status: 400, errorType: "bad_data", field: "rollout"},
		{name: "same hashes", method: "GET", query: "namespace=shop&canaryHash=a&stableHash=a&ruleSet=r", status: 400, errorType: "bad_data", field: "stableHash"},
		{name: "bad lookback", method: "GET", query: validQuery + "&lookback=ten", status: 400, errorType: "bad_data", field: "lookback"},
		{name: "negative lookback", method: "GET", query: validQuery + "&lookback=-5m", status: 400, errorType: "bad_data", field: "lookback"},
		{name: "bad end", method: "GET", query: validQuery + "&end=yesterday", status: 400, errorType: "bad_data", field: "end"},
		{name: "unknown parameter", method: "GET", query: validQuery + "&canary=x", status: 400, errorType: "bad_data", field: "canary"},
		{name: "repeated parameter", method: "GET", query: validQuery + "&namespace=other", status: 400, errorType: "bad_data", field: "namespace"},
		{name: "POST malformed", method: "POST", body: `{"namespace":`, status: 400, errorType: "bad_data", field: "body"},
		{name: "POST unknown key", method: "POST", body: `{"namespace":"shop","canary":"x"}`, status: 400, errorType: "bad_data", field: "canary"},
		{name: "POST empty", method: "POST", contentType: "application/json", body: ``, status: 400, errorType: "bad_data", field: "body"},
		{name: "POST null", method: "POST", body: `null`, status: 400, errorType: "bad_data", field: "body"},
		{name: "POST array", method: "POST", body: `[]`, status: 400, errorType: "bad_data", field: "body"},
		{name: "POST two values", method: "POST", body: `{"namespace":"shop"} {}`, status: 400, errorType: "bad_data", field: "body"},
		{name: "POST with query", method: "POST", query: validQuery, body: `{}`, status: 400, errorType: "bad_data", field: "query"},
		{name: "POST too large", method: "POST", body: `{"namespace":"` + strings.Repeat("a", maxBodyBytes) + `"}`, status: 400, errorType: "bad_data", field: "body"},
		{name: "PUT", method: "PUT", query: validQuery, status: 405, errorType: "bad_data"},
		// Issue 12, section 4: malformed input is an error, never a default.
		{name: "semicolon in a pair", method: "GET", query: validQuery + "&end=2026-11-25T14:05:00Z;x", status: 400, errorType: "bad_data", field: "end"},
		{name: "semicolon as separator", method: "GET", query: validQuery + ";end=2026-11-25T14:05:00Z", status: 400, errorType: "bad_data", field: "ruleSet"},
		{name: "bad percent escape", method: "GET", query: validQuery + "&end=%zz", status: 400, errorType: "bad_data", field: "end"},
		{name: "bad percent escape in a key", method: "GET", query: validQuery + "&e%zznd=1", status: 400, errorType: "bad_data", field: "query"},
		{name: "end at year 1", method: "GET", query: validQuery + "&end=0001-01-01T00:00:00Z", status: 400, errorType: "bad_data", field: "end"},
		{name: "end at year 0", method: "GET", query: validQuery + "&end=0000-01-01T00:00:00Z", status: 400, errorType: "bad_data", field: "end"},
		{name: "end of 23 digits", method: "GET", query: validQuery + "&end=12345678901234567890123", status: 400, errorType: "bad_data", field: "end"},
		{name: "end before 2000", method: "GET", query: validQuery + "&end=1999-12-31T23:59:59Z", status: 400, errorType: "bad_data", field: "end"},
		{name: "hash with a dash", method: "GET", query: "namespace=shop&canaryHash=5f6b-7c8d&stableHash=7c9d5b6f4d&ruleSet=r", status: 400, errorType: "bad_data", field: "canaryHash"},
		{name: "POST without Content-Type", method: "POST", contentType: "-", body: `{"namespace":"shop","canaryHash":"5f6b7c8d9e","stableHash":"7c9d5b6f4d","ruleSet":"http-service"}`, status: 400, errorType: "bad_data", field: "Content-Type"},
		{name: "POST as text/plain", method: "POST", contentType: "text/plain", body: `{"namespace":"shop","canaryHash":"5f6b7c8d9e","stableHash":"7c9d5b6f4d","ruleSet":"http-service"}`, status: 400, errorType: "bad_data", field: "Content-Type"},
		{name: "POST with a charset", method: "POST", contentType: "application/json; charset=utf-8", body: `{"namespace":"shop","canaryHash":"5f6b7c8d9e","stableHash":"7c9d5b6f4d","ruleSet":"http-service"}`, status: 200},
		{name: "POST duplicate key", method: "POST", body: `{"namespace":"shop","canaryHash":"5f6b7c8d9e","stableHash":"7c9d5b6f4d","ruleSet":"http-service","namespace":"other"}`, status: 400, errorType: "bad_data", field: "namespace"},
		{name: "POST case-variant key", method: "POST", body: `{"Namespace":"shop","canaryHash":"5f6b7c8d9e","stableHash":"7c9d5b6f4d","ruleSet":"http-service"}`, status: 400, errorType: "bad_data", field: "Namespace"},
		{name: "POST end at year 1", method: "POST", body: `{"namespace":"shop","canaryHash":"5f6b7c8d9e","stableHash":"7c9d5b6f4d","ruleSet":"http-service","end":"0001-01-01T00:00:00Z"}`, status: 400, errorType: "bad_data", field: "end"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := newTestServer(t, &fakeJudger{resp: okResponse}, fakeRules{}, nil)
			res := doWith(t, c.method, srv.URL+"/api/v1/judge?"+c.query, c.contentType, c.body)
			checkResponse(t, res, c.status, c.errorType, c.field)
		})
	}
}

// TestUnencodableAnswer: a response that cannot be encoded as JSON is a 500
// JSON error, never a 200 with an empty body (issue 12, section 4).
func TestUnencodableAnswer(t *testing.T) {
	t.Parallel()
	resp := *okResponse
	resp.Window.End = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) // time.Time's JSON stops at year 9999
	srv := newTestServer(t, &fakeJudger{resp: &resp}, fakeRules{}, nil)
	checkResponse(t, do(t, "GET", srv.URL+"/api/v1/judge?"+validQuery, ""), 500, "internal", "")
}

// TestJudgeRequestValues checks what reaches the judge.
func TestJudgeRequestValues(t *testing.T) {
	t.Parallel()
	j := &fakeJudger{resp: okResponse}
	srv := newTestServer(t, j, fakeRules{}, nil)
	res := do(t, "GET", srv.URL+"/api/v1/judge?"+validQuery+"&rollout=web&lookback=1h30m&end=2026-11-25T14:05:00%2B01:00", "")
	checkResponse(t, res, 200, "", "")
	want := request.Request{
		Target:   request.Target{Namespace: "shop", Rollout: "web", CanaryHash: "5f6b7c8d9e", StableHash: "7c9d5b6f4d"},
		RuleSet:  "http-service",
		Lookback: 90 * time.Minute,
		End:      time.Date(2026, 11, 25, 13, 5, 0, 0, time.UTC),
	}
	if j.got.Target != want.Target || j.got.RuleSet != want.RuleSet || j.got.Lookback != want.Lookback || !j.got.End.Equal(want.End) {
		t.Errorf("judge got %+v, want %+v", j.got, want)
	}
}

// TestAPIStatusCodes maps every kind of failure of the judgement path to its
// status: never a 2xx.
func TestAPIStatusCodes(t *testing.T) {
	t.Parallel()
	provider := func(k providers.ErrorKind) error {
		return &engine.QueryError{RuleSet: "http-service", Metric: "latency-p95", Err: &providers.Error{Backend: "prometheus", Kind: k, Msg: "boom"}}
	}
	cases := []struct {
		name      string
		err       error
		status    int
		errorType string
		field     string
	}{
		{"unknown rule set", &engine.InputError{Field: "ruleSet", Msg: "no rule set", NotFound: true}, 404, "not_found", "ruleSet"},
		{"input", &engine.InputError{Field: "end", Msg: "in the future"}, 400, "bad_data", "end"},
		{"bad query", provider(providers.BadQuery), 422, "bad_query", ""},
		{"unavailable", provider(providers.Unavailable), 503, "unavailable", ""},
		{"auth", provider(providers.AuthRefused), 502, "backend_auth", ""},
		{"timeout", provider(providers.Timeout), 503, "timeout", ""},
		{"canceled", provider(providers.Canceled), 499, "canceled", ""},
		{"config", &engine.ConfigError{Msg: "source loki is not configured"}, 500, "internal", ""},
		{"anything else", errors.New("surprise"), 500, "internal", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := newTestServer(t, &fakeJudger{err: c.err}, fakeRules{}, nil)
			res := do(t, "GET", srv.URL+"/api/v1/judge?"+validQuery, "")
			body := checkResponse(t, res, c.status, c.errorType, c.field)
			if !strings.Contains(body.Error, c.err.Error()) {
				t.Errorf("error %q does not carry %q", body.Error, c.err.Error())
			}
		})
	}
}

func TestOtherEndpoints(t *testing.T) {
	t.Parallel()
	rs := &rules.RuleSet{Name: "http-service", File: "x.yaml", Judge: rules.JudgeCanary, Metrics: []rules.Metric{{Name: "a"}, {Name: "b"}}}
	t.Run("rule sets", func(t *testing.T) {
		srv := newTestServer(t, &fakeJudger{}, fakeRules{"http-service": rs}, nil)
		res := do(t, "GET", srv.URL+"/api/v1/rulesets", "")
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 || !strings.Contains(string(b), `"metrics":["a","b"]`) {
			t.Errorf("%d %s", res.StatusCode, b)
		}
	})

	t.Run("unknown path is JSON", func(t *testing.T) {
		srv := newTestServer(t, &fakeJudger{}, fakeRules{}, nil)
		checkResponse(t, do(t, "GET", srv.URL+"/api/v1/judgement", ""), 404, "not_found", "")
	})
	t.Run("metrics", func(t *testing.T) {
		resp := *okResponse
		resp.Environment = "live"
		resp.Metrics = []wire.MetricResult{{Name: "latency", Classification: analysis.High}}
		srv := newTestServer(t, &fakeJudger{resp: &resp}, fakeRules{}, nil)
		do(t, "GET", srv.URL+"/api/v1/judge?"+validQuery, "")
		res := do(t, "GET", srv.URL+"/metrics", "")
		b, _ := io.ReadAll(res.Body)
		for _, want := range []string{
			`analyzer_judgements_total{environment="live",rule_set="http-service",verdict="Successful"} 1`,
			`analyzer_metric_classifications_total{classification="High",environment="live",metric="latency",rule_set="http-service"} 1`,
		} {
			if !strings.Contains(string(b), want) {
				t.Errorf("metrics lack %s:\n%s", want, b)
			}
		}
	})
}

func do(t *testing.T, method, url, body string) *http.Response {
	t.Helper()
	return doWith(t, method, url, "", body)
}

// doWith sends body with the given Content-Type: "" is application/json
// when there is a body, "-" sends none.
func doWith(t *testing.T, method, url, contentType, body string) *http.Response {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case contentType == "-":
	case contentType != "":
		req.Header.Set("Content-Type", contentType)
	case body != "":
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	return res
}

// checkResponse checks the status, that the body is a JSON object, and for
// errors the type and field.
func checkResponse(t *testing.T, res *http.Response, status int, errorType, field string) errorBody {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != status {
		t.Errorf("status %d, want %d: %s", res.StatusCode, status, b)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q", ct)
	}
	var obj map[string]any
	if err := json.Unmarshal(b, &obj); err != nil || obj == nil {
		t.Fatalf("body is not a JSON object: %s", b)
	}
	var e errorBody
	_ = json.Unmarshal(b, &e)
	if errorType != "" {
		if e.Status != "error" || string(e.ErrorType) != errorType || e.Field != field || e.Error == "" {
			t.Errorf("error body %s, want type %s field %q", b, errorType, field)
		}
	}
	if status == 200 && res.Request.URL.Path == request.Path {
		if v, _ := obj["verdict"].(string); v == "" {
			t.Errorf("200 without a verdict: %s", b)
		}
	}
	return e
}

// TestJudgedLog: the "judged" line says what was judged and why (issue 13,
// section 4): rollout, both hashes, the window's end, the reason and the
// failing metrics.
func TestJudgedLog(t *testing.T) {
	t.Parallel()
	core, logs := observer.New(zap.InfoLevel)
	end := time.Date(2026, 11, 25, 14, 5, 0, 0, time.UTC)
	resp := &wire.Response{Verdict: analysis.Failed, Score: 0, RuleSet: "http-service", Reason: "critical metric latency was High, so the score is 0",
		Summary: wire.Summary{Verdict: analysis.Failed, Failed: []string{"latency", "error-ratio"}},
		Window:  wire.Window{Start: end.Add(-30 * time.Minute), End: end, Step: "1m"}}
	srv := serveAPI(t, Options{Judger: &fakeJudger{resp: resp}, Logger: zap.New(core)})
	checkResponse(t, do(t, "GET", srv.URL+"/api/v1/judge?"+validQuery+"&rollout=web", ""), 200, "", "")
	lines := logs.FilterMessage("judged").All()
	if len(lines) != 1 {
		t.Fatalf("%d judged lines", len(lines))
	}
	got := lines[0].ContextMap()
	want := map[string]any{
		"verdict": "Failed", "ruleSet": "http-service", "namespace": "shop", "rollout": "web",
		"canaryHash": "5f6b7c8d9e", "stableHash": "7c9d5b6f4d", "end": end, "reason": resp.Reason,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if failed, _ := got["failed"].([]any); len(failed) != 2 || failed[0] != "latency" || failed[1] != "error-ratio" {
		t.Errorf("failed = %v", got["failed"])
	}
}

func TestReadyz(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		rules  RuleLister
		ready  func() error
		status int
		reason string
	}{
		{"no rules yet", fakeRules(nil), nil, 503, "no rules loaded yet"},
		{"rules", fakeRules{}, nil, 200, ""},
		{"rules, ready", fakeRules{}, func() error { return nil }, 200, ""},
		{"stale rules", fakeRules{}, func() error { return errors.New("rules are stale: x.yaml:3: bad") }, 503, "rules are stale: x.yaml:3: bad"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := serveAPI(t, Options{Judger: &fakeJudger{}, Rules: c.rules, Ready: c.ready})
			res := do(t, "GET", srv.URL+"/readyz", "")
			var body struct{ Status, Reason string }
			if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != c.status || body.Reason != c.reason {
				t.Errorf("%d %+v", res.StatusCode, body)
			}
		})
	}
}
