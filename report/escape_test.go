package report

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/api/wire"
	"github.com/canary-analyzer/canary-analyzer/request"
	"github.com/canary-analyzer/canary-analyzer/rules"
)

// hostile values, each as it could arrive: pod names and log lines from
// the backends, reasons that quote them, queries and names from rule
// files.
var hostile = []string{
	`<script>alert(1)</script>`,
	`"><img src=x onerror=alert(2)>`,
	`'><svg onload=alert(3)>`,
	`</pre><iframe src="javascript:alert(4)"></iframe>`,
	`javascript:alert(5)`,
	"{{.Secret}}</title><base href=//evil.example/>",
}

// hostileResponse is a judgement whose every free-text field carries
// hostile value k.
func hostileResponse(k int) *wire.Response {
	h := hostile[k]
	end := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	start := end.Add(-30 * time.Minute)
	warm := end.Add(-10 * time.Minute)
	pts := func(pod string) wire.PodSeries {
		return wire.PodSeries{Pod: pod, T: []int64{start.UnixMilli(), end.UnixMilli()}, V: []wire.Float{1, 2}}
	}
	nan := wire.Float(math.NaN())
	return &wire.Response{
		Verdict: analysis.Failed, Reason: "reason " + h,
		RuleSet: "r", RuleSetRevision: "abc", Judge: "canary", Environment: h,
		Target: request.Target{Namespace: "shop", Rollout: "web", CanaryHash: "aaa", StableHash: "bbb"},
		Window: wire.Window{Start: start, End: end, Step: "1m"},
		Canary: wire.Pods{Pods: []string{"web-aaa-" + h}, Age: "10m"},
		Stable: wire.Pods{Pods: []string{"web-bbb-" + h}},
		Looks:  []time.Time{warm},
		Metrics: []wire.MetricResult{{
			Name: "m" + h, Classification: analysis.High, Reason: "metric reason " + h, Test: h,
			PValue: 0.001, Estimate: nan, Effect: wire.Effect{MeanRatio: nan, CLES: nan},
			Canary:    wire.SideStats{Mean: nan, Median: 2, Min: nan, Max: nan, Count: 2, Pods: 1},
			Stable:    wire.SideStats{Mean: nan, Median: 1, Min: nan, Max: nan, Count: 2, Pods: 1},
			WarmupEnd: &warm,
			Evidence: &wire.Evidence{Method: h, Warmup: wire.WarmupEvidence{Text: h},
				Tests: []wire.TestEvidence{{Name: h, Test: h, PValue: 0.001, Alpha: 0.01, Significant: true, Gate: true, Text: h}}},
			Signatures: []wire.SignatureFinding{{Signature: h, Example: h, Canary: 3, PValue: 0.01, New: true}},
			Series: &wire.Series{
				Queries: []wire.SeriesQuery{{Role: h, Source: "prometheus", Expr: `up{x="` + h + `"}`}},
				Canary:  []wire.PodSeries{pts("web-aaa-" + h)},
				Stable:  []wire.PodSeries{pts("web-bbb-" + h)},
			},
		}},
	}
}

// TestHostileValuesAreEscaped renders the report and the index with
// hostile values everywhere and parses the HTML: no element, attribute
// or link the pages do not make themselves, and every value shown as
// text.
func TestHostileValuesAreEscaped(t *testing.T) {
	t.Parallel()
	r, err := New(Options{PrometheusURL: "http://prom.example:9090", GrafanaURL: "https://grafana.example",
		GrafanaPrometheus: "P1", Recent: 10, Environment: "live"}, "test")
	if err != nil {
		t.Fatal(err)
	}
	for k, h := range hostile {
		t.Run(h, func(t *testing.T) {
			resp := hostileResponse(k)
			rs := &rules.RuleSet{Name: "r", Description: "description " + h, File: h, Revision: "def",
				Thresholds:   rules.Thresholds{Pass: 90, Marginal: 60},
				Metrics:      []rules.Metric{{Name: "m" + h, Query: "up", Unit: h}},
				Environments: map[string]rules.Environment{h: {}},
			}
			req := request.Request{Target: resp.Target, RuleSet: "r"}
			r.Record(req, resp)

			var page, index bytes.Buffer
			if err := r.WritePage(&page, Page{Response: resp, Link: Link{Request: req, Revision: "abc"}, RuleSet: rs}); err != nil {
				t.Fatal(err)
			}
			if err := r.WriteIndex(&index, map[string]*rules.RuleSet{"r": rs}); err != nil {
				t.Fatal(err)
			}
			for name, b := range map[string][]byte{"page": page.Bytes(), "index": index.Bytes()} {
				text := checkHTML(t, name, b)
				if !strings.Contains(text, h) {
					t.Errorf("%s: the hostile value is not shown as text", name)
				}
			}
		})
	}
}

// The elements the pages are made of.
var allowedElements = map[string]bool{
	"html": true, "head": true, "body": true, "meta": true, "link": true, "title": true, "style": true,
	"nav": true, "header": true, "footer": true, "section": true, "h1": true, "h2": true, "h3": true,
	"p": true, "a": true, "span": true, "b": true, "br": true, "code": true, "pre": true,
	"table": true, "tr": true, "th": true, "td": true, "tbody": true, "ul": true, "li": true,
	"details": true, "summary": true,
	"svg": true, "rect": true, "line": true, "path": true, "text": true,
}

// checkHTML parses b and fails on any element outside allowedElements, any
// event-handler attribute, a link that is not http(s), relative or a
// fragment, and a style element that differs from the page's style. It
// returns the page's text.
func checkHTML(t *testing.T, name string, b []byte) string {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var text strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			if n.Parent == nil || n.Parent.Data != "style" {
				text.WriteString(n.Data)
			} else if n.Data != style {
				t.Errorf("%s: a style element that is not the page's style: %.80q", name, n.Data)
			}
		case html.ElementNode:
			if !allowedElements[n.Data] {
				t.Errorf("%s: element <%s> in the page", name, n.Data)
			}
			for _, a := range n.Attr {
				key := strings.ToLower(a.Key)
				if strings.HasPrefix(key, "on") || key == "style" || key == "src" || key == "srcdoc" {
					t.Errorf("%s: attribute %s=%q on <%s>", name, a.Key, a.Val, n.Data)
				}
				if key == "href" {
					v := strings.ToLower(a.Val)
					if strings.Contains(v, ":") && !strings.HasPrefix(v, "http://") && !strings.HasPrefix(v, "https://") &&
						!(n.Data == "link" && v == "data:,") && !strings.HasPrefix(v, "/") {
						t.Errorf("%s: link %q on <%s>", name, a.Val, n.Data)
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return text.String()
}
