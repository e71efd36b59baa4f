package loki

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/canary-analyzer/canary-analyzer/providers"
	"github.com/canary-analyzer/canary-analyzer/providers/internal/promjson"
)

// query sends GET base+apiPrefix+path?params (extra holds headers for this
// request only), checks that the answer is a successful one whose
// data.resultType is want, and hands data.result to decode. It returns the
// cost Loki reported. Every failure is a *providers.Error.
func (c *Client) query(ctx context.Context, path string, params url.Values, extra http.Header, want string, decode func(*json.Decoder) error) (promjson.Answer, providers.QueryStats, error) {
	u := *c.base
	u.Path = c.base.Path + apiPrefix + path
	u.RawQuery = params.Encode()

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return promjson.Answer{}, providers.QueryStats{}, fmt.Errorf("loki: building request: %w", err)
	}
	req.Header = c.header.Clone()
	for k, vs := range extra {
		req.Header[k] = append([]string(nil), vs...)
	}

	resp, err := c.http.Do(req)
	if err != nil {
		return promjson.Answer{}, providers.QueryStats{}, providers.TransportError(ctx, Type, err)
	}
	defer func() { _ = resp.Body.Close() }()

	if resp.StatusCode != http.StatusOK {
		kept, total, over, readErr := providers.ReadErrorBody(ctx, resp.Body, c.limit)
		if readErr != nil && ctx.Err() != nil {
			return promjson.Answer{}, providers.QueryStats{}, providers.TransportError(ctx, Type, readErr)
		}
		return promjson.Answer{}, providers.QueryStats{}, statusError(resp.StatusCode, u.Path, kept, total, over)
	}

	a, err := promjson.Decode(ctx, providers.LimitBody(ctx, resp.Body, c.limit), want, decode)
	if err != nil {
		var rt *promjson.ResultTypeError
		if errors.As(err, &rt) {
			return promjson.Answer{}, providers.QueryStats{}, wrongResultType(rt.Got, rt.Want)
		}
		return promjson.Answer{}, providers.QueryStats{}, providers.AnswerError(ctx, Type, err)
	}
	return a, readStats(a.Stats), nil
}

// readStats reads the cost of one query from data.stats.summary. Loki sends
// it with every query answer; a missing or odd one counts as the one request
// with no cost known, since the answer itself was fine.
func readStats(raw json.RawMessage) providers.QueryStats {
	var stats struct {
		Summary struct {
			TotalLinesProcessed int64 `json:"totalLinesProcessed"`
			TotalBytesProcessed int64 `json:"totalBytesProcessed"`
		} `json:"summary"`
	}
	st := providers.QueryStats{Requests: 1}
	if json.Unmarshal(raw, &stats) == nil {
		st.LinesProcessed = stats.Summary.TotalLinesProcessed
		st.BytesProcessed = stats.Summary.TotalBytesProcessed
	}
	return st
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
