package app

import (
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/internal/hostile"
	"github.com/canary-analyzer/canary-analyzer/providers"
)

// faultTimeout is the service's --query.timeout in TestBackendFaults: 2 s
// keeps the slow cases short; -fault.timeout=8s measures them within the
// shipped budget.
var faultTimeout = flag.Duration("fault.timeout", 2*time.Second, "query timeout of TestBackendFaults")

// faultCase is one way the backend misbehaves and what the service must
// answer: a status and errorType for an error, or 200 with the verdict
// Inconclusive.
type faultCase struct {
	answer    hostile.Answer
	status    int
	errorType string // "" for a 200
	// orTimeout also accepts 503 timeout: a huge answer read on a slow,
	// busy machine may reach the deadline first. Either way no verdict.
	orTimeout bool
}

// faultCases lists every hostile answer with the service's answer to it.
// The judge's policy on swapped hashes is not tested here (that is the
// judge's own suite and the e2e test).
func faultCases() []faultCase {
	var cases []faultCase
	for _, a := range hostile.BrokenMatrixAnswers {
		cases = append(cases, faultCase{a, http.StatusServiceUnavailable, "unavailable", false})
	}
	// Data that gives the judge nothing to compare the canary with: a
	// canary alone (no stable side), non-finite values, stable pods whose
	// values are not finite, no series at all. Each is 200 Inconclusive,
	// never Successful, never Failed (issue 12 item 3).
	noBaseline := append(append(hostile.OddButValidMatrixAnswers, hostile.SpecialValueAnswers...), hostile.WithoutBaselineAnswers...)
	for _, a := range noBaseline {
		cases = append(cases, faultCase{a, http.StatusOK, "", false})
	}
	byStatus := map[string]struct {
		status    int
		errorType string
	}{
		"400 Prometheus bad_data":    {422, "bad_query"},
		"400 Loki text":              {422, "bad_query"},
		"401 text":                   {502, "backend_auth"},
		"401 empty":                  {502, "backend_auth"},
		"403 text":                   {502, "backend_auth"},
		"404 text":                   {503, "unavailable"},
		"422 Prometheus execution":   {422, "bad_query"},
		"429 text":                   {503, "unavailable"},
		"500 Prometheus internal":    {503, "unavailable"},
		"500 huge text":              {503, "unavailable"},
		"500 huge JSON":              {503, "unavailable"},
		"502 proxy HTML":             {503, "unavailable"},
		"503 Prometheus unavailable": {503, "unavailable"},
		"503 Prometheus timeout":     {503, "timeout"},
		"503 empty":                  {503, "unavailable"},
		"504 proxy":                  {503, "unavailable"},
	}
	for _, a := range hostile.StatusAnswers {
		w := byStatus[a.Name]
		cases = append(cases, faultCase{a, w.status, w.errorType, false})
	}
	return append(cases,
		faultCase{hostile.Answer{Name: "100 MB matrix", Status: 200, ContentType: hostile.JSON, Size: 100 << 20}, 422, "bad_query", true},
		faultCase{hostile.Answer{Name: "4 MB matrix under the limit", Status: 200, ContentType: hostile.JSON, Size: 4 << 20}, 200, "", true},
		faultCase{hostile.Answer{Name: "trickling answer", Status: 200, ContentType: hostile.JSON, Trickle: 10 * time.Millisecond}, 503, "timeout", false},
		faultCase{hostile.Answer{Name: "no answer at all", Silent: true}, 503, "timeout", false},
	)
}

// TestBackendFaults runs a judgement of the shipped http-service rule set
// against a fake Prometheus that gives one hostile answer to every query,
// through the real service. Nothing may be 200 Successful, every error must
// have its status and errorType, and the service must stay up. The cases run
// one after the other, so that the time and the peak heap logged for each
// (run with -v) are its own:
//
//	go test -count=1 -run TestBackendFaults -v ./app/ -args -fault.timeout=8s
func TestBackendFaults(t *testing.T) {
	var current atomic.Pointer[hostile.Answer]
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hostile.Handler(*current.Load()).ServeHTTP(w, r)
	}))
	defer fake.Close()
	end := time.Unix(1795636020, 0)
	base := startService(t, Options{
		RulesDir:     "../deploy/base/rules",
		Prometheus:   providers.ClientOptions{URL: fake.URL},
		QueryTimeout: *faultTimeout,
		Now:          func() time.Time { return end },
	})
	params := url.Values{"namespace": {"shop"}, "rollout": {"web"}, "canaryHash": {"5f6b7c8d9e"},
		"stableHash": {"7c9d5b6f4d"}, "ruleSet": {"http-service"}}

	for _, c := range faultCases() {
		t.Run(c.answer.Name, func(t *testing.T) {
			current.Store(&c.answer)
			var (
				status  int
				body    []byte
				elapsed time.Duration
			)
			peak := hostile.PeakHeap(func() {
				start := time.Now()
				status, body = call(t, "GET", base, params)
				elapsed = time.Since(start)
			})
			// The answer's errorType, or its verdict for a 200.
			var answer struct{ Status, ErrorType, Error, Verdict, Reason string }
			if err := json.Unmarshal(body, &answer); err != nil {
				t.Fatalf("the answer is not JSON: %v: %.300s", err, body)
			}
			t.Logf("fault %-38q %d %-13s %6.0f ms  peak heap +%5.1f MiB", c.answer.Name, status,
				answer.ErrorType+answer.Verdict, float64(elapsed.Microseconds())/1000, float64(peak)/(1<<20))
			wantType := c.errorType
			if c.orTimeout && status == http.StatusServiceUnavailable {
				wantType = "timeout"
			} else if status != c.status {
				t.Errorf("status %d, want %d: %.300s", status, c.status, body)
			}
			if status == http.StatusOK {
				// No answer of this fake Prometheus has a canary and a
				// stable pod with finite data: nothing is compared.
				if answer.Verdict != string(analysis.Inconclusive) || answer.Reason == "" {
					t.Errorf("verdict %q (%s), want Inconclusive with a reason", answer.Verdict, answer.Reason)
				}
			} else {
				if answer.Status != "error" || answer.ErrorType != wantType || answer.Error == "" {
					t.Errorf("error %s %q: %s, want errorType %q", answer.Status, answer.ErrorType, answer.Error, wantType)
				}
				if len(answer.Error) > 4096 {
					t.Errorf("the error message is %d bytes long", len(answer.Error))
				}
			}
			if res, err := http.Get(base + "/healthz"); err != nil || res.StatusCode != http.StatusOK {
				t.Fatalf("the service did not survive: %v", err)
			} else {
				_ = res.Body.Close()
			}
		})
	}
}
