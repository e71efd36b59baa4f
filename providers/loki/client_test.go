package loki

import (
	"context"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/canary-analyzer/canary-analyzer/providers"
)

// emptyMatrixBody is an answer to a metric query_range with no series.
const emptyMatrixBody = `{"status":"success","data":{"resultType":"matrix","result":[]}}`

func TestNewRejects(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"empty URL", Config{}, "URL is empty"},
		{"no scheme", Config{URL: "loki:3100"}, "scheme"},
		{"ftp", Config{URL: "ftp://loki:3100"}, "scheme"},
		{"no host", Config{URL: "http://"}, "no host"},
		{"credentials in URL", Config{URL: "http://u:secret@loki:3100"}, "credentials"},
		{"query string", Config{URL: "http://loki:3100/?a=b"}, "query"},
		{"API path included", Config{URL: "http://loki:3100/loki/api/v1/"}, "leave out"},
		{"negative page size", Config{URL: "http://loki:3100", PageSize: -1}, "page size"},
		{"negative response limit", Config{URL: "http://loki:3100", MaxResponseBytes: -1}, "response size limit"},
		{"tenant with newline", Config{URL: "http://loki:3100", Tenant: "a\r\nX-Evil: 1"}, "tenant"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(tc.cfg)
			if err == nil {
				t.Fatalf("New accepted %+v", tc.cfg)
			}
			if c != nil {
				t.Errorf("client returned with the error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("error %q shows the password", err)
			}
		})
	}
}

func TestBaseURLPaths(t *testing.T) {
	tests := []struct {
		suffix string
		want   string
	}{
		{"", "/loki/api/v1/query_range"},
		{"/", "/loki/api/v1/query_range"},
		{"/gateway/logs", "/gateway/logs/loki/api/v1/query_range"},
		{"/gateway/logs/", "/gateway/logs/loki/api/v1/query_range"},
	}
	for _, tc := range tests {
		t.Run(tc.suffix, func(t *testing.T) {
			var got string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got = r.URL.Path
				_, _ = w.Write([]byte(emptyMatrixBody))
			}))
			defer srv.Close()
			c, err := New(Config{URL: srv.URL + tc.suffix})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.QueryRange(context.Background(), aRange); err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("path %s, want %s", got, tc.want)
			}
		})
	}
}

// TestHeadersPerRequest sends requests with and without the
// categorize-labels flag at once: each must carry exactly its own headers,
// which fails (and trips -race) if a shared header map were written to.
func TestHeadersPerRequest(t *testing.T) {
	empty := `{"status":"success","data":{"resultType":"streams","result":[]}}`
	var mu sync.Mutex
	got := map[string][]string{} // query -> flag header values
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got[r.URL.Query().Get("query")] = r.Header.Values(encodingFlagsHeader)
		mu.Unlock()
		if vs := r.Header.Values(providers.TenantHeader); len(vs) != 1 || vs[0] != "team-a" {
			t.Errorf("tenant header %q, want [team-a]", vs)
		}
		if r.Header.Get("Accept") != "application/json" {
			t.Errorf("Accept %q", r.Header.Get("Accept"))
		}
		_, _ = w.Write([]byte(empty))
	}))
	defer srv.Close()
	c, err := New(Config{URL: srv.URL, Tenant: "team-a", HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			q := StreamsQuery{Expr: `{i="` + string(rune('a'+i)) + `"}`, Start: fixtureStart, End: fixtureEnd, CategorizeLabels: i%2 == 0}
			if _, err := c.Streams(context.Background(), q); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for i := range 16 {
		vs := got[`{i="`+string(rune('a'+i))+`"}`]
		if i%2 == 0 && (len(vs) != 1 || vs[0] != "categorize-labels") {
			t.Errorf("request %d: flag header %q, want [categorize-labels]", i, vs)
		}
		if i%2 == 1 && len(vs) != 0 {
			t.Errorf("request %d: flag header %q, want none", i, vs)
		}
	}
	if c.header.Get(encodingFlagsHeader) != "" {
		t.Errorf("the client's base headers were changed")
	}
}

// authServer starts a TLS server that answers query_range when check passes and
// 401 otherwise, and writes its certificate to a CA file.
func authServer(t *testing.T, check func(r *http.Request) bool) (*httptest.Server, string) {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !check(r) {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte(emptyMatrixBody))
	}))
	// The unknown-CA case makes the client hang up mid-handshake; keep the
	// server's complaint about it out of the test output.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	caFile := writeFile(t, "ca.pem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})))
	return srv, caFile
}

