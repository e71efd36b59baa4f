package chromium

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

// TestConsoleMessages: what a page logs to its console, and what its
// Content-Security-Policy blocks, reaches Page.Console; a clean page logs
// nothing. (The report tests rely on this to say "no console errors".)
func TestConsoleMessages(t *testing.T) {
	t.Parallel()
	pages := map[string]struct{ csp, body string }{
		"/error": {"", `<p>x</p><script>console.error("boom"); notDefined();</script>`},
		"/csp":   {"default-src 'none'; img-src data:", `<p>x</p><script>document.title = "ran"</script>`},
		"/clean": {"default-src 'none'; img-src data:", `<p id="clean">nothing to say</p>`},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if p.csp != "" {
			w.Header().Set("Content-Security-Policy", p.csp)
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(`<!DOCTYPE html><html><head><link rel="icon" href="data:,"><title>t</title></head><body>` + p.body + `</body></html>`))
	}))
	t.Cleanup(srv.Close)

	cases := []struct {
		path string
		want []string // substrings of console messages, in order
	}{
		{"/error", []string{`"boom"`, "notDefined is not defined"}},
		{"/csp", []string{"Content Security Policy"}},
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			t.Parallel()
			p := Load(t, srv.URL+c.path)
			if len(p.Console) != len(c.want) {
				t.Fatalf("console %q, want %d messages like %q", p.Console, len(c.want), c.want)
			}
			for i, w := range c.want {
				if !strings.Contains(p.Console[i], w) {
					t.Errorf("console message %q lacks %q", p.Console[i], w)
				}
			}
			if !strings.Contains(p.DOM, "</html>") {
				t.Errorf("DOM %q", p.DOM)
			}
		})
	}
	t.Run("screenshot", func(t *testing.T) {
		t.Parallel()
		if msgs := Screenshot(t, srv.URL+"/clean", filepath.Join(t.TempDir(), "clean.png"), 400, 300); len(msgs) > 0 {
			t.Errorf("console %q", msgs)
		}
	})
}
