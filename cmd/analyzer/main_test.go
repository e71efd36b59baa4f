package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/canary-analyzer/canary-analyzer/internal/promtest"
	"github.com/canary-analyzer/canary-analyzer/internal/scenario"
)

func TestCommands(t *testing.T) {
	bad := t.TempDir()
	if err := os.WriteFile(filepath.Join(bad, "x.yaml"), []byte("name: x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		code int
	}{
		{"no command", nil, exitUsage},
		{"unknown command", []string{"frobnicate"}, exitUsage},
		{"version", []string{"version"}, 0},
		{"check shipped rules", []string{"check-rules", "--environment", "live", "../../deploy/base/rules"}, 0},
		{"check a bad rule file", []string{"check-rules", filepath.Join(bad, "x.yaml")}, 1},
		{"check without a path", []string{"check-rules"}, exitUsage},
		{"serve with a bad flag", []string{"serve", "--no-such-flag"}, exitUsage},
		{"judge without a namespace", []string{"judge", "--prometheus.url", "http://127.0.0.1:1", "--rule-set", "http-service"}, exitUsage},
		{"judge with a bad output", []string{"judge", "--output", "xml"}, exitUsage},
		{"judge with a dashed hash", []string{"judge", "--namespace", "shop", "--canary-hash", "a-b", "--stable-hash", "c", "--rule-set", "r"}, exitUsage},
		{"judge with a bad end", []string{"judge", "--end", "0001-01-01T00:00:00Z"}, exitUsage},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := run(c.args); got != c.code {
				t.Errorf("exit %d, want %d", got, c.code)
			}
		})
	}
}

func TestEnvironmentVariables(t *testing.T) {
	t.Setenv("ANALYZER_LOG_LEVEL", "nonsense")
	if got := run([]string{"serve"}); got != exitUsage {
		t.Errorf("serve with a bad ANALYZER_LOG_LEVEL: exit %d", got)
	}
	if envName("prometheus.bearer-token-file") != "ANALYZER_PROMETHEUS_BEARER_TOKEN_FILE" {
		t.Errorf("env name %s", envName("prometheus.bearer-token-file"))
	}
}

// TestJudgeCommand judges the end-to-end canaries from the command line on
// a real Prometheus: the exit code is the verdict.
func TestJudgeCommand(t *testing.T) {
	var om bytes.Buffer
	healthy, regressed, err := scenario.WriteE2E(&om)
	if err != nil {
		t.Fatal(err)
	}
	prom := promtest.Start(t, &om)
	end := healthy.End.Truncate(time.Minute).Format(time.RFC3339)
	for _, c := range []struct {
		truth  scenario.Truth
		output string
		code   int
	}{
		{healthy, "text", exitSuccessful},
		{regressed, "json", exitFailed},
	} {
		t.Run(c.truth.Namespace, func(t *testing.T) {
			code := run([]string{"judge", "--prometheus.url", prom.URL, "--rules.dir", "../../deploy/base/rules",
				"--log.level", "error", "--output", c.output,
				"--namespace", c.truth.Namespace, "--rollout", c.truth.Rollout, "--canary-hash", c.truth.CanaryHash,
				"--stable-hash", c.truth.StableHash, "--rule-set", "http-service", "--end", end})
			if code != c.code {
				t.Errorf("exit %d, want %d", code, c.code)
			}
		})
	}
}
