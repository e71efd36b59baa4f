package app

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"
	"go.uber.org/zap/zaptest/observer"

	"github.com/canary-analyzer/canary-analyzer/providers"
	"github.com/canary-analyzer/canary-analyzer/request"
)

// running is a service started by start.
type running struct {
	base   string
	cancel context.CancelFunc
	done   chan struct{} // closed when Run returned err
	err    error
}

// wait returns Run's error once it returned.
func (r *running) wait() error {
	<-r.done
	return r.err
}

// start runs the app on a loopback port with the shipped http-service rule
// set in a directory of its own and the given backend; the test's cleanup
// stops it if the test did not.
func start(t *testing.T, o Options, backend providers.MetricQuerier) *running {
	t.Helper()
	if o.RulesDir == "" {
		o.RulesDir = rulesDir(t)
	}
	if o.QueryTimeout == 0 {
		o.QueryTimeout = 8 * time.Second
	}
	if o.Logger == nil {
		o.Logger = zaptest.NewLogger(t)
	}
	o.ListenAddress = "127.0.0.1:0"
	o.Backends = map[providers.Type]providers.MetricQuerier{providers.TypePrometheus: backend}
	listening := make(chan string, 1)
	o.Listening = listening
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{cancel: cancel, done: make(chan struct{})}
	go func() { r.err = Run(ctx, o); close(r.done) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(30 * time.Second):
			t.Error("the service did not stop")
		}
	})
	select {
	case addr := <-listening:
		scheme := "http://"
		if o.Web.TLSCertFile != "" {
			scheme = "https://"
		}
		r.base = scheme + addr
	case <-r.done:
		t.Fatalf("Run: %v", r.err)
	}
	return r
}

// rulesDir is a fresh directory holding the shipped http-service rule set.
func rulesDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	writeRuleSet(t, dir, "http-service.yaml", "http-service")
	return dir
}

// writeRuleSet writes the shipped http-service rule set under the given
// rule-set name.
func writeRuleSet(t *testing.T, dir, file, name string) {
	t.Helper()
	b, err := os.ReadFile("../deploy/base/rules/http-service.yaml")
	if err != nil {
		t.Fatal(err)
	}
	b = []byte(strings.Replace(string(b), "\nname: http-service\n", "\nname: "+name+"\n", 1))
	if err := os.WriteFile(filepath.Join(dir, file), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// emptyBackend answers every query with no series.
type emptyBackend struct{}

func (emptyBackend) QueryRange(context.Context, providers.RangeQuery) (model.Matrix, error) {
	return model.Matrix{}, nil
}

// heldBackend holds every query until release is closed (or the query's
// context ends) and then answers with no series.
type heldBackend struct {
	entered chan struct{}
	release chan struct{}
}

func newHeldBackend() *heldBackend {
	return &heldBackend{entered: make(chan struct{}, 100), release: make(chan struct{})}
}

func (b *heldBackend) QueryRange(ctx context.Context, _ providers.RangeQuery) (model.Matrix, error) {
	b.entered <- struct{}{}
	select {
	case <-b.release:
		return model.Matrix{}, nil
	case <-ctx.Done():
		return nil, &providers.Error{Kind: providers.Timeout, Err: ctx.Err()}
	}
}

var judgeRequest = request.Request{
	Target:  request.Target{Namespace: "shop", Rollout: "web", CanaryHash: "5f6b7c8d9e", StableHash: "7c9d5b6f4d"},
	RuleSet: "http-service",
}

// eventually polls cond every 10 ms until it holds or 20 s pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func get(url string) (int, string, error) {
	res, err := http.Get(url)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, string(b), err
}

// TestDrain: on shutdown /readyz fails first while the service still
// serves, then it stops accepting, and the judgement in flight finishes
// with its verdict (issue 12, section 6).
func TestDrain(t *testing.T) {
	t.Parallel()
	backend := newHeldBackend()
	r := start(t, Options{Web: Web{ShutdownDelay: time.Second, ShutdownTimeout: 20 * time.Second}}, backend)
	inFlight := make(chan int, 1)
	go func() {
		status, _, err := get(judgeRequest.URL(r.base))
		if err != nil {
			t.Error(err)
		}
		inFlight <- status
	}()
	<-backend.entered
	r.cancel()
	eventually(t, "/readyz fails while draining", func() bool {
		status, body, err := get(r.base + "/readyz")
		return err == nil && status == 503 && strings.Contains(body, "shutting down")
	})
	if status, _, err := get(r.base + "/healthz"); err != nil || status != 200 {
		t.Errorf("not serving during the shutdown delay: %d %v", status, err)
	}
	eventually(t, "new connections are refused after the delay", func() bool {
		_, _, err := get(r.base + "/healthz")
		return err != nil
	})
	close(backend.release)
	if status := <-inFlight; status != 200 {
		t.Errorf("the judgement in flight answered %d", status)
	}
	if err := r.wait(); err != nil {
		t.Errorf("Run: %v", err)
	}
}

// TestShutdownIsBounded: requests that do not finish within the shutdown
// timeout do not hold the process.
func TestShutdownIsBounded(t *testing.T) {
	t.Parallel()
	backend := newHeldBackend()
	r := start(t, Options{QueryTimeout: time.Minute, Web: Web{ShutdownTimeout: 100 * time.Millisecond}}, backend)
	go func() { _, _, _ = get(judgeRequest.URL(r.base)) }()
	<-backend.entered
	r.cancel()
	select {
	case <-r.done:
		if r.err == nil || !strings.Contains(r.err.Error(), "in flight") {
			t.Errorf("Run: %v", r.err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("shutdown not bounded")
	}
	close(backend.release)
}

// TestServerTimeouts: a body trickled in, or a kept-alive connection left
// idle, is closed by the server (issue 12, section 6).
func TestServerTimeouts(t *testing.T) {
	t.Parallel()
	r := start(t, Options{Web: Web{ReadTimeout: 200 * time.Millisecond, IdleTimeout: 200 * time.Millisecond}}, emptyBackend{})
	addr := strings.TrimPrefix(r.base, "http://")
	cases := []struct {
		name, send string
		answer     bool // whether a response comes before the close
	}{
		{"a body that never ends", "POST /api/v1/judge HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{", false},
		{"headers that never end", "GET /healthz HTTP/1.1\r\nHost: x\r\n", false},
		{"an idle kept-alive connection", "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := io.WriteString(conn, c.send); err != nil {
				t.Fatal(err)
			}
			// Far beyond the server's timeouts: only a server that never
			// closes the connection reaches it.
			if err := conn.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
				t.Fatal(err)
			}
			br := bufio.NewReader(conn)
			if c.answer {
				res, err := http.ReadResponse(br, nil)
				if err != nil {
					t.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}
			_, err = io.Copy(io.Discard, br)
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Error("the server kept the connection open")
			}
		})
	}
}

