package providers

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestClientOptionsValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		o    ClientOptions
		want string // "" = valid
	}{
		{"valid", ClientOptions{URL: "http://prometheus:9090"}, ""},
		{"no scheme", ClientOptions{URL: "prometheus:9090"}, "scheme"},
		{"no host", ClientOptions{URL: "http://"}, "no host"},
		{"two kinds of auth", ClientOptions{URL: "http://p", BearerTokenFile: "/t", Username: "u"}, "not both"},
		{"password without user", ClientOptions{URL: "http://p", PasswordFile: "/p"}, "needs a username"},
		{"negative size limit", ClientOptions{URL: "http://p", MaxResponseBytes: -1}, "size limit"},
		{"negative connection limit", ClientOptions{URL: "http://p", MaxConnections: -1}, "connection limit"},
		{"negative page size", ClientOptions{URL: "http://p", MaxEntries: -1}, "log lines"},
		{"missing CA file", ClientOptions{URL: "https://p", CAFile: "/nonexistent/ca.pem"}, "ca.pem"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := tc.o.HTTPClient("test")
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one about %q", err, tc.want)
			}
		})
	}
}

// TestConnectionLimit sends 8 requests at once to a server that holds each
// one: the client must open no more connections than its limit and still
// get every answer, the waiting requests taking freed connections.
func TestConnectionLimit(t *testing.T) {
	t.Parallel()
	for _, limit := range []int{1, 3} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			t.Parallel()
			var open, peak atomic.Int32
			inFlight := make(chan struct{}, 16)
			release := make(chan struct{})
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				inFlight <- struct{}{}
				<-release
				_, _ = w.Write([]byte("ok"))
			}))
			srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
				switch s {
				case http.StateNew:
					n := open.Add(1)
					for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
					}
				case http.StateClosed, http.StateHijacked:
					open.Add(-1)
				}
			}
			srv.Start()
			defer srv.Close()
			hc, err := ClientOptions{URL: srv.URL, MaxConnections: limit}.HTTPClient("test")
			if err != nil {
				t.Fatal(err)
			}
			const requests = 8
			var wg sync.WaitGroup
			errs := make(chan error, requests)
			for range requests {
				wg.Go(func() {
					req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL, nil)
					res, err := hc.Do(req)
					if err != nil {
						errs <- err
						return
					}
					// Read the answer to the end, so that its connection is
					// reused rather than closed (the server would see the
					// close late and count it as still open).
					_, _ = io.Copy(io.Discard, res.Body)
					_ = res.Body.Close()
				})
			}
			// Release the held requests once more than the limit are in
			// flight (a violation, seen at once) or after a while: without
			// the limit all 8 arrive within microseconds.
			for n := 0; n <= limit; n++ {
				select {
				case <-inFlight:
					continue
				case <-time.After(300 * time.Millisecond):
				}
				break
			}
			close(release)
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			if p := peak.Load(); p > int32(limit) {
				t.Errorf("%d connections open at once, want at most %d", p, limit)
			}
		})
	}
}
