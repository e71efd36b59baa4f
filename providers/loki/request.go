package loki

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/canary-analyzer/canary-analyzer/providers"
)

// maxErrorBody caps how much of an error answer is read.
const maxErrorBody = 64 << 10

// envelope is the outer object of every successful Loki answer.
type envelope struct {
	Status    string          `json:"status"`
	Data      json.RawMessage `json:"data"`
	ErrorType string          `json:"errorType"`
	Error     string          `json:"error"`
}

// get sends GET base+apiPrefix+path?params and returns the "data" member of
// a successful answer. Every failure is a *providers.Error. extra holds
// headers for this request only.
func (c *Client) get(ctx context.Context, path string, params url.Values, extra http.Header) (json.RawMessage, error) {
	u := *c.base
	u.Path = c.base.Path + apiPrefix + path
	u.RawQuery = params.Encode()

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("loki: building request: %w", err)
	}
	req.Header = c.header.Clone()
	for k, vs := range extra {
		req.Header[k] = append([]string(nil), vs...)
	}

	resp, err := c.http.Do(req)
	if err != nil {
		return nil, transportError(ctx, err)
	}
	defer func() { _ = resp.Body.Close() }()

	if resp.StatusCode != http.StatusOK {
		body, readErr := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		if readErr != nil && ctx.Err() != nil {
			return nil, transportError(ctx, readErr)
		}
		return nil, statusError(resp.StatusCode, u.Path, body)
	}

	var env envelope
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		if ctx.Err() != nil {
			return nil, transportError(ctx, err)
		}
		return nil, &providers.Error{
			Backend: Type,
			Kind:    providers.Unavailable,
			Status:  resp.StatusCode,
			Msg: fmt.Sprintf("answer to %s is not Loki JSON (Content-Type %q): %v",
				u.Path, resp.Header.Get("Content-Type"), err),
			Err: err,
		}
	}
	if env.Status != "success" {
		msg := fmt.Sprintf("answer to %s has status %q", u.Path, env.Status)
		if env.Error != "" {
			msg += ": " + env.Error
		}
		return nil, &providers.Error{Backend: Type, Kind: providers.Unavailable, Status: resp.StatusCode, Msg: msg}
	}
	// Data may be missing or null; each caller decides whether that is an
	// empty answer or a broken one.
	return env.Data, nil
}

// decodeError reports an answer whose shape we do not understand.
func decodeError(err error) error {
	return &providers.Error{
		Backend: Type,
		Kind:    providers.Unavailable,
		Msg:     "undecodable answer: " + err.Error(),
		Err:     err,
	}
}

// formatTime renders t as Unix nanoseconds, the only form Loki reads at full
// precision (a decimal number of seconds is rounded to milliseconds).
func formatTime(name string, t time.Time) (string, error) {
	if t.IsZero() {
		return "", fmt.Errorf("loki: %s time is not set", name)
	}
	if t.Year() < 1970 || t.Year() > 2261 {
		return "", fmt.Errorf("loki: %s time %s is outside the range Loki accepts", name, t.Format(time.RFC3339))
	}
	return strconv.FormatInt(t.UnixNano(), 10), nil
}

// setRange puts start and end into params; a zero time is left out.
func setRange(params url.Values, start, end time.Time) error {
	for _, p := range []struct {
		name string
		t    time.Time
	}{{"start", start}, {"end", end}} {
		if p.t.IsZero() {
			continue
		}
		s, err := formatTime(p.name, p.t)
		if err != nil {
			return err
		}
		params.Set(p.name, s)
	}
	return nil
}

// errEmptyExpr is returned for a query with no expression.
var errEmptyExpr = errors.New("loki: query expression is empty")