// writeFile writes a file in the test's temporary directory.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestAuthSettings goes through NewFromOptions, the way the service builds
// its client from the --loki.* flags.
func TestAuthSettings(t *testing.T) {
	basic := func(user, pass string) func(r *http.Request) bool {
		return func(r *http.Request) bool {
			u, p, ok := r.BasicAuth()
			return ok && u == user && p == pass
		}
	}
	bearer := func(token string) func(r *http.Request) bool {
		return func(r *http.Request) bool { return r.Header.Get("Authorization") == "Bearer "+token }
	}
	anyone := func(*http.Request) bool { return true }
	tests := []struct {
		name  string
		check func(r *http.Request) bool
		opts  func(t *testing.T, caFile string) providers.ClientOptions
		kind  providers.ErrorKind // empty: success
	}{
		{"CA file", anyone, func(t *testing.T, ca string) providers.ClientOptions {
			return providers.ClientOptions{CAFile: ca}
		}, ""},
		{"unknown CA", anyone, func(t *testing.T, ca string) providers.ClientOptions {
			return providers.ClientOptions{}
		}, providers.Unavailable},
		{"insecure skip verify", anyone, func(t *testing.T, ca string) providers.ClientOptions {
			return providers.ClientOptions{InsecureSkipVerify: true}
		}, ""},
		{"basic auth with password file", basic("grafana", "s3cret"), func(t *testing.T, ca string) providers.ClientOptions {
			return providers.ClientOptions{Username: "grafana", PasswordFile: writeFile(t, "pw", "s3cret\n"), CAFile: ca}
		}, ""},
		{"wrong password", basic("grafana", "s3cret"), func(t *testing.T, ca string) providers.ClientOptions {
			return providers.ClientOptions{Username: "grafana", PasswordFile: writeFile(t, "pw", "guess"), CAFile: ca}
		}, providers.AuthRefused},
		{"bearer token file", bearer("tok3n"), func(t *testing.T, ca string) providers.ClientOptions {
			return providers.ClientOptions{BearerTokenFile: writeFile(t, "token", "tok3n\n"), CAFile: ca}
		}, ""},
		{"wrong token", bearer("tok3n"), func(t *testing.T, ca string) providers.ClientOptions {
			return providers.ClientOptions{BearerTokenFile: writeFile(t, "token", "expired"), CAFile: ca}
		}, providers.AuthRefused},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, ca := authServer(t, tc.check)
			o := tc.opts(t, ca)
			o.URL = srv.URL
			c, err := NewFromOptions(o)
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.QueryRange(context.Background(), aRange)
			if tc.kind == "" {
				if err != nil || got == nil {
					t.Fatalf("QueryRange = %v, %v; want an empty matrix", got, err)
				}
				return
			}
			var pe *providers.Error
			if !errors.As(err, &pe) || pe.Kind != tc.kind {
				t.Fatalf("error %v, want kind %s", err, tc.kind)
			}
		})
	}
}

func TestNewFromOptions(t *testing.T) {
	srv, ca := authServer(t, func(r *http.Request) bool {
		vs := r.Header.Values(providers.TenantHeader)
		return r.Header.Get("Authorization") == "Bearer tok3n" && len(vs) == 1 && vs[0] == "team-a"
	})
	c, err := NewFromOptions(providers.ClientOptions{
		URL:             srv.URL,
		Tenant:          "team-a",
		BearerTokenFile: writeFile(t, "token", "tok3n"),
		CAFile:          ca,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.QueryRange(context.Background(), aRange); err != nil {
		t.Fatalf("QueryRange: %v (the tenant must be sent exactly once)", err)
	}
	if _, err := NewFromOptions(providers.ClientOptions{URL: srv.URL, Username: "u", BearerTokenFile: "/t"}); err == nil {
		t.Errorf("conflicting auth options accepted")
	}
}

func TestCallerErrorsSendNothing(t *testing.T) {
	srv, arrived := blockingServer(t)
	c, err := New(Config{URL: srv.URL, HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	calls := map[string]func() error{
		"QueryRange without expression": func() error {
			_, err := c.QueryRange(ctx, providers.RangeQuery{Start: fixtureStart, End: fixtureEnd, Step: 60})
			return err
		},
		"QueryRange without start": func() error {
			_, err := c.QueryRange(ctx, providers.RangeQuery{Expr: "x", End: fixtureEnd, Step: 60})
			return err
		},
		"QueryRange before 1970": func() error {
			_, err := c.QueryRange(ctx, providers.RangeQuery{Expr: "x", Start: fixtureStart.AddDate(-100, 0, 0), End: fixtureEnd, Step: 60})
			return err
		},
		"Streams without expression": func() error {
			_, err := c.Streams(ctx, StreamsQuery{})
			return err
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			if err := call(); err == nil {
				t.Fatal("no error")
			}
			if len(arrived) != 0 {
				t.Errorf("a request reached the backend")
			}
		})
	}
}
