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

	"github.com/canary-analyzer/canary-analyzer/providers"
	"github.com/canary-analyzer/canary-analyzer/rules"
	"github.com/canary-analyzer/canary-analyzer/verdict"
)

// fakeJudger records the request and answers with resp or err.
type fakeJudger struct {
	got  verdict.Request
	resp *verdict.Response
	err  error
}

func (f *fakeJudger) Judge(_ context.Context, req verdict.Request) (*verdict.Response, error) {
	f.got = req
	return f.resp, f.err
}

type fakeRules map[string]*rules.RuleSet

func (f fakeRules) RuleSets() map[string]*rules.RuleSet { return f }

func newTestServer(t *testing.T, j Judger, r RuleLister, reload func() error) *httptest.Server {
	t.Helper()
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	reg := prometheus.NewRegistry()
	New(Options{Judger: j, Rules: r, Reload: reload, Timeout: time.Second, Registry: reg, Gatherer: reg}).Register(e)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return srv
}

var okResponse = &verdict.Response{Verdict: verdict.Successful, Score: 100, RuleSet: "http-service",
	Summary: verdict.Summary{Verdict: verdict.Successful, Score: 100, Failed: []string{}}}

const validQuery = "namespace=shop&canaryHash=5f6b7c8d9e&stableHash=7c9d5b6f4d&ruleSet=http-service"

func TestJudgeRequests(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, method, query, body string
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
		{name: "POST unknown key", method: "POST", body: `{"namespace":"shop","canary":"x"}`, status: 400, errorType: "bad_data", field: "body"},
		{name: "POST empty", method: "POST", body: ``, status: 400, errorType: "bad_data", field: "body"},
		{name: "POST null", method: "POST", body: `null`, status: 400, errorType: "bad_data", field: "namespace"},
		{name: "POST array", method: "POST", body: `[]`, status: 400, errorType: "bad_data", field: "body"},
		{name: "POST two values", method: "POST", body: `{"namespace":"shop"} {}`, status: 400, errorType: "bad_data", field: "body"},
		{name: "POST with query", method: "POST", query: validQuery, body: `{}`, status: 400, errorType: "bad_data", field: "query"},
		{name: "POST too large", method: "POST", body: `{"namespace":"` + strings.Repeat("a", maxBodyBytes) + `"}`, status: 400, errorType: "bad_data", field: "body"},
		{name: "PUT", method: "PUT", query: validQuery, status: 405, errorType: "bad_data"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := newTestServer(t, &fakeJudger{resp: okResponse}, fakeRules{}, nil)
			res := do(t, c.method, srv.URL+"/api/v1/judge?"+c.query, c.body)
			checkResponse(t, res, c.status, c.errorType, c.field)
		})
	}
}

