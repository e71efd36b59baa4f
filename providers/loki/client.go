package loki

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"

	"github.com/canary-analyzer/canary-analyzer/providers"
)

// Type names this backend in rule files and flags.
const Type = providers.TypeLoki

// DefaultPageSize is the number of log lines asked for per request unless
// configured otherwise. A Loki whose max_entries_limit_per_query is lower
// refuses it; the client then learns that limit from Loki's message and asks
// for fewer from then on.
const DefaultPageSize = 1000

// encodingFlagsHeader asks Loki for a richer streams encoding.
const encodingFlagsHeader = "X-Loki-Response-Encoding-Flags"

// apiPrefix is the path of Loki's HTTP API below the base URL.
const apiPrefix = "/loki/api/v1"

// Config says where Loki is and how to talk to it.
type Config struct {
	// URL is the base URL of Loki's HTTP API, without "/loki/api/v1". A path
	// prefix is kept: "https://gw.example.com/logs" queries
	// "https://gw.example.com/logs/loki/api/v1/query_range".
	URL string
	// Tenant, if set, is sent as X-Scope-OrgID on every request.
	Tenant string
	// HTTPClient carries authentication, TLS and the connection limit;
	// nil means http.DefaultClient.
	HTTPClient *http.Client
	// PageSize is the number of log lines asked for per request by QueryLogs.
	// Zero means DefaultPageSize.
	PageSize int
	// MaxResponseBytes caps one answer; zero means
	// providers.DefaultMaxResponseBytes.
	MaxResponseBytes int64
}

// Client queries one Loki. It is safe for concurrent use.
type Client struct {
	base   *url.URL
	http   *http.Client
	header http.Header // cloned for every request, never written to
	limit  int64
	// pageSize is the configured page size, lowered to Loki's
	// max_entries_limit_per_query once Loki refused a larger one.
	pageSize atomic.Int64
}

// Compile-time checks that Client implements the provider interfaces.
var (
	_ providers.StatsQuerier = (*Client)(nil)
	_ providers.LogQuerier   = (*Client)(nil)
)

// New checks cfg and returns a Client. It contacts nothing: a Loki that is
// down shows up on the first query.
func New(cfg Config) (*Client, error) {
	base, err := parseBaseURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	if strings.ContainsAny(cfg.Tenant, "\r\n\x00") {
		return nil, errors.New("loki: tenant must not contain control characters")
	}
	pageSize := cfg.PageSize
	switch {
	case pageSize == 0:
		pageSize = DefaultPageSize
	case pageSize < 0:
		return nil, fmt.Errorf("loki: page size %d is not positive", pageSize)
	}
	limit := cfg.MaxResponseBytes
	switch {
	case limit == 0:
		limit = providers.DefaultMaxResponseBytes
	case limit < 0:
		return nil, fmt.Errorf("loki: response size limit %d is not positive", limit)
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	header := http.Header{}
	header.Set("Accept", "application/json")
	header.Set("User-Agent", "canary-analyzer")
	if cfg.Tenant != "" {
		header.Set(providers.TenantHeader, cfg.Tenant)
	}
	c := &Client{base: base, http: hc, header: header, limit: limit}
	c.pageSize.Store(int64(pageSize))
	return c, nil
}

// NewFromOptions builds a Client from the shared backend flags. The tenant is
// sent by the Client itself, so the HTTP client is built without it.
func NewFromOptions(o providers.ClientOptions) (*Client, error) {
	tenant := o.Tenant
	o.Tenant = ""
	hc, err := o.HTTPClient(string(Type))
	if err != nil {
		return nil, fmt.Errorf("loki: %w", err)
	}
	return New(Config{URL: o.URL, Tenant: tenant, HTTPClient: hc, PageSize: o.MaxEntries, MaxResponseBytes: o.MaxResponseBytes})
}

// PageSize is the number of log lines the client asks for per request now:
// the configured one, or Loki's lower max_entries_limit_per_query once
// Loki refused it.
func (c *Client) PageSize() int { return int(c.pageSize.Load()) }

// lowerPageSize remembers Loki's limit if it is below the current page size.
func (c *Client) lowerPageSize(n int) {
	for {
		cur := c.pageSize.Load()
		if int64(n) >= cur || c.pageSize.CompareAndSwap(cur, int64(n)) {
			return
		}
	}
}

// parseBaseURL checks that raw is an absolute http(s) URL that can take the
// API path after it.
func parseBaseURL(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, errors.New("loki: URL is empty")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("loki: invalid URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("loki: invalid URL %q: scheme must be http or https", u.Redacted())
	}
	if u.Host == "" {
		return nil, fmt.Errorf("loki: invalid URL %q: no host", u.Redacted())
	}
	if u.User != nil {
		return nil, fmt.Errorf("loki: invalid URL %q: put credentials in the auth settings, not in the URL", u.Redacted())
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("loki: invalid URL %q: it must not have a query or fragment", u.Redacted())
	}
	if strings.HasSuffix(strings.TrimRight(u.Path, "/"), apiPrefix) {
		return nil, fmt.Errorf("loki: invalid URL %q: leave out %s, the client adds it", u.Redacted(), apiPrefix)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}
