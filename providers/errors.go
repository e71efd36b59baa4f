package providers

import "fmt"

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
