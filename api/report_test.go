package api

import (
	"encoding/json"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/api/wire"
	"github.com/canary-analyzer/canary-analyzer/engine"
	"github.com/canary-analyzer/canary-analyzer/providers"
	"github.com/canary-analyzer/canary-analyzer/report"
	"github.com/canary-analyzer/canary-analyzer/request"
)

// reportServer serves the API with its pages.
func reportServer(t *testing.T, j Judger, external string) *httptest.Server {
	t.Helper()
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	reports, err := report.New(report.Options{ExternalURL: external, Recent: 10}, "test")
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	sets := fakeRules{"http-service": {Name: "http-service", Revision: "7e72f1a1d5c7"}}
	New(Options{Judger: j, Rules: sets, Timeout: time.Second, Registry: reg, Gatherer: reg, Reports: reports}).Register(e)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return srv
}

// judged is a judgement whose window ends at a whole minute.
func judged() *wire.Response {
	end := time.Date(2026, 11, 25, 14, 5, 0, 0, time.UTC)
	return &wire.Response{
		Verdict: analysis.Failed, Reason: "critical metric latency was High, so the score is 0", RuleSet: "http-service",
		RuleSetRevision: "7e72f1a1d5c7",
		Summary:         wire.Summary{Verdict: analysis.Failed, Failed: []string{"latency"}, Reason: "critical metric latency was High, so the score is 0"},
		Target:          request.Target{Namespace: "shop", Rollout: "web", CanaryHash: "5f6b7c8d9e", StableHash: "7c9d5b6f4d"},
		Window:          wire.Window{Start: end.Add(-30 * time.Minute), End: end, Step: "1m"},
	}
}

// TestReportLinks: every judgement's summary links its report, whose path
// names the judged window's end and the rule set's revision; the link
// opens the report, which judges the same request again with its series.
func TestReportLinks(t *testing.T) {
	t.Parallel()
	const wantPath = "/report/namespace/shop/rollout/web/canaryHash/5f6b7c8d9e/stableHash/7c9d5b6f4d/ruleSet/http-service/end/2026-11-25T14:05:00Z/rev/7e72f1a1d5c7"
	for _, external := range []string{"", "https://canary.example.com/analyzer"} {
		t.Run("external URL "+external, func(t *testing.T) {
			t.Parallel()
			j := &fakeJudger{resp: judged()}
			srv := reportServer(t, j, external)
			// Argo asks without an end: the judge ends the window at "now".
			res := do(t, "GET", srv.URL+"/api/v1/judge?"+validQuery+"&rollout=web", "")
			var resp wire.Response
			if err := json.NewDecoder(res.Body).Decode(&resp); err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if resp.Summary.Report != external+wantPath {
				t.Fatalf("summary report %q, want %q", resp.Summary.Report, external+wantPath)
			}

			page := do(t, "GET", srv.URL+wantPath, "")
			body, _ := io.ReadAll(page.Body)
			page.Body.Close()
			if page.StatusCode != 200 || !strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") {
				t.Fatalf("report: %s %s\n%s", page.Status, page.Header.Get("Content-Type"), body)
			}
			if csp := page.Header.Get("Content-Security-Policy"); csp != report.ContentSecurityPolicy || !strings.Contains(csp, "default-src 'none'") {
				t.Errorf("Content-Security-Policy %q", csp)
			}
			if !strings.Contains(string(body), "critical metric latency was High") {
				t.Errorf("the report lacks the reason:\n%s", body)
			}
			want := request.Request{Target: resp.Target, RuleSet: "http-service", End: resp.Window.End, Series: true}
			if j.got.Target != want.Target || !j.got.End.Equal(want.End) || !j.got.Series || j.got.RuleSet != want.RuleSet {
				t.Errorf("the report judged %+v, want %+v", j.got, want)
			}

			index := do(t, "GET", srv.URL+"/", "")
			body, _ = io.ReadAll(index.Body)
			index.Body.Close()
			if index.StatusCode != 200 || !strings.Contains(string(body), `href="`+external+wantPath+`"`) {
				t.Errorf("index %s does not link the judgement:\n%s", index.Status, body)
			}
		})
	}
}

// TestReportErrors: a report that cannot be made is an HTML page with the
// status the JSON API gives the same error.
func TestReportErrors(t *testing.T) {
	t.Parallel()
	const ok = "/report/namespace/shop/canaryHash/5f6b7c8d9e/stableHash/7c9d5b6f4d/ruleSet/http-service"
	cases := []struct {
		name, path string
		err        error
		status     int
		says       string
	}{
		{"missing namespace", "/report/canaryHash/5f6b7c8d9e/stableHash/7c9d5b6f4d/ruleSet/http-service", nil, 400, "namespace is required"},
		{"no link", "/report/", nil, 400, "namespace is required"},
		{"a query string", ok + "?end=1", nil, 400, "takes no query string"},
		{"bad revision", ok + "/rev/xyz", nil, 400, "not a rule-set revision"},
		{"hostile hash", "/report/namespace/shop/canaryHash/%3Cscript%3E/stableHash/b/ruleSet/r", nil, 400, "&lt;script&gt;"},
		{"unknown rule set", ok, &engine.InputError{Field: "ruleSet", Msg: "no rule set named \"http-service\"", NotFound: true}, 404, "no rule set named"},
		{"backend down", ok, &providers.Error{Backend: providers.TypePrometheus, Kind: providers.Unavailable, Msg: "connection refused"}, 503, "connection refused"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := reportServer(t, &fakeJudger{resp: judged(), err: c.err}, "")
			res := do(t, "GET", srv.URL+c.path, "")
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != c.status || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
				t.Errorf("status %d (%s), want %d as HTML", res.StatusCode, res.Header.Get("Content-Type"), c.status)
			}
			if !strings.Contains(string(body), c.says) || strings.Contains(string(body), "<script>") {
				t.Errorf("the page does not say %q, escaped:\n%s", c.says, body)
			}
		})
	}
}
