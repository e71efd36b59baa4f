package engine

import (
	"fmt"

	"github.com/canary-analyzer/canary-analyzer/rules"
)

// InputError is a request that cannot be judged as asked. Field names the
// request field at fault.
type InputError struct {
	Field string
	Msg   string
	// NotFound is set when the field names something that does not exist
	// (an unknown rule set).
	NotFound bool
}

func (e *InputError) Error() string { return e.Field + ": " + e.Msg }

// QueryError is a backend failure while running one metric's query. It
// wraps the provider's error (a *providers.Error).
type QueryError struct {
	RuleSet string
	Metric  string
	Role    rules.Role
	Query   string
	Err     error
}

func (e *QueryError) Error() string {
	return fmt.Sprintf("rule set %s, metric %s (%s): %v", e.RuleSet, e.Metric, e.Role, e.Err)
}

func (e *QueryError) Unwrap() error { return e.Err }

// ConfigError is a server-side setup problem, e.g. a rule uses a backend the
// service was not given a URL for.
type ConfigError struct{ Msg string }

func (e *ConfigError) Error() string { return e.Msg }

// PanicError is a bug caught at run time: a task of the judgement panicked
// (a backend answer a decoder did not expect, say). The judgement fails
// with it, an internal error, and the process keeps serving.
type PanicError struct {
	// Value is what the task panicked with and Stack where.
	Value any
	Stack []byte
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("internal error: a query task panicked: %v", e.Value)
}
