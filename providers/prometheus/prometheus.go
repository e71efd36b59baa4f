// Package prometheus queries a Prometheus-compatible server (Prometheus,
// Thanos, Mimir, VictoriaMetrics) over its HTTP API with client_golang.
package prometheus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/canary-analyzer/canary-analyzer/providers"
)

// Type names this backend.
const Type = providers.TypePrometheus

// Client runs range queries.
type Client struct {
	api v1.API
}

// New builds a client from validated options.
func New(o providers.ClientOptions) (*Client, error) {
	hc, err := o.HTTPClient("prometheus")
	if err != nil {
		return nil, fmt.Errorf("prometheus: %w", err)
	}
	c, err := api.NewClient(api.Config{Address: o.URL, Client: hc})
	if err != nil {
		return nil, fmt.Errorf("prometheus: %w", err)
	}
	return &Client{api: v1.NewAPI(c)}, nil
}

// QueryRange implements providers.MetricQuerier. The context's deadline is
// also sent to Prometheus as the query timeout, so Prometheus gives up when
// we do.
func (c *Client) QueryRange(ctx context.Context, q providers.RangeQuery) (model.Matrix, error) {
	var opts []v1.Option
	if d, ok := ctx.Deadline(); ok {
		// Whole seconds: client_golang sends the Go duration string, and
		// Prometheus does not parse fractions such as "7.9996s".
		if left := time.Until(d).Truncate(time.Second); left > 0 {
			opts = append(opts, v1.WithTimeout(left))
		}
	}
	val, _, _, err := c.api.QueryRange(ctx, q.Expr, v1.Range{Start: q.Start, End: q.End, Step: q.Step}, opts...)
	if err != nil {
		return nil, classify(ctx, err)
	}
	m, ok := val.(model.Matrix)
	if !ok {
		return nil, &providers.Error{Backend: Type, Kind: providers.BadQuery,
			Msg: fmt.Sprintf("the query returned a %s, not a range vector", val.Type())}
	}
	return m, nil
}

// classify maps client_golang's errors to our kinds.
func classify(ctx context.Context, err error) error {
	e := &providers.Error{Backend: Type, Kind: providers.Unavailable, Err: err}
	var apiErr *v1.Error
	var netErr net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded) || ctx.Err() == context.DeadlineExceeded:
		e.Kind = providers.Timeout
	case errors.Is(err, context.Canceled) || ctx.Err() == context.Canceled:
		e.Kind = providers.Canceled
	case errors.As(err, &apiErr):
		typ, msg := apiErr.Type, apiErr.Msg
		if typ == v1.ErrServer || typ == v1.ErrClient {
			// client_golang decodes Prometheus' error envelope only for
			// 400 and 422; a 503 query timeout or "TSDB not ready" keeps
			// it in Detail. Use it when it is there.
			var env struct {
				ErrorType v1.ErrorType `json:"errorType"`
				Error     string       `json:"error"`
			}
			if json.Unmarshal([]byte(apiErr.Detail), &env) == nil && env.ErrorType != "" {
				typ, msg = env.ErrorType, env.Error
			}
		}
		e.Msg = strings.TrimSpace(msg)
		switch typ {
		case v1.ErrBadData, v1.ErrExec:
			e.Kind = providers.BadQuery
		case v1.ErrTimeout:
			e.Kind = providers.Timeout
		case v1.ErrCanceled:
			e.Kind = providers.Canceled
		case v1.ErrClient:
			// 4xx without a Prometheus error body: a wrong URL or auth.
			e.Kind = providers.Unavailable
			if strings.Contains(msg, "401") || strings.Contains(msg, "403") {
				e.Kind = providers.AuthRefused
			}
		}
	case errors.As(err, &netErr) && netErr.Timeout():
		e.Kind = providers.Timeout
	}
	return e
}
