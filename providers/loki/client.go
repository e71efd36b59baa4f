package loki

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/prometheus/common/config"

	"github.com/canary-analyzer/canary-analyzer/providers"
)

// Type names this backend in rule files and flags.
const Type = providers.TypeLoki

// Page sizes for log queries. Loki rejects a limit above its
// max_entries_limit_per_query, which defaults to MaxPageSize.
const (
	DefaultPageSize = 1000
	MaxPageSize     = 5000
)

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
	// HTTPClient, if set, is used as is. Leave it nil to have one built from
	// HTTPConfig. Setting both is an error.
	HTTPClient *http.Client
	// HTTPConfig holds the authentication and TLS settings the client is
	// built from. Nil means config.DefaultHTTPClientConfig (no auth, system
	// CAs).
	HTTPConfig *config.HTTPClientConfig
	// PageSize is the number of log lines asked for per request by QueryLogs.
	// Zero means DefaultPageSize; it must not exceed MaxPageSize.
	PageSize int
}

// Client queries one Loki. It is safe for concurrent use.
type Client struct {
	base     *url.URL
	http     *http.Client
	header   http.Header // cloned for every request, never written to
	pageSize int
}

// Compile-time checks that Client implements the provider interfaces.
var (
	_ providers.MetricQuerier = (*Client)(nil)
	_ providers.LogQuerier    = (*Client)(nil)
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
	case pageSize < 0 || pageSize > MaxPageSize:
		return nil, fmt.Errorf("loki: page size %d is outside 1..%d", pageSize, MaxPageSize)
	}
	hc, err := buildHTTPClient(cfg)
	if err != nil {
		return nil, err
	}
	header := http.Header{}
	header.Set("Accept", "application/json")
	header.Set("User-Agent", "canary-analyzer")
	if cfg.Tenant != "" {
		header.Set(providers.TenantHeader, cfg.Tenant)
	}
	return &Client{base: base, http: hc, header: header, pageSize: pageSize}, nil
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
	return New(Config{URL: o.URL, Tenant: tenant, HTTPClient: hc})
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

// buildHTTPClient returns the caller's client or one built from HTTPConfig.
func buildHTTPClient(cfg Config) (*http.Client, error) {
	if cfg.HTTPClient != nil {
		if cfg.HTTPConfig != nil {
			return nil, errors.New("loki: set either HTTPClient or HTTPConfig, not both")
		}
		return cfg.HTTPClient, nil
	}
	hcfg := config.DefaultHTTPClientConfig
	if cfg.HTTPConfig != nil {
		hcfg = *cfg.HTTPConfig
	}
	if err := hcfg.Validate(); err != nil {
		return nil, fmt.Errorf("loki: HTTP client settings: %w", err)
	}
	hc, err := config.NewClientFromConfig(hcfg, string(Type))
	if err != nil {
		return nil, fmt.Errorf("loki: building HTTP client: %w", err)
	}
	return hc, nil
}
