// Package longtest marks the tests too long for the default "go test ./...":
// they run when the environment variable CANARY_LONG_TESTS is set to 1, as
// scripts/test (and so CI) sets it.
package longtest

import (
	"os"
	"testing"
)

// Env is the variable that turns the long tests on.
const Env = "CANARY_LONG_TESTS"

// Enabled says whether the long tests run.
func Enabled() bool { return os.Getenv(Env) == "1" }

// Skip skips t unless the long tests run.
func Skip(t testing.TB) {
	t.Helper()
	if !Enabled() {
		t.Skipf("a long test: %s=1 runs it (scripts/test sets it)", Env)
	}
}