// TestTrustedProxies: X-Forwarded-For counts only from a trusted proxy
// (issue 12, section 6: gin trusts every proxy by default).
func TestTrustedProxies(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		trusted []string
		remote  string
	}{
		{"no proxy trusted", nil, "127.0.0.1"},
		{"loopback trusted", []string{"127.0.0.1/32"}, "203.0.113.9"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			core, logs := observer.New(zap.InfoLevel)
			r := start(t, Options{Logger: zap.New(core), Web: Web{TrustedProxies: c.trusted}}, emptyBackend{})
			req, _ := http.NewRequest("GET", r.base+"/api/v1/rulesets", nil)
			req.Header.Set("X-Forwarded-For", "203.0.113.9")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			eventually(t, "an access log line", func() bool { return logs.FilterMessage("request").Len() > 0 })
			if got := logs.FilterMessage("request").All()[0].ContextMap()["remote"]; got != c.remote {
				t.Errorf("remote %v, want %s", got, c.remote)
			}
		})
	}
}

// writeCert writes a self-signed certificate for 127.0.0.1 with the given
// serial number and returns its pool.
func writeCert(t *testing.T, certFile, keyFile string, serial int64) *x509.CertPool {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "canary-analyzer"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	for path, block := range map[string]*pem.Block{certFile: {Type: "CERTIFICATE", Bytes: der}, keyFile: {Type: "EC PRIVATE KEY", Bytes: kb}} {
		if err := os.WriteFile(path+".tmp", pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(path+".tmp", path); err != nil {
			t.Fatal(err)
		}
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return pool
}

// TestTLS: with a certificate the service speaks HTTPS only, and a rotated
// certificate is served without a restart.
func TestTLS(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	pool := writeCert(t, certFile, keyFile, 1)
	r := start(t, Options{Web: Web{TLSCertFile: certFile, TLSKeyFile: keyFile}}, emptyBackend{})
	serial := func(pool *x509.CertPool) (int64, error) {
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
		res, err := c.Get(r.base + "/healthz")
		if err != nil {
			return 0, err
		}
		defer res.Body.Close()
		return res.TLS.PeerCertificates[0].SerialNumber.Int64(), nil
	}
	if s, err := serial(pool); err != nil || s != 1 {
		t.Fatalf("HTTPS: serial %d, %v", s, err)
	}
	if status, _, err := get(strings.Replace(r.base, "https://", "http://", 1) + "/healthz"); err == nil && status == 200 {
		t.Error("plain HTTP is served")
	}
	pool = writeCert(t, certFile, keyFile, 2)
	if s, err := serial(pool); err != nil || s != 2 {
		t.Errorf("after rotation: serial %d, %v", s, err)
	}
}

// TestRunRefuses: settings that would serve without a deadline, or with
// half of what was asked for, stop the start.
func TestRunRefuses(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cases := []struct {
		name string
		o    Options
	}{
		{"no query timeout", Options{}},
		{"a negative query timeout", Options{QueryTimeout: -5 * time.Second}},
		{"a certificate without a key", Options{QueryTimeout: time.Second, Web: Web{TLSCertFile: filepath.Join(dir, "tls.crt")}}},
		{"a missing certificate", Options{QueryTimeout: time.Second, Web: Web{TLSCertFile: filepath.Join(dir, "tls.crt"), TLSKeyFile: filepath.Join(dir, "tls.key")}}},
		{"a missing token file", Options{QueryTimeout: time.Second, Web: Web{BearerTokenFile: filepath.Join(dir, "tokens")}}},
		{"a bad trusted proxy", Options{QueryTimeout: time.Second, Web: Web{TrustedProxies: []string{"not-an-ip"}}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			o := c.o
			o.ListenAddress = "127.0.0.1:0"
			o.RulesDir = rulesDir(t)
			o.Backends = map[providers.Type]providers.MetricQuerier{providers.TypePrometheus: emptyBackend{}}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := Run(ctx, o); err == nil || errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Run: %v", err)
			}
		})
	}
}
