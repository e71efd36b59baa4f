package providers

import (
	"errors"
	"fmt"
)

// ErrNoData is returned (wrapped) when a backend answered but had no data at
// all for a query. analysis maps it to Inconclusive, never to a pass.
var ErrNoData = errors.New("no data")

// Kind says what went wrong when a backend call failed. The API maps kinds to
// HTTP status codes in one place (api/errors.go).
type Kind string

// Error kinds.
const (
	// KindBadQuery: the backend rejected the query (syntax, limits, a
	// non-numeric unwrap). The query comes from a rule file, so this is a rule
	// problem, not a transient one.
	KindBadQuery Kind = "bad_query"
	// KindUnavailable: network error, 5xx, or an answer we could not decode.
	KindUnavailable Kind = "unavailable"
	// KindTimeout: the context deadline passed before the backend answered.
	KindTimeout Kind = "timeout"
	// KindCanceled: the caller went away.
	KindCanceled Kind = "canceled"
	// KindAuth: the backend refused our credentials or tenant (401/403).
	KindAuth Kind = "auth"
)

// Error is a failed backend call.
type Error struct {
	Backend Type
	Kind    Kind
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
