package demo_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/app"
	"github.com/canary-analyzer/canary-analyzer/demo"
	"github.com/canary-analyzer/canary-analyzer/providers"
	"github.com/canary-analyzer/canary-analyzer/request"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// TestDemo serves the embedded recording through the real HTTP API and
// compares every answer with its golden file: the demo's two verdicts, and
// the JSON contract of judgements and errors. It fails when the
// http-service rule set's queries change without a new recording.
func TestDemo(t *testing.T) {
	rec, err := demo.Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Cases) != 2 {
		t.Fatalf("%d demo cases", len(rec.Cases))
	}
	base := serve(t, rec)

	type call struct {
		name, method, query, body string
		status                    int
	}
	var calls []call
	for _, c := range rec.Cases {
		calls = append(calls, call{name: "judge-" + c.Name, method: "GET", query: c.Request().Query(), status: 200})
		body, err := c.Request().MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		calls = append(calls, call{name: "judge-" + c.Name, method: "POST", body: string(body), status: 200})
	}
	healthy := rec.Cases[0].Target
	calls = append(calls,
		call{name: "error-missing-namespace", method: "GET", query: "canaryHash=a&stableHash=b&ruleSet=http-service", status: 400},
		call{name: "error-unknown-rule-set", method: "GET", query: request.Request{Target: healthy, RuleSet: "nope"}.Query(), status: 404},
		call{name: "error-malformed-body", method: "POST", body: `{"namespace":`, status: 400},
	)
	for _, c := range calls {
		t.Run(c.name+"-"+c.method, func(t *testing.T) {
			status, got := do(t, c.method, base, c.query, c.body)
			if status != c.status {
				t.Fatalf("status %d, want %d: %s", status, c.status, got)
			}
			golden(t, c.name+".json", got)
		})
	}
	for _, c := range rec.Cases {
		t.Run("verdict-"+c.Name, func(t *testing.T) {
			_, body := do(t, "GET", base, c.Request().Query(), "")
			var resp struct{ Verdict analysis.Verdict }
			if err := json.Unmarshal(body, &resp); err != nil {
				t.Fatal(err)
			}
			if resp.Verdict != c.Expect {
				t.Errorf("demo %s canary is %s, want %s", c.Name, resp.Verdict, c.Expect)
			}
		})
	}
}

func serve(t *testing.T, rec *demo.Recording) string {
	t.Helper()
	listening := make(chan string, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- app.Run(ctx, app.Options{
			ListenAddress: "127.0.0.1:0",
			Store:         demo.Store(prometheus.NewRegistry()),
			Backends:      map[providers.Type]providers.MetricQuerier{providers.TypePrometheus: rec},
			Now:           func() time.Time { return rec.End },
			QueryTimeout:  8 * time.Second,
			Listening:     listening,
		})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	select {
	case addr := <-listening:
		return "http://" + addr
	case err := <-done:
		t.Fatal(err)
	}
	return ""
}

func do(t *testing.T, method, base, query, body string) (int, []byte) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = bytes.NewReader([]byte(body))
	}
	u := base + "/api/v1/judge"
	if query != "" {
		u += "?" + query
	}
	req, err := http.NewRequest(method, u, r)
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
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, b
}

// golden compares body, indented, with testdata/golden/name.
func golden(t *testing.T, name string, body []byte) {
	t.Helper()
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, body, "", "  "); err != nil {
		t.Fatalf("not JSON: %s", body)
	}
	pretty.WriteByte('\n')
	path := filepath.Join("..", "testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run 'go test ./demo -update' to write it)", err)
	}
	if !bytes.Equal(want, pretty.Bytes()) {
		t.Errorf("answer differs from %s (run 'go test ./demo -update' if the change is intended):\n%s", path, pretty.String())
	}
}
