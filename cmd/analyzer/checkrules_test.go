package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestCheckRulesEnvironmentVariables checks that check-rules reads the
// ANALYZER_* variables its usage text names, as the other commands do.
func TestCheckRulesEnvironmentVariables(t *testing.T) {
	cases := []struct {
		name   string
		env    string
		args   []string
		code   int
		stdout string
	}{
		{"from the environment", "live", nil, 0, "in environment live"},
		{"the flag wins over the environment", "live", []string{"--environment", "beta"}, 0, "in environment beta"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("ANALYZER_ENVIRONMENT", c.env)
			var out, errOut bytes.Buffer
			args := append(c.args, "../../deploy/base/rules")
			if got := runCheckRules(args, &out, &errOut); got != c.code {
				t.Errorf("exit %d, want %d; stderr: %s", got, c.code, errOut.String())
			}
			if !strings.Contains(out.String(), c.stdout) {
				t.Errorf("stdout %q lacks %q", out.String(), c.stdout)
			}
		})
	}
}
