package prometheus

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/canary-analyzer/canary-analyzer/providers"
)

// Prometheus' errorType values that say more than the status code.
const (
	errorTypeBadData   = "bad_data"
	errorTypeExecution = "execution"
	errorTypeTimeout   = "timeout"
	errorTypeCanceled  = "canceled"
)

// statusError turns a non-200 answer into a *providers.Error. Prometheus
// answers errors with {"status":"error","errorType":...,"error":...}; a proxy
// in front of it may answer anything. The message is Prometheus' "error"
// when there is one, the body's text otherwise, cut to a few hundred bytes.
//
//   - 401, 403: our credentials or tenant were refused: AuthRefused.
//   - errorType timeout or canceled (503, 499): Timeout, Canceled.
//   - 400, 422, errorType bad_data or execution: Prometheus rejected the
//     query: BadQuery.
//   - 404: nothing answers at that path, so the URL is wrong: Unavailable.
//   - anything else (5xx, 429, a proxy's 3xx or 4xx): Unavailable.
func statusError(ctx context.Context, resp *http.Response, limit int64) error {
	kept, total, over, err := providers.ReadErrorBody(ctx, resp.Body, limit)
	if err != nil && ctx.Err() != nil {
		return providers.TransportError(ctx, Type, err)
	}
	status := resp.StatusCode
	e := &providers.Error{Backend: Type, Status: status, Kind: providers.Unavailable}
	var env struct {
		ErrorType json.RawMessage `json:"errorType"`
		Error     string          `json:"error"`
	}
	errorType := ""
	if json.Unmarshal(kept, &env) == nil && env.Error != "" {
		_ = json.Unmarshal(env.ErrorType, &errorType)
		e.Msg = providers.Excerpt([]byte(env.Error), int64(len(env.Error)), false)
	} else {
		e.Msg = providers.Excerpt(kept, total, over)
	}
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		e.Kind = providers.AuthRefused
	case errorType == errorTypeTimeout:
		e.Kind = providers.Timeout
	case errorType == errorTypeCanceled:
		e.Kind = providers.Canceled
	case status == http.StatusBadRequest || status == http.StatusUnprocessableEntity,
		errorType == errorTypeBadData || errorType == errorTypeExecution:
		e.Kind = providers.BadQuery
	case status == http.StatusNotFound:
		msg := fmt.Sprintf("%s not found: check the Prometheus URL (the part before %s)", queryRangePath, queryRangePath)
		if e.Msg != "" {
			msg += "; the server said: " + e.Msg
		}
		e.Msg = msg
	}
	if e.Msg == "" {
		e.Msg = http.StatusText(status)
	}
	return e
}
