package report_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
	"golang.org/x/net/html"

	"github.com/canary-analyzer/canary-analyzer/api/wire"
	"github.com/canary-analyzer/canary-analyzer/app"
	"github.com/canary-analyzer/canary-analyzer/demo"
	"github.com/canary-analyzer/canary-analyzer/internal/chromium"
	"github.com/canary-analyzer/canary-analyzer/providers"
	"github.com/canary-analyzer/canary-analyzer/report"
)

// EnvScreenshots names a directory for the screenshot TestReportInChromium
// takes (default: the test's temporary directory).
const EnvScreenshots = "REPORT_SCREENSHOTS"

// TestReportInChromium serves the demo through the real service, asks for
// both demo judgements as Argo does, follows each summary's report link in
// a headless Chromium and checks what it rendered: the verdict and reason
// at the top, a chart for every metric, no console message (no script
// error, nothing the Content-Security-Policy blocked), and no request but
// the page's own (no external asset). The index lists both judgements.
func TestReportInChromium(t *testing.T) {
	rec, err := demo.Load()
	if err != nil {
		t.Fatal(err)
	}
	core, logs := observer.New(zap.InfoLevel)
	base := serveDemo(t, rec, zap.New(core))

	type judged struct {
		name string
		resp wire.Response
	}
	var all []judged
	for _, c := range rec.Cases {
		var resp wire.Response
		getJSON(t, c.Request().URL(base), &resp)
		if !strings.HasPrefix(resp.Summary.Report, "/report/") || resp.Summary.Reason != resp.Reason {
			t.Fatalf("%s: summary %+v lacks the report link or the reason", c.Name, resp.Summary)
		}
		all = append(all, judged{c.Name, resp})
	}
	dir := os.Getenv(EnvScreenshots)
	if dir == "" {
		dir = t.TempDir()
	}
	for _, j := range all {
		t.Run(j.name, func(t *testing.T) {
			t.Parallel()
			url := base + j.resp.Summary.Report
			p := chromium.Load(t, url)
			if len(p.Console) > 0 {
				t.Errorf("console messages: %q", p.Console)
			}
			doc, err := html.Parse(strings.NewReader(p.DOM))
			if err != nil {
				t.Fatal(err)
			}
			if h1 := textOf(find(doc, "h1", "")); !strings.HasPrefix(h1, string(j.resp.Verdict)) {
				t.Errorf("heading %q, want the verdict %s", h1, j.resp.Verdict)
			}
			if r := textOf(find(doc, "p", "reason")); r != j.resp.Reason {
				t.Errorf("reason %q, want %q", r, j.resp.Reason)
			}
			charts := map[string]bool{}
			for _, n := range findAll(doc, "svg", "chart") {
				charts[attr(n, "data-metric")] = len(findAll(n, "path", "canary")) > 0 && len(findAll(n, "path", "stable")) > 0
			}
			for _, m := range j.resp.Metrics {
				if !charts[m.Name] {
					t.Errorf("no chart with the canary and the stable pods for metric %s", m.Name)
				}
			}
			if len(charts) != len(j.resp.Metrics) {
				t.Errorf("%d charts for %d metrics", len(charts), len(j.resp.Metrics))
			}
			if j.resp.Verdict == "Failed" {
				png := filepath.Join(dir, "report-"+j.name+".png")
				if msgs := chromium.Screenshot(t, url, png, 1100, 2600); len(msgs) > 0 {
					t.Errorf("console messages in the screenshot run: %q", msgs)
				}
				t.Logf("screenshot: %s", png)
			}
		})
	}
	t.Run("index", func(t *testing.T) {
		t.Parallel()
		p := chromium.Load(t, base+"/")
		if len(p.Console) > 0 {
			t.Errorf("console messages: %q", p.Console)
		}
		doc, err := html.Parse(strings.NewReader(p.DOM))
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range all {
			found := false
			for _, a := range findAll(find(doc, "table", "recent"), "a", "") {
				found = found || attr(a, "href") == j.resp.Summary.Report
			}
			if !found {
				t.Errorf("the index does not link the %s judgement's report", j.name)
			}
		}
		if find(doc, "section", "ruleset") == nil {
			t.Error("the index shows no rule set")
		}
	})
	t.Cleanup(func() {
		pages := 0
		for _, e := range logs.FilterMessage("request").All() {
			path, _ := e.ContextMap()["path"].(string)
			switch {
			case strings.HasPrefix(path, "/report/"), path == "/":
				pages++
			case path == "/api/v1/judge":
			default:
				t.Errorf("a request for %v: the pages must need nothing but themselves", path)
			}
		}
		if pages != 4 { // two reports, a screenshot, the index
			t.Errorf("%d page requests in the access log, want 4", pages)
		}
	})
}

// serveDemo runs the service on the demo recording, on a loopback port.
func serveDemo(t *testing.T, rec *demo.Recording, log *zap.Logger) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	listening := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- app.Run(ctx, app.Options{
			ListenAddress: "127.0.0.1:0", Listening: listening, Logger: log, QueryTimeout: 8 * time.Second,
			Backends: map[providers.Type]providers.MetricQuerier{providers.TypePrometheus: rec},
			Store:    demo.Store(prometheus.NewRegistry()),
			Now:      func() time.Time { return rec.End },
			Report:   reportOptions(),
		})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("service: %v", err)
		}
	})
	select {
	case addr := <-listening:
		return "http://" + addr
	case err := <-done:
		t.Fatalf("service: %v", err)
	}
	return ""
}

func getJSON(t *testing.T, url string, into any) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, res.Status)
	}
	if err := json.NewDecoder(res.Body).Decode(into); err != nil {
		t.Fatal(err)
	}
}

// find returns the first element named tag with class among its classes
// ("" for any), or nil.
func find(n *html.Node, tag, class string) *html.Node {
	if all := findAll(n, tag, class); len(all) > 0 {
		return all[0]
	}
	return nil
}

func findAll(n *html.Node, tag, class string) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == tag && (class == "" || hasClass(n, class)) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	if n != nil {
		walk(n)
	}
	return out
}

func hasClass(n *html.Node, class string) bool {
	for _, c := range strings.Fields(attr(n, "class")) {
		if c == class {
			return true
		}
	}
	return false
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func textOf(n *html.Node) string {
	if n == nil {
		return ""
	}
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.TrimSpace(b.String())
}

func reportOptions() report.Options {
	return report.Options{Recent: 10, PrometheusURL: "http://prometheus.example:9090"}
}
