package providers

import (
	"context"
	"errors"
	"fmt"
	"net"
)

// ErrorKind says what went wrong when a backend call failed. The API maps
// kinds to HTTP status codes in one place (api/errors.go).
type ErrorKind string

// Error kinds.
const (
	// BadQuery: the backend rejected the query (syntax, limits, a
	// non-numeric unwrap). The query comes from a rule file, so this is a
	// rule problem, not a transient one.
	BadQuery ErrorKind = "bad_query"
	// Unavailable: network error, 5xx, or an answer we could not decode.
	Unavailable ErrorKind = "unavailable"
	// Timeout: the context deadline passed before the backend answered.
	Timeout ErrorKind = "timeout"
	// Canceled: the caller went away.
	Canceled ErrorKind = "canceled"
	// AuthRefused: the backend refused our credentials or tenant (401/403).
	AuthRefused ErrorKind = "auth"
)

// Error is a failed backend call.
type Error struct {
	Backend Type
	Kind    ErrorKind
	// Status is the HTTP status the backend answered with, 0 if none.
	Status int
	// Msg is the backend's own message, trimmed.
	Msg string
	Err error
}

func (e *Error) Error() string {
	s := fmt.Sprintf("%s: %s", e.Backend, e.Kind)
	if e.Status != 0 {
		s += fmt.Sprintf(" (HTTP %d)", e.Status)
	}
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	if e.Err != nil && e.Msg == "" {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Name is the backend's name for messages: "Prometheus", "Loki".
func (t Type) Name() string {
	switch t {
	case TypePrometheus:
		return "Prometheus"
	case TypeLoki:
		return "Loki"
	}
	return string(t)
}

// TransportError classifies a failure to get an answer, or all of it, from
// backend b: the caller's context ending, a network timeout, or a backend
// that cannot be reached or broke off.
func TransportError(ctx context.Context, b Type, err error) *Error {
	e := &Error{Backend: b, Err: err}
	var netErr net.Error
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		e.Kind = Timeout
		e.Msg = fmt.Sprintf("no answer from %s before the query deadline", b.Name())
	case errors.Is(ctx.Err(), context.Canceled):
		e.Kind = Canceled
		e.Msg = "query canceled"
	case errors.As(err, &netErr) && netErr.Timeout():
		e.Kind = Timeout
		e.Msg = fmt.Sprintf("HTTP client timeout talking to %s", b.Name())
	default:
		e.Kind = Unavailable
		e.Msg = fmt.Sprintf("cannot reach %s: %v", b.Name(), err)
	}
	return e
}

// AnswerError classifies a failure to read or decode a 200 answer of backend
// b: the deadline or the caller (see TransportError), an answer over the
// size limit (BadQuery: the query asks for too much, or the limit is too
// low), or a broken answer (Unavailable, with what was wrong).
func AnswerError(ctx context.Context, b Type, err error) *Error {
	if ctx.Err() != nil {
		return TransportError(ctx, b, err)
	}
	var tooLarge *TooLargeError
	if errors.As(err, &tooLarge) {
		return &Error{Backend: b, Kind: BadQuery, Err: err, Msg: fmt.Sprintf(
			"%v (--%s.max-response-bytes): narrow the query or raise the limit", err, b)}
	}
	return &Error{Backend: b, Kind: Unavailable, Err: err, Msg: fmt.Sprintf(
		"broken answer from %s: %v", b.Name(), err)}
}