// TestJudgeRequestValues checks what reaches the judge.
func TestJudgeRequestValues(t *testing.T) {
	t.Parallel()
	j := &fakeJudger{resp: okResponse}
	srv := newTestServer(t, j, fakeRules{}, nil)
	res := do(t, "GET", srv.URL+"/api/v1/judge?"+validQuery+"&rollout=web&lookback=1h30m&end=2026-11-25T14:05:00%2B01:00", "")
	checkResponse(t, res, 200, "", "")
	want := verdict.Request{
		Target:   rules.Target{Namespace: "shop", Rollout: "web", CanaryHash: "5f6b7c8d9e", StableHash: "7c9d5b6f4d"},
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
		return &verdict.QueryError{RuleSet: "http-service", Metric: "latency-p95", Err: &providers.Error{Backend: "prometheus", Kind: k, Msg: "boom"}}
	}
	cases := []struct {
		name      string
		err       error
		status    int
		errorType string
		field     string
	}{
		{"unknown rule set", &verdict.InputError{Field: "ruleSet", Msg: "no rule set", NotFound: true}, 404, "not_found", "ruleSet"},
		{"input", &verdict.InputError{Field: "end", Msg: "in the future"}, 400, "bad_data", "end"},
		{"bad query", provider(providers.BadQuery), 422, "bad_query", ""},
		{"unavailable", provider(providers.Unavailable), 503, "unavailable", ""},
		{"auth", provider(providers.AuthRefused), 503, "unavailable", ""},
		{"timeout", provider(providers.Timeout), 503, "timeout", ""},
		{"canceled", provider(providers.Canceled), 499, "canceled", ""},
		{"config", &verdict.ConfigError{Msg: "source loki is not configured"}, 500, "internal", ""},
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
	t.Run("readyz before rules", func(t *testing.T) {
		srv := newTestServer(t, &fakeJudger{}, fakeRules(nil), nil)
		if res := do(t, "GET", srv.URL+"/readyz", ""); res.StatusCode != 503 {
			t.Errorf("readyz %d", res.StatusCode)
		}
		if res := do(t, "GET", srv.URL+"/healthz", ""); res.StatusCode != 200 {
			t.Errorf("healthz %d", res.StatusCode)
		}
	})
	t.Run("readyz with rules", func(t *testing.T) {
		srv := newTestServer(t, &fakeJudger{}, fakeRules{"http-service": rs}, nil)
		if res := do(t, "GET", srv.URL+"/readyz", ""); res.StatusCode != 200 {
			t.Errorf("readyz %d", res.StatusCode)
		}
	})
	t.Run("reload error is a 500 with the error", func(t *testing.T) {
		srv := newTestServer(t, &fakeJudger{}, fakeRules{}, func() error { return errors.New("x.yaml:3: bad") })
		res := do(t, "POST", srv.URL+"/-/reload", "")
		body := checkResponse(t, res, 500, "internal", "")
		if body.Error != "x.yaml:3: bad" {
			t.Errorf("error %q", body.Error)
		}
	})
	t.Run("reload ok", func(t *testing.T) {
		srv := newTestServer(t, &fakeJudger{}, fakeRules{}, func() error { return nil })
		if res := do(t, "POST", srv.URL+"/-/reload", ""); res.StatusCode != 200 {
			t.Errorf("reload %d", res.StatusCode)
		}
	})
	t.Run("unknown path is JSON", func(t *testing.T) {
		srv := newTestServer(t, &fakeJudger{}, fakeRules{}, nil)
		checkResponse(t, do(t, "GET", srv.URL+"/api/v1/judgement", ""), 404, "not_found", "")
	})
	t.Run("metrics", func(t *testing.T) {
		j := &fakeJudger{resp: okResponse}
		srv := newTestServer(t, j, fakeRules{}, nil)
		do(t, "GET", srv.URL+"/api/v1/judge?"+validQuery, "")
		res := do(t, "GET", srv.URL+"/metrics", "")
		b, _ := io.ReadAll(res.Body)
		if !strings.Contains(string(b), `analyzer_judgements_total{rule_set="http-service",verdict="Successful"} 1`) {
			t.Errorf("metrics lack the judgement:\n%s", b)
		}
	})
}

func do(t *testing.T, method, url, body string) *http.Response {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
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
	if status == 200 {
		if v, _ := obj["verdict"].(string); v == "" {
			t.Errorf("200 without a verdict: %s", b)
		}
	}
	return e
}

func TestParseTime(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2026-11-25T14:05:00Z", time.Date(2026, 11, 25, 14, 5, 0, 0, time.UTC), true},
		{"1795634220", time.Unix(1795634220, 0), true},
		{"1795634220.25", time.Unix(1795634220, 250_000_000), true},
		{"1e9", time.Time{}, false},
		{"NaN", time.Time{}, false},
		{"-5", time.Time{}, false},
		{"14:05", time.Time{}, false},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := parseTime(c.in)
			if (err == nil) != c.ok || (c.ok && !got.Equal(c.want)) {
				t.Errorf("parseTime(%q) = %v, %v", c.in, got, err)
			}
		})
	}
}
