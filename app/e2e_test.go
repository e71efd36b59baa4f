package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/internal/promtest"
	"github.com/canary-analyzer/canary-analyzer/internal/scenario"
	"github.com/canary-analyzer/canary-analyzer/providers"
)

// TestEndToEnd runs the service on a real Prometheus loaded with a healthy
// and a regressed canary, and calls it as Argo Rollouts' web provider does.
func TestEndToEnd(t *testing.T) {
	var om bytes.Buffer
	healthy, regressed, err := scenario.WriteE2E(&om)
	if err != nil {
		t.Fatal(err)
	}
	prom := promtest.Start(t, &om)
	end := healthy.End.Truncate(time.Minute)
	base := startE2E(t, prom.URL, end)

	params := func(tr scenario.Truth) url.Values {
		return url.Values{"namespace": {tr.Namespace}, "canaryHash": {tr.CanaryHash}, "stableHash": {tr.StableHash},
			"ruleSet": {"http-service"}, "rollout": {tr.Rollout}}
	}

	t.Run("verdicts", func(t *testing.T) {
		cases := []struct {
			name    string
			method  string
			params  url.Values
			verdict analysis.Verdict
			failed  []string // metrics that must be among the failed ones
			reason  string   // a part of the reason, when set
		}{
			{"healthy GET", "GET", params(healthy), analysis.Successful, nil, ""},
			{"healthy POST", "POST", params(healthy), analysis.Successful, nil, ""},
			{"regressed GET", "GET", params(regressed), analysis.Failed, []string{"error-ratio", "latency"}, ""},
			{"regressed POST", "POST", params(regressed), analysis.Failed, []string{"error-ratio", "latency"}, ""},
			{"regressed without rollout name", "GET", withParams(params(regressed), "rollout", ""), analysis.Failed, []string{"error-ratio"}, ""},
			{"unknown canary hash", "GET", withParams(params(healthy), "canaryHash", "0000000000"), analysis.Inconclusive, nil, ""},
			{"canary one minute old", "GET", withParams(params(regressed), "end", healthy.CanaryStart.Add(time.Minute).Format(time.RFC3339)), analysis.Inconclusive, nil, ""},
			// Issue 12: a template wired the wrong way round gave Successful.
			{"regressed with the hashes swapped", "GET", withParams(params(regressed), "canaryHash", regressed.StableHash, "stableHash", regressed.CanaryHash),
				analysis.Inconclusive, nil, "hashes look swapped"},
			{"healthy with the hashes swapped", "POST", withParams(params(healthy), "canaryHash", healthy.StableHash, "stableHash", healthy.CanaryHash),
				analysis.Inconclusive, nil, "hashes look swapped"},
			// Issue 12 item 3: nothing to compare the canary with gave Failed.
			{"healthy with an unknown stable hash", "GET", withParams(params(healthy), "stableHash", "0000000000"), analysis.Inconclusive, nil,
				`no data for stable pods (pod=~"web-0000000000-[a-z0-9]+") in namespace e2e-healthy`},
			{"regressed with an unknown stable hash", "POST", withParams(params(regressed), "stableHash", "0000000000"), analysis.Inconclusive, nil,
				"is the stable hash (or ReplicaSet) right?"},
			{"healthy with a misspelt metric", "GET", withParams(params(healthy), "ruleSet", "http-service-misspelt"), analysis.Inconclusive, nil,
				"latency-p95 had no data from the stable pods"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				resp := judgeOK(t, c.method, base, c.params)
				if resp.Verdict != c.verdict || resp.Summary.Verdict != c.verdict {
					t.Errorf("verdict %s (summary %s), want %s; reason: %s", resp.Verdict, resp.Summary.Verdict, c.verdict, resp.Reason)
				}
				for _, f := range c.failed {
					if !contains(resp.Summary.Failed, f) {
						t.Errorf("failed %v lacks %s", resp.Summary.Failed, f)
					}
				}
				if !strings.Contains(resp.Reason, c.reason) {
					t.Errorf("reason %q does not say %q", resp.Reason, c.reason)
				}
				if resp.Verdict != analysis.Successful && resp.Reason == "" {
					t.Error("no reason given")
				}
				if len(resp.Metrics) != 7 {
					t.Errorf("%d metrics in the answer", len(resp.Metrics))
				}
				for _, m := range resp.Metrics {
					if m.Query == "" || m.Reason == "" || m.Classification == "" {
						t.Errorf("metric %s lacks query, reason or classification: %+v", m.Name, m)
					}
					if c.params.Get("ruleSet") == "http-service-misspelt" && m.Name == "latency-p95" {
						want := `no data for latency-p95 from either side in namespace e2e-healthy (canary pod=~"web-5f6b7c8d9e-[a-z0-9]+": no series; ` +
							`stable pod=~"web-7c9d5b6f4d-[a-z0-9]+": no series), so it can neither fail nor pass the canary`
						if m.Classification != analysis.NoData || !strings.HasPrefix(m.Reason, want) {
							t.Errorf("latency-p95: %s %q, want NoData %q", m.Classification, m.Reason, want)
						}
					}
				}
			})
		}
	})

	t.Run("bad input never reaches Prometheus", func(t *testing.T) {
		checkRefused(t, base, prom, []refusal{
			{"unknown rule set", withParams(params(healthy), "ruleSet", "nope"), 404, "ruleSet"},
			{"missing namespace", withParams(params(healthy), "namespace", ""), 400, "namespace"},
			{"injection in namespace", withParams(params(healthy), "namespace", `x"}) or vector(1`), 400, "namespace"},
			{"end in the future", withParams(params(healthy), "end", end.Add(time.Hour).Format(time.RFC3339)), 400, "end"},
			{"lookback too long", withParams(params(healthy), "lookback", "30d"), 400, "lookback"},
		})
	})

	t.Run("queries that reached Prometheus", func(t *testing.T) {
		var found bool
		for _, q := range prom.QueryLog() {
			if strings.Contains(q, `namespace="e2e-regressed"`) && strings.Contains(q, `pod=~"web-(?:5f6b7c8d9e|7c9d5b6f4d)-[a-z0-9]+"`) {
				found = true
			}
		}
		if !found {
			t.Errorf("no query with the expected matchers in %d logged queries", len(prom.QueryLog()))
		}
	})

	t.Run("Prometheus down is a 5xx JSON error", func(t *testing.T) {
		if err := prom.Stop(); err != nil {
			t.Fatal(err)
		}
		for _, method := range []string{"GET", "POST"} {
			status, body := call(t, method, base, params(healthy))
			checkError(t, status, body, http.StatusServiceUnavailable, "")
		}
	})
}

