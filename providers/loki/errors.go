package loki

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"

	"github.com/canary-analyzer/canary-analyzer/providers"
)

// statusError turns a non-200 answer into a *providers.Error. Loki writes its
// errors as plain text; the text is kept, trimmed and cut to a few hundred
// bytes, as Msg.
//
//   - 400: Loki rejected the query (syntax, limits, a pipeline error): providers.BadQuery.
//   - 401, 403: credentials or tenant refused: providers.AuthRefused.
//   - 404: no such endpoint, which means the configured URL is wrong: providers.Unavailable.
//   - anything else (5xx, 429, proxies' 3xx and 4xx): providers.Unavailable.
func statusError(status int, path string, body []byte, total int64, over bool) error {
	msg := providers.Excerpt(body, total, over)
	e := &providers.Error{Backend: Type, Status: status, Msg: msg}
	switch {
	case status == http.StatusBadRequest:
		e.Kind = providers.BadQuery
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		e.Kind = providers.AuthRefused
	case status == http.StatusNotFound:
		e.Kind = providers.Unavailable
		e.Msg = fmt.Sprintf("%s not found: check the Loki URL (it must point at Loki's HTTP API, without %s)", path, apiPrefix)
		if msg != "" {
			e.Msg += "; Loki said: " + msg
		}
	default:
		e.Kind = providers.Unavailable
	}
	if e.Msg == "" {
		e.Msg = http.StatusText(status)
	}
	return e
}

// decodeError reports an answer whose content we do not accept.
func decodeError(err error) error {
	return &providers.Error{
		Backend: Type,
		Kind:    providers.Unavailable,
		Msg:     "undecodable answer: " + err.Error(),
		Err:     err,
	}
}

// maxEntriesMessage matches Loki's refusal of a log query whose limit is
// above max_entries_limit_per_query. Loki 3 writes "limit >
// max_entries_limit_per_query (10000 > 5000)" (recorded in
// shared/fixtures/loki), Loki 2 "limit > max_entries_limit (1000 > 500)".
var maxEntriesMessage = regexp.MustCompile(`max entries limit per query exceeded, limit > max_entries_limit(?:_per_query)? \((\d+) > (\d+)\)`)

// serverMaxEntries reads the server's max_entries_limit_per_query from its
// refusal of a limit: ok is false for any other error.
func serverMaxEntries(err error) (limit int, ok bool) {
	var pe *providers.Error
	if !errors.As(err, &pe) || pe.Kind != providers.BadQuery {
		return 0, false
	}
	m := maxEntriesMessage.FindStringSubmatch(pe.Msg)
	if m == nil {
		return 0, false
	}
	n, err := strconv.Atoi(m[2])
	if err != nil || n <= 0 {
		return 0, false
	}
	return n, true
}
