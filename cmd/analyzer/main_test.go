package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
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
		{"judge with one ReplicaSet", []string{"judge", "--namespace", "shop", "--canary-replicaset", "web-1-canary", "--rule-set", "r"}, exitUsage},
		{"judge with ReplicaSets and hashes", []string{"judge", "--namespace", "shop", "--canary-replicaset", "web-1-canary",
			"--stable-replicaset", "web-1-baseline", "--canary-hash", "a", "--stable-hash", "b", "--rule-set", "r"}, exitUsage},
		{"judge against both references without the rollout", []string{"judge", "--namespace", "shop", "--canary-replicaset", "web-1-canary",
			"--stable-replicaset", "web-1-baseline", "--stable-hash", "b", "--rule-set", "r"}, exitUsage},
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
// a real Prometheus: the exit code is the verdict, stdout holds the answer
// alone, and stderr no log line at the default level (issue 13, section 4).
func TestJudgeCommand(t *testing.T) {
	var om bytes.Buffer
	healthy, regressed, err := scenario.WriteE2E(&om)
	if err != nil {
		t.Fatal(err)
	}
	prom := promtest.Start(t, &om)
	end := healthy.End.Truncate(time.Minute).Format(time.RFC3339)
	byHash := func(tr scenario.Truth) []string {
		return []string{"--canary-hash", tr.CanaryHash, "--stable-hash", tr.StableHash}
	}
	for _, c := range []struct {
		name   string
		truth  scenario.Truth
		pods   []string // --canary-hash and --stable-hash, or the ReplicaSets
		output string
		code   int
		first  string // how stdout starts
		has    string // a line stdout holds, when set
	}{
		{"healthy", healthy, byHash(healthy), "text", exitSuccessful, "Successful  score 100", ""},
		{"regressed", regressed, byHash(regressed), "json", exitFailed, "{\n  \"verdict\": \"Failed\"", ""},
		// The rollout's own ReplicaSets are <rollout>-<hash>: the same pods,
		// shown by ReplicaSet.
		{"healthy by ReplicaSet", healthy, []string{"--canary-replicaset", healthy.Rollout + "-" + healthy.CanaryHash,
			"--stable-replicaset", healthy.Rollout + "-" + healthy.StableHash}, "text", exitSuccessful, "Successful  score 100",
			"namespace e2e-healthy  canary web-5f6b7c8d9e (" + healthy.CanaryPod + "; age 14m)  stable web-7c9d5b6f4d (4 pods)\n"},
		// Both references, with a baseline that has no pods here: Successful
		// against the stable pods, but one reference does not pass the
		// canary alone: Inconclusive, naming the argument to check.
		{"healthy against both references, the baseline missing", healthy, []string{"--canary-replicaset", healthy.Rollout + "-" + healthy.CanaryHash,
			"--stable-replicaset", healthy.Rollout + "-1-baseline", "--stable-hash", healthy.StableHash}, "text", exitInconclusive,
			"Inconclusive  score 100  (rule set http-service, judge canary)\nInconclusive: no pod of the baseline (" + healthy.Rollout + "-1-baseline) has data",
			"  against stable " + healthy.StableHash + " (4 pods): Successful, score 100: "},
	} {
		t.Run(c.name, func(t *testing.T) {
			var code int
			stdout, stderr := capture(t, func() {
				code = run(append([]string{"judge", "--prometheus.url", prom.URL, "--rules.dir", "../../deploy/base/rules",
					"--output", c.output,
					"--namespace", c.truth.Namespace, "--rollout", c.truth.Rollout,
					"--rule-set", "http-service", "--end", end}, c.pods...))
			})
			if code != c.code {
				t.Errorf("exit %d, want %d", code, c.code)
			}
			if !strings.HasPrefix(stdout, c.first) {
				t.Errorf("stdout starts %.80q, want %q", stdout, c.first)
			}
			if !strings.Contains(stdout, c.has) {
				t.Errorf("stdout lacks %q:\n%s", c.has, stdout)
			}
			if stderr != "" {
				t.Errorf("stderr holds:\n%s", stderr)
			}
		})
	}
}

// capture runs f with os.Stdout and os.Stderr redirected, and returns what
// each received.
func capture(t *testing.T, f func()) (stdout, stderr string) {
	t.Helper()
	read := func(dst **os.File) func() string {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		orig := *dst
		*dst = w
		done := make(chan string)
		go func() {
			b, _ := io.ReadAll(r)
			done <- string(b)
		}()
		return func() string {
			*dst = orig
			w.Close()
			return <-done
		}
	}
	out, errs := read(&os.Stdout), read(&os.Stderr)
	f()
	return out(), errs()
}

// TestTimeoutsMustBePositive: a zero or negative timeout would mean no
// deadline at all (issue 12, section 6).
func TestTimeoutsMustBePositive(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "--query.timeout", "0"},
		{"serve", "--query.timeout", "-5s"},
		{"serve", "--query.max-concurrency", "-1"},
		{"serve", "--query.queue-timeout", "-1s"},
		{"serve", "--web.shutdown-delay", "-1s"},
		{"judge", "--query.timeout", "0", "--namespace", "shop", "--canary-hash", "a", "--stable-hash", "b", "--rule-set", "r"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Setenv("ANALYZER_PROMETHEUS_URL", "http://127.0.0.1:1")
			if got := run(args); got != exitUsage {
				t.Errorf("exit %d, want %d", got, exitUsage)
			}
		})
	}
	t.Run("from the environment", func(t *testing.T) {
		t.Setenv("ANALYZER_QUERY_TIMEOUT", "0s")
		if got := run([]string{"serve"}); got != exitUsage {
			t.Errorf("exit %d, want %d", got, exitUsage)
		}
	})
}
