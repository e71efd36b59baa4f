package providers

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/prometheus/common/config"
)

// ClientOptions are the connection settings shared by every backend: where
// it is and how to authenticate. They come from flags (--prometheus.*,
// --loki.*).
type ClientOptions struct {
	URL             string
	BearerTokenFile string
	Username        string
	PasswordFile    string
	CAFile          string
	// Tenant is sent as X-Scope-OrgID (multi-tenant Loki, Mimir, Cortex).
	Tenant             string
	InsecureSkipVerify bool
}

// TenantHeader carries the tenant of multi-tenant backends.
const TenantHeader = "X-Scope-OrgID"

// Validate checks the URL and that the auth settings do not conflict.
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
		return fmt.Errorf("use either a bearer token file or basic auth, not both")
	}
	if o.PasswordFile != "" && o.Username == "" {
		return fmt.Errorf("a password file needs a username")
	}
	return nil
}

// HTTPClient builds an HTTP client with these settings. Token and password
// files are read at each request, so rotated secrets are picked up.
func (o ClientOptions) HTTPClient(name string) (*http.Client, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	cfg := config.HTTPClientConfig{
		FollowRedirects: true,
		EnableHTTP2:     true,
		TLSConfig: config.TLSConfig{
			CAFile:             o.CAFile,
			InsecureSkipVerify: o.InsecureSkipVerify,
		},
	}
	if o.BearerTokenFile != "" {
		cfg.Authorization = &config.Authorization{Type: "Bearer", CredentialsFile: o.BearerTokenFile}
	}
	if o.Username != "" {
		cfg.BasicAuth = &config.BasicAuth{Username: o.Username, PasswordFile: o.PasswordFile}
	}
	if o.Tenant != "" {
		cfg.HTTPHeaders = &config.Headers{Headers: map[string]config.Header{
			TenantHeader: {Values: []string{o.Tenant}},
		}}
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("%s client: %w", name, err)
	}
	return config.NewClientFromConfig(cfg, name)
}
