package api

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

func writeTokens(t *testing.T, path, content string) {
	t.Helper()
	// Write and rename, as a Secret volume swaps its files.
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// TestBearerTokens: with a token file, the API and /-/reload need one of
// its tokens; the probes and /metrics stay open; the file is re-read when
// it changes (issue 12, security).
func TestBearerTokens(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "tokens")
	writeTokens(t, path, "# callers\nfirst-token\n\n  second-token  \n")
	tokens, err := NewTokenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	srv := serveAPI(t, Options{Judger: &fakeJudger{resp: okResponse}, Rules: fakeRules{}, Tokens: tokens,
		Reload: func() error { return nil }, EnableLifecycle: true})
	call := func(method, path, auth string) *http.Response {
		req, err := http.NewRequest(method, srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { res.Body.Close() })
		return res
	}
	judge := "/api/v1/judge?" + validQuery
	cases := []struct {
		name, method, path, auth string
		status                   int
	}{
		{"judge without a token", "GET", judge, "", 401},
		{"judge with a wrong token", "GET", judge, "Bearer nope", 401},
		{"judge with a token's prefix", "GET", judge, "Bearer first", 401},
		{"judge with basic auth", "GET", judge, "Basic Zmlyc3QtdG9rZW46", 401},
		{"judge with the first token", "GET", judge, "Bearer first-token", 200},
		{"judge with the second token", "GET", judge, "bearer second-token", 200},
		{"a comment is no token", "GET", judge, "Bearer # callers", 401},
		{"rule sets without a token", "GET", "/api/v1/rulesets", "", 401},
		{"reload without a token", "POST", "/-/reload", "", 401},
		{"reload with a token", "POST", "/-/reload", "Bearer first-token", 200},
		{"healthz stays open", "GET", "/healthz", "", 200},
		{"readyz stays open", "GET", "/readyz", "", 200},
		{"metrics stay open", "GET", "/metrics", "", 200},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := call(c.method, c.path, c.auth)
			if res.StatusCode != c.status {
				b, _ := io.ReadAll(res.Body)
				t.Fatalf("status %d, want %d: %s", res.StatusCode, c.status, b)
			}
			if c.status == 401 {
				if res.Header.Get("WWW-Authenticate") == "" {
					t.Error("401 without WWW-Authenticate")
				}
				checkResponse(t, res, 401, "unauthorized", "")
			}
		})
	}
	t.Run("rotation without a restart", func(t *testing.T) {
		writeTokens(t, path, "third-token\n")
		if res := call("GET", judge, "Bearer first-token"); res.StatusCode != 401 {
			t.Errorf("a removed token still works: %d", res.StatusCode)
		}
		if res := call("GET", judge, "Bearer third-token"); res.StatusCode != 200 {
			t.Errorf("the new token does not work: %d", res.StatusCode)
		}
	})
	t.Run("an unreadable file refuses everyone", func(t *testing.T) {
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
		res := call("GET", judge, "Bearer third-token")
		checkResponse(t, res, 500, "internal", "")
	})
}

func TestNewTokenFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	writeTokens(t, empty, "# nothing here\n\n")
	for _, path := range []string{empty, filepath.Join(dir, "missing")} {
		if _, err := NewTokenFile(path); err == nil {
			t.Errorf("%s: no error", filepath.Base(path))
		}
	}
}
