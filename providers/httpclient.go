package providers

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/prometheus/common/config"
)

// DefaultMaxConnections bounds the connections to one backend when
// ClientOptions leave MaxConnections at zero. A judgement runs at most 6
// queries at once, and Prometheus runs 20 at once by default
// (--query.max-concurrency) and queues the rest, so more connections only
// move the queue into the backend and multiply the answers held in memory
// (see DefaultMaxResponseBytes). Requests beyond the bound wait for a free
// connection, within their deadline.
const DefaultMaxConnections = 8

// ClientOptions are the connection settings shared by every backend: where
// it is, how to authenticate, and how much of it one client may use. They
// come from flags (--prometheus.*, --loki.*).
type ClientOptions struct {
	URL             string
	BearerTokenFile string
	Username        string
	PasswordFile    string
	CAFile          string
	// Tenant is sent as X-Scope-OrgID (multi-tenant Loki, Mimir, Cortex).
	Tenant             string
	InsecureSkipVerify bool
	// MaxResponseBytes caps one answer; a larger one is refused without
	// reading the rest. Zero means DefaultMaxResponseBytes.
	MaxResponseBytes int64
	// MaxConnections bounds the open connections to the backend (idle or
	// busy). Zero means DefaultMaxConnections.
	MaxConnections int
	// MaxEntries is the number of log lines asked for per request (Loki's
	// limit parameter); zero means the Loki client's default. Other backends
	// ignore it.
	MaxEntries int
}

// TenantHeader carries the tenant of multi-tenant backends.
const TenantHeader = "X-Scope-OrgID"

// Validate checks the URL, that the auth settings do not conflict and that
// the limits are not negative.
func (o ClientOptions) Validate() error {
	u, err := url.Parse(o.URL)
	if err != nil {
		return fmt.Errorf("invalid URL %q: %w", o.URL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("invalid URL %q: scheme must be http or https", o.URL)
	}
	if u.Host == "" {
		return fmt.Errorf("invalid URL %q: no host", o.URL)
	}
	if o.BearerTokenFile != "" && o.Username != "" {
		return errors.New("use either a bearer token file or basic auth, not both")
	}
	if o.PasswordFile != "" && o.Username == "" {
		return errors.New("a password file needs a username")
	}
	if o.MaxResponseBytes < 0 {
		return fmt.Errorf("the response size limit must not be negative, got %d", o.MaxResponseBytes)
	}
	if o.MaxConnections < 0 {
		return fmt.Errorf("the connection limit must not be negative, got %d", o.MaxConnections)
	}
	if o.MaxEntries < 0 {
		return fmt.Errorf("the number of log lines per request must not be negative, got %d", o.MaxEntries)
	}
	return nil
}

// ResponseLimit is MaxResponseBytes with its default applied.
func (o ClientOptions) ResponseLimit() int64 {
	if o.MaxResponseBytes == 0 {
		return DefaultMaxResponseBytes
	}
	return o.MaxResponseBytes
}

// connectionLimit is MaxConnections with its default applied.
func (o ClientOptions) connectionLimit() int {
	if o.MaxConnections == 0 {
		return DefaultMaxConnections
	}
	return o.MaxConnections
}

// HTTPClient builds an HTTP client with these settings. Token and password
// files are read at each request and the CA file is read again when it
// changes, so rotated secrets are picked up. The client holds at most
// MaxConnections connections to the backend.
func (o ClientOptions) HTTPClient(name string) (*http.Client, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	tlsSettings := config.TLSConfig{CAFile: o.CAFile, InsecureSkipVerify: o.InsecureSkipVerify}
	tlsConfig, err := config.NewTLSConfig(&tlsSettings)
	if err != nil {
		return nil, fmt.Errorf("%s client: %w", name, err)
	}
	newTransport := func(tc *tls.Config) (http.RoundTripper, error) { return o.transport(tc), nil }
	var rt http.RoundTripper
	if o.CAFile != "" {
		rt, err = config.NewTLSRoundTripper(tlsConfig, config.TLSRoundTripperSettings{CA: config.NewFileSecret(o.CAFile)}, newTransport)
		if err != nil {
			return nil, fmt.Errorf("%s client: %w", name, err)
		}
	} else {
		rt = o.transport(tlsConfig)
	}
	if o.BearerTokenFile != "" {
		rt = config.NewAuthorizationCredentialsRoundTripper("Bearer", config.NewFileSecret(o.BearerTokenFile), rt)
	}
	if o.Username != "" {
		var password config.SecretReader = config.NewInlineSecret("")
		if o.PasswordFile != "" {
			password = config.NewFileSecret(o.PasswordFile)
		}
		rt = config.NewBasicAuthRoundTripper(config.NewInlineSecret(o.Username), password, rt)
	}
	if o.Tenant != "" {
		rt = config.NewHeadersRoundTripper(&config.Headers{Headers: map[string]config.Header{
			TenantHeader: {Values: []string{o.Tenant}},
		}}, rt)
	}
	return &http.Client{Transport: rt}, nil
}

// transport is the connection pool of one backend: at most connectionLimit
// connections, busy or idle, and idle ones closed after 90 s.
func (o ClientOptions) transport(tc *tls.Config) *http.Transport {
	n := o.connectionLimit()
	return &http.Transport{
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:       tc,
		ForceAttemptHTTP2:     true,
		MaxConnsPerHost:       n,
		MaxIdleConns:          n,
		MaxIdleConnsPerHost:   n,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		DisableCompression:    true,
	}
}
