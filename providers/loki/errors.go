package loki

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/canary-analyzer/canary-analyzer/providers"
)

// maxMsg caps the length of a backend message kept in an error.
const maxMsg = 2048

// statusError turns a non-200 answer into a *providers.Error. Loki writes its
// errors as plain text; the text is kept, trimmed, as Msg.
//
//   - 400: Loki rejected the query (syntax, limits, a pipeline error): providers.BadQuery.
//   - 401, 403: credentials or tenant refused: providers.AuthRefused.
//   - 404: no such endpoint, which means the configured URL is wrong: providers.Unavailable.
//   - anything else (5xx, 429, proxies' 3xx and 4xx): providers.Unavailable.
func statusError(status int, path string, body []byte) error {
	msg := backendMessage(body)
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

// backendMessage trims a plain-text error body for humans. Line breaks of
// multi-line messages are kept; trailing blanks on each line go.
func backendMessage(body []byte) string {
	lines := strings.Split(strings.TrimSpace(strings.ToValidUTF8(string(body), "\uFFFD")), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t\r")
	}
	msg := strings.Join(lines, "\n")
	if len(msg) > maxMsg {
		cut := maxMsg
		for cut > 0 && !isRuneStart(msg[cut]) {
			cut--
		}
		msg = msg[:cut] + " [truncated]"
	}
	return msg
}

// isRuneStart reports whether b begins a UTF-8 sequence.
func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// transportError classifies a failure to get an answer at all: the caller's
// context ending, a network timeout, or an unreachable backend.
func transportError(ctx context.Context, err error) error {
	e := &providers.Error{Backend: Type, Err: err}
	var netErr net.Error
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		e.Kind = providers.Timeout
		e.Msg = "no answer from Loki before the query deadline"
	case errors.Is(ctx.Err(), context.Canceled):
		e.Kind = providers.Canceled
		e.Msg = "query canceled"
	case errors.As(err, &netErr) && netErr.Timeout():
		e.Kind = providers.Timeout
		e.Msg = "HTTP client timeout talking to Loki"
	default:
		e.Kind = providers.Unavailable
		e.Msg = "cannot reach Loki: " + err.Error()
	}
	return e
}
