package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/api/wire"
	"github.com/canary-analyzer/canary-analyzer/rules"
)

var update = flag.Bool("update", false, "rewrite the golden pages in testdata")

// TestGoldenPages renders a fixed judgement (testdata/judgement.json: the
// demo's regressed canary, asked with series=true) and the index that
// lists it, and compares them with the golden pages. The link names an
// older rule-set revision, so the page warns.
func TestGoldenPages(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("testdata/judgement.json")
	if err != nil {
		t.Fatal(err)
	}
	var resp wire.Response
	if err := json.Unmarshal(b, &resp); err != nil {
		t.Fatal(err)
	}
	r, err := New(Options{
		ExternalURL: "https://canary.example.com", PrometheusURL: "http://prometheus.example:9090",
		GrafanaURL: "https://grafana.example.com", GrafanaPrometheus: "prom-uid", Recent: 5, Environment: "live",
	}, "v1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	r.now = func() time.Time { return time.Date(2026, 11, 1, 12, 0, 5, 0, time.UTC) }
	link, err := ParseLink("namespace/e2e-regressed/rollout/web/canaryHash/5f6b7c8d9e/stableHash/7c9d5b6f4d/ruleSet/http-service/end/2026-11-01T12:00:00Z/rev/0123456789ab")
	if err != nil {
		t.Fatal(err)
	}
	rs := goldenRuleSet()
	r.Record(link.Request, &resp)

	var page, index bytes.Buffer
	if err := r.WritePage(&page, Page{Response: &resp, Link: link, RuleSet: rs}); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteIndex(&index, map[string]*rules.RuleSet{rs.Name: rs}); err != nil {
		t.Fatal(err)
	}
	checkHTML(t, "page", page.Bytes())
	checkHTML(t, "index", index.Bytes())
	golden(t, "report.golden.html", page.Bytes())
	golden(t, "index.golden.html", index.Bytes())
}

// goldenRuleSet is the part of http-service the pages read: units, kinds
// and bounds, and environments for the index.
func goldenRuleSet() *rules.RuleSet {
	f := func(v float64) *float64 { return &v }
	rs := &rules.RuleSet{
		Name: "http-service", Description: "Errors, latency and resources of an HTTP service.", File: "rules/http-service.yaml",
		Revision: "7e72f1a1d5c7", Thresholds: rules.Thresholds{Pass: 90, Marginal: 60},
		Metrics: []rules.Metric{
			{Name: "error-ratio", Kind: analysis.KindRatio, Numerator: "a", Denominator: "b", Max: f(0.05), Critical: true},
			{Name: "not-found-ratio", Kind: analysis.KindRatio, Numerator: "a", Denominator: "b"},
			{Name: "latency", Query: "q", Unit: "s", Critical: true},
			{Name: "latency-p95", Query: "q", Unit: "s", Max: f(1)},
			{Name: "cpu", Query: "q", Unit: "s", Load: "l"},
			{Name: "memory", Query: "q", Unit: "bytes"},
			{Name: "restarts", Kind: analysis.KindRate, Query: "q", Max: f(0)},
		},
		Environments: map[string]rules.Environment{
			"alpha": {Thresholds: &rules.Thresholds{Pass: 75, Marginal: 40}},
			"live":  {Alpha: f(0.005), Metrics: map[string]rules.MetricOverride{"error-ratio": {Max: f(0.02)}}},
		},
	}
	return rs.InEnvironment("live")
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run 'go test ./report -update' to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the rendered page; run 'go test ./report -update' if the change is meant, and look at the diff", path)
	}
}

// TestBothReferencesPage renders a both-references answer (the end-to-end
// test's golden answer: a canary worse than its baseline but like the
// stable pods): the page names the baseline and the stable pods and shows
// each judgement's verdict and reason above the baseline's metrics.
func TestBothReferencesPage(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "golden", "judge-both-references.json"))
	if err != nil {
		t.Fatal(err)
	}
	var resp wire.Response
	if err := json.Unmarshal(b, &resp); err != nil {
		t.Fatal(err)
	}
	r, err := New(Options{}, "v1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	link, err := ParseLink(strings.TrimPrefix(resp.Summary.Report, PagePath))
	if err != nil {
		t.Fatal(err)
	}
	var page bytes.Buffer
	if err := r.WritePage(&page, Page{Response: &resp, Link: link}); err != nil {
		t.Fatal(err)
	}
	checkHTML(t, "page", page.Bytes())
	html := page.String()
	for _, want := range []string{
		"<tr><th>Baseline</th><td>web-8b7c6d5f4-3-1-baseline (1 pods)</td></tr>",
		"<tr><th>Stable</th><td>7c9d5b6f4d (4 pods)</td></tr>",
		"<h2>Both references</h2>",
		`<tr><td>Against the baseline (web-8b7c6d5f4-3-1-baseline)</td><td><span class="badge failed">Failed</span></td><td>0</td><td>critical metric error-ratio was High`,
		`<tr><td>Against the stable pods (7c9d5b6f4d)</td><td><span class="badge successful">Successful</span></td><td>100</td><td>score 100.0 reaches the pass threshold`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if strings.Index(html, "<h2>Both references</h2>") > strings.Index(html, "<h2>Metrics</h2>") {
		t.Error("the references come after the metrics")
	}
}
