package api

import (
	"errors"
	"net/http"

	"github.com/canary-analyzer/canary-analyzer/engine"
	"github.com/canary-analyzer/canary-analyzer/providers"
	"github.com/canary-analyzer/canary-analyzer/request"
)

var (
	errBodyAndQuery = errors.New("a POST takes its parameters from the JSON body only, not from the query string")
	errNoReload     = errors.New("reloading is not available in this mode")
)

// errorType is the "errorType" of an error response.
type errorType string

// Error types.
const (
	errBadData     errorType = "bad_data"
	errNotFound    errorType = "not_found"
	errBadQuery    errorType = "bad_query"
	errUnavailable errorType = "unavailable"
	errTimeout     errorType = "timeout"
	errBackendAuth errorType = "backend_auth"
	errCanceled    errorType = "canceled"
	errInternal    errorType = "internal"

	errUnauthorized errorType = "unauthorized"
	errForbidden    errorType = "forbidden"
	errOverloaded   errorType = "overloaded"
)

// statusClientClosedRequest is nginx's code for a client that went away.
const statusClientClosedRequest = 499

// apiError is an error with the type and field the response shows.
type apiError struct {
	typ   errorType
	field string
	err   error
}

func (e *apiError) Error() string { return e.err.Error() }
func (e *apiError) Unwrap() error { return e.err }

// badData is a request error in one field.
func badData(field string, err error) *apiError {
	return &apiError{typ: errBadData, field: field, err: err}
}

// classify gives any error from the judgement path its type and field.
func classify(err error) *apiError {
	var ae *apiError
	var re *request.Error
	var in *engine.InputError
	var cfg *engine.ConfigError
	var pe *providers.Error
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &re):
		return &apiError{typ: errBadData, field: re.Field, err: err}
	case errors.As(err, &in):
		t := errBadData
		if in.NotFound {
			t = errNotFound
		}
		return &apiError{typ: t, field: in.Field, err: err}
	case errors.As(err, &cfg):
		return &apiError{typ: errInternal, err: err}
	case errors.As(err, &pe):
		switch pe.Kind {
		case providers.BadQuery:
			return &apiError{typ: errBadQuery, err: err}
		case providers.Timeout:
			return &apiError{typ: errTimeout, err: err}
		case providers.Canceled:
			return &apiError{typ: errCanceled, err: err}
		case providers.AuthRefused:
			return &apiError{typ: errBackendAuth, err: err}
		default: // unavailable
			return &apiError{typ: errUnavailable, err: err}
		}
	}
	return &apiError{typ: errInternal, err: err}
}

// statusFor is the one place that maps error types to HTTP status codes.
// Argo Rollouts records any non-2xx answer as a measurement Error and
// retries it; none of these is ever a verdict.
func statusFor(t errorType) int {
	switch t {
	case errBadData:
		return http.StatusBadRequest
	case errNotFound:
		return http.StatusNotFound
	case errBadQuery:
		return http.StatusUnprocessableEntity
	case errUnavailable, errTimeout, errOverloaded:
		return http.StatusServiceUnavailable
	case errBackendAuth:
		// Not 503: the backend is up and refused our credentials, a
		// configuration error that retrying will not mend.
		return http.StatusBadGateway
	case errUnauthorized:
		return http.StatusUnauthorized
	case errForbidden:
		return http.StatusForbidden
	case errCanceled:
		return statusClientClosedRequest
	default:
		return http.StatusInternalServerError
	}
}

// errorBody is the JSON of every error response.
type errorBody struct {
	Status    string    `json:"status"`
	ErrorType errorType `json:"errorType"`
	Error     string    `json:"error"`
	Field     string    `json:"field,omitempty"`
}
