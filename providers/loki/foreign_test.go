package loki

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/canary-analyzer/canary-analyzer/providers"
)

// foreignCase is a recorded answer of an endpoint the client never calls
// (/query, /labels, /label/<name>/values, /series). Served where a
// query_range answer is expected, as a misrouting proxy or a wrong URL would,
// it must be refused as a broken answer, never read as data.
type foreignCase struct{ name string }

// fixtureName implements named.
func (c foreignCase) fixtureName() string { return c.name }

var foreignCases = []foreignCase{
	{"query_instant_vector_by_pod"},
	{"query_instant_vector_no_labels"},
	{"labels"},
	{"label_pod_values"},
	{"series_shop"},
}

func TestForeignAnswersRefused(t *testing.T) {
	for _, tc := range foreignCases {
		t.Run(tc.name, func(t *testing.T) {
			f := loadFixture(t, tc.name)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for k, v := range f.Response.Headers {
					w.Header().Set(k, v)
				}
				w.WriteHeader(f.Response.Status)
				_, _ = w.Write([]byte(f.Response.Body))
			}))
			t.Cleanup(srv.Close)
			c, err := New(Config{URL: srv.URL, HTTPClient: srv.Client()})
			if err != nil {
				t.Fatal(err)
			}
			for name, call := range map[string]func(*Client) error{"QueryRange": queryRange, "QueryLogs": queryLogs} {
				err := call(c)
				var pe *providers.Error
				if !errors.As(err, &pe) || pe.Kind != providers.Unavailable {
					t.Errorf("%s: error %v, want kind %s", name, err, providers.Unavailable)
				}
			}
		})
	}
}

// queryRange runs a metric query over the recorded window and fails if it
// gets a result together with an error.
func queryRange(c *Client) error {
	m, err := c.QueryRange(context.Background(), aRange)
	if err != nil && m != nil {
		return errors.New("result returned with an error")
	}
	return err
}

// queryLogs runs a small log query and fails if it gets a result together
// with an error.
func queryLogs(c *Client) error {
	r, err := c.QueryLogs(context.Background(), providers.LogQuery{Expr: `{namespace="shop"}`, Start: fixtureStart, End: fixtureEnd, Limit: 10})
	if err != nil && (r.Entries != nil || r.Truncated) {
		return errors.New("result returned with an error")
	}
	return err
}
