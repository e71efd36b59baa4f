// Package prometheus queries a Prometheus-compatible server (Prometheus,
// Thanos, Mimir, VictoriaMetrics) over its HTTP API.
//
// It speaks the API itself rather than through client_golang's API client,
// which reads a whole answer into memory before looking at it: answers here
// are read through a size limit (--prometheus.max-response-bytes), decoded
// one series at a time, and given up at the query deadline, and every answer
// that is not a well-formed matrix is an error, never a panic.
package prometheus

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/canary-analyzer/canary-analyzer/providers"
	"github.com/canary-analyzer/canary-analyzer/providers/internal/promjson"
)

// Type names this backend.
const Type = providers.TypePrometheus

// queryRangePath is the range-query endpoint below the base URL.
const queryRangePath = "/api/v1/query_range"

// Client runs range queries. It is safe for concurrent use.
type Client struct {
	base  *url.URL
	http  *http.Client
	limit int64
}

// Compile-time check that Client implements the provider interface.
var _ providers.MetricQuerier = (*Client)(nil)

// New builds a client from validated options. It contacts nothing.
func New(o providers.ClientOptions) (*Client, error) {
	hc, err := o.HTTPClient(string(Type))
	if err != nil {
		return nil, fmt.Errorf("prometheus: %w", err)
	}
	base, err := url.Parse(o.URL)
	if err != nil {
		return nil, fmt.Errorf("prometheus: %w", err)
	}
	base.Path = strings.TrimRight(base.Path, "/")
	base.RawPath = ""
	return &Client{base: base, http: hc, limit: o.ResponseLimit()}, nil
}

// QueryRange implements providers.MetricQuerier. The context's deadline is
// also sent to Prometheus as the query timeout, so Prometheus gives up when
// we do.
func (c *Client) QueryRange(ctx context.Context, q providers.RangeQuery) (model.Matrix, error) {
	form := url.Values{}
	form.Set("query", q.Expr)
	form.Set("start", formatTime(q.Start))
	form.Set("end", formatTime(q.End))
	form.Set("step", strconv.FormatFloat(q.Step.Seconds(), 'f', -1, 64))
	if d, ok := ctx.Deadline(); ok {
		// Whole seconds: Prometheus does not parse fractions such as
		// "7.9996s".
		if left := time.Until(d).Truncate(time.Second); left > 0 {
			form.Set("timeout", left.String())
		}
	}
	resp, err := c.send(ctx, queryRangePath, form)
	if err != nil {
		return nil, providers.TransportError(ctx, Type, err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return nil, statusError(ctx, resp, c.limit)
	}
	var m model.Matrix
	body := providers.LimitBody(ctx, resp.Body, c.limit)
	if _, err := promjson.Decode(ctx, body, promjson.ResultMatrix, promjson.Matrix(ctx, &m)); err != nil {
		return nil, providers.AnswerError(ctx, Type, err)
	}
	return m, nil
}

// send POSTs the form, as Prometheus prefers for long queries, and falls
// back to a GET when something in front of Prometheus refuses POST (405).
func (c *Client) send(ctx context.Context, path string, form url.Values) (*http.Response, error) {
	u := *c.base
	u.Path += path
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	setHeaders(req)
	resp, err := c.http.Do(req)
	if err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
		return resp, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	_ = resp.Body.Close()
	u.RawQuery = form.Encode()
	req, err = http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	setHeaders(req)
	return c.http.Do(req)
}

// setHeaders sets the headers of every request.
func setHeaders(req *http.Request) {
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "canary-analyzer")
}

// formatTime writes t as Unix seconds with the fraction Prometheus reads.
func formatTime(t time.Time) string {
	return strconv.FormatFloat(float64(t.Unix())+float64(t.Nanosecond())/1e9, 'f', -1, 64)
}