// e2eRules returns a rules directory with the shipped rule sets and
// http-service-misspelt: http-service with the histogram of latency-p95
// misspelt, so that its query finds nothing for either side.
func e2eRules(t *testing.T) string {
	t.Helper()
	dir := shippedRules(t)
	shipped := readShipped(t, "http-service.yaml")
	misspelt := strings.Replace(shipped, "name: http-service\n", "name: http-service-misspelt\n", 1)
	misspelt = strings.ReplaceAll(misspelt, "http_request_duration_seconds_bucket", "http_request_duraton_seconds_bucket")
	if !strings.Contains(misspelt, "name: http-service-misspelt") || !strings.Contains(misspelt, "duraton") {
		t.Fatal("http-service.yaml has changed: the misspelt copy needs a new edit")
	}
	writeRules(t, dir, "http-service-misspelt.yaml", misspelt)
	return dir
}

// startE2E runs the app with the end-to-end rules (e2eRules) on the
// Prometheus at promURL, its clock stopped at end.
func startE2E(t *testing.T, promURL string, end time.Time) string {
	t.Helper()
	return startService(t, Options{
		RulesDir:     e2eRules(t),
		Prometheus:   providers.ClientOptions{URL: promURL},
		QueryTimeout: 8 * time.Second,
		Now:          func() time.Time { return end },
	})
}

// startService runs the app on a free loopback port until the test ends.
func startService(t *testing.T, o Options) string {
	t.Helper()
	o.ListenAddress = "127.0.0.1:0"
	o.Logger = zaptest.NewLogger(t)
	listening := make(chan string, 1)
	o.Listening = listening
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, o) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	select {
	case addr := <-listening:
		return "http://" + addr
	case err := <-done:
		done <- err // for the cleanup, which waits for Run
		t.Fatalf("Run: %v", err)
	}
	return ""
}

// call asks the service as Argo's web provider would: GET with query
// parameters, or POST with a JSON body.
func call(t *testing.T, method, base string, p url.Values) (int, []byte) {
	t.Helper()
	var req *http.Request
	var err error
	if method == "GET" {
		req, err = http.NewRequest("GET", base+"/api/v1/judge?"+p.Encode(), nil)
	} else {
		m := map[string]string{}
		for k := range p {
			m[k] = p.Get(k)
		}
		b, _ := json.Marshal(m)
		req, err = http.NewRequest("POST", base+"/api/v1/judge", bytes.NewReader(b))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	res, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, body
}

// refusal is a request the service must refuse with status, naming field.
type refusal struct {
	name   string
	params url.Values
	status int
	field  string
}

// checkRefused sends each refusal by GET and by POST, checks the error,
// and that none of them sent a query to Prometheus.
func checkRefused(t *testing.T, base string, prom *promtest.Server, cases []refusal) {
	t.Helper()
	before := len(prom.QueryLog())
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, method := range []string{"GET", "POST"} {
				status, body := call(t, method, base, c.params)
				checkError(t, status, body, c.status, c.field)
			}
		})
	}
	if after := len(prom.QueryLog()); after != before {
		t.Errorf("bad requests ran %d queries", after-before)
	}
}

func checkError(t *testing.T, status int, body []byte, want int, field string) {
	t.Helper()
	if status != want {
		t.Errorf("status %d, want %d: %s", status, want, body)
	}
	var e struct {
		Status, ErrorType, Error, Field string
	}
	if err := json.Unmarshal(body, &e); err != nil || e.Status != "error" || e.Error == "" || e.Field != field {
		t.Errorf("not a JSON error naming field %q: %s", field, body)
	}
}

func contains(xs []string, x string) bool {
	for _, s := range xs {
		if s == x {
			return true
		}
	}
	return false
}
