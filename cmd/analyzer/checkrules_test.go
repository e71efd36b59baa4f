package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/canary-analyzer/canary-analyzer/internal/logscenario"
	"github.com/canary-analyzer/canary-analyzer/internal/lokitest"
	"github.com/canary-analyzer/canary-analyzer/internal/promtest"
	"github.com/canary-analyzer/canary-analyzer/internal/scenario"
)

// checkCase is one check-rules run: its arguments, the environment
// variable ANALYZER_ENVIRONMENT, the exit code and what stdout and stderr
// must hold.
type checkCase struct {
	name           string
	env            string
	args           []string
	code           int
	stdout, stderr []string
}

func runCheckCases(t *testing.T, cases []checkCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("ANALYZER_ENVIRONMENT", c.env)
			var out, errOut bytes.Buffer
			if got := runCheckRules(c.args, &out, &errOut); got != c.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", got, c.code, out.String(), errOut.String())
			}
			for _, w := range c.stdout {
				if !strings.Contains(out.String(), w) {
					t.Errorf("stdout lacks %q:\n%s", w, out.String())
				}
			}
			for _, w := range c.stderr {
				if !strings.Contains(errOut.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut.String())
				}
			}
		})
	}
}

// TestCheckRules runs check-rules on the shipped and the test rule files:
// the environment (flag or ANALYZER_ENVIRONMENT) must be one a rule file
// defines, queries must parse, and warnings are printed without failing.
func TestCheckRules(t *testing.T) {
	const shipped = "../../deploy/base/rules"
	runCheckCases(t, []checkCase{
		{name: "environment from ANALYZER_ENVIRONMENT", env: "live", args: []string{shipped}, code: 0,
			stdout: []string{"OK (2 rule sets in environment live: [apache-frontend http-service])"}},
		{name: "the flag wins over the variable", env: "live", args: []string{"--environment", "beta", shipped}, code: 0,
			stdout: []string{"in environment beta"}},
		{name: "an environment no rule file defines", args: []string{"--environment", "liv", shipped}, code: 1,
			stderr: []string{`unknown environment "liv": the rule sets define alpha, beta, live`}},
		{name: "a misspelt environment from the variable", env: "liv", args: []string{shipped}, code: 1,
			stderr: []string{`unknown environment "liv"`}},
		{name: "files: an environment none of them defines", args: []string{"--environment", "live", "../../rules/testdata/minimal.good.yaml"}, code: 1,
			stderr: []string{`unknown environment "live": no rule set defines environments`}},
		{name: "warnings do not fail", args: []string{"../../rules/testdata/counter-windows.good.yaml"}, code: 0,
			stdout: []string{"counter-windows.good.yaml: OK"},
			stderr: []string{"counter-windows.good.yaml:10:21: warning: metric \"restarts\": query: increase(", "write {{.Increase `SELECTOR`}}"}},
		{name: "every error of a file", args: []string{"../../rules/testdata/promql-syntax.bad.yaml"}, code: 1,
			stderr: []string{"promql-syntax.bad.yaml:8:48: metric \"latency-p95\": query does not parse as PromQL", "promql-syntax.bad.yaml:11:31:", "promql-syntax.bad.yaml:12:75:", "promql-syntax.bad.yaml:14:78:"}},
		{name: "dry-run flags without a namespace", args: []string{"--rollout", "web", shipped}, code: exitUsage,
			stderr: []string{"give --namespace"}},
		{name: "a dry run without a backend", args: []string{"--namespace", "shop", shipped}, code: exitUsage,
			stderr: []string{"needs --prometheus.url"}},
		{name: "one hash", args: []string{"--namespace", "shop", "--prometheus.url", "http://127.0.0.1:1", "--canary-hash", "abc", shipped}, code: exitUsage,
			stderr: []string{"give both --canary-hash and --stable-hash"}},
		{name: "one ReplicaSet", args: []string{"--namespace", "shop", "--prometheus.url", "http://127.0.0.1:1", "--stable-replicaset", "web-1-baseline", shipped}, code: exitUsage,
			stderr: []string{"give both --canary-replicaset and --stable-replicaset"}},
		{name: "ReplicaSets and hashes", args: []string{"--namespace", "shop", "--prometheus.url", "http://127.0.0.1:1", "--canary-hash", "abc", "--stable-hash", "def",
			"--canary-replicaset", "web-1-canary", "--stable-replicaset", "web-1-baseline", shipped}, code: exitUsage,
			stderr: []string{"the hashes or the ReplicaSets, not both"}},
		{name: "both references without the rollout", args: []string{"--namespace", "shop", "--prometheus.url", "http://127.0.0.1:1", "--stable-hash", "def",
			"--canary-replicaset", "web-1-canary", "--stable-replicaset", "web-1-baseline", shipped}, code: exitUsage,
			stderr: []string{"both references) needs --rollout"}},
		{name: "a stable hash beside one ReplicaSet", args: []string{"--namespace", "shop", "--prometheus.url", "http://127.0.0.1:1", "--stable-hash", "def",
			"--canary-replicaset", "web-1-canary", shipped}, code: exitUsage,
			stderr: []string{"give both --canary-replicaset and --stable-replicaset"}},
		{name: "ReplicaSets without a namespace", args: []string{"--canary-replicaset", "web-1-canary", shipped}, code: exitUsage,
			stderr: []string{"give --namespace"}},
		{name: "an end that is no time", args: []string{"--namespace", "shop", "--prometheus.url", "http://127.0.0.1:1", "--end", "NaN", shipped}, code: exitUsage,
			stderr: []string{`--end: end "NaN" is neither RFC 3339`}},
		{name: "an end before 2000", args: []string{"--namespace", "shop", "--prometheus.url", "http://127.0.0.1:1", "--end", "5", shipped}, code: exitUsage,
			stderr: []string{"--end: end 1970-01-01T00:00:05Z is outside 2000-01-01T00:00:00Z to 2100-01-01T00:00:00Z"}},
	})
}

// TestServeUnknownEnvironment checks that serve refuses to start with an
// environment no rule file defines.
func TestServeUnknownEnvironment(t *testing.T) {
	code := run([]string{"serve", "--environment", "liv", "--rules.dir", "../../deploy/base/rules",
		"--prometheus.url", "http://127.0.0.1:1", "--listen-address", "127.0.0.1:0", "--log.level", "error"})
	if code == 0 {
		t.Errorf("serve --environment liv exited %d", code)
	}
}

// TestCheckRulesDryRunPrometheus dry-runs the shipped http-service rule set
// and a broken one against a real Prometheus holding the end-to-end data.
func TestCheckRulesDryRunPrometheus(t *testing.T) {
	var om bytes.Buffer
	healthy, _, err := scenario.WriteE2E(&om)
	if err != nil {
		t.Fatal(err)
	}
	prom := promtest.Start(t, &om)
	end := healthy.End.Format(time.RFC3339)
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken.yaml")
	if err := os.WriteFile(broken, []byte(`name: broken
thresholds: {pass: 90, marginal: 60}
metrics:
  - name: misspelt-metric
    query: 'sum by (pod) (container_memory_working_set_byte{namespace="{{.Namespace}}", {{.Pods}}})'
  - name: per-bucket
    query: 'http_request_duration_seconds_bucket{namespace="{{.Namespace}}", {{.Pods}}}'
  - name: summed-away
    query: 'sum({{.Rate `+"`"+`http_requests_total{namespace="{{.Namespace}}", {{.Pods}}}`+"`"+`}})'
  - name: per-code
    query: 'sum by (pod, code) ({{.Rate `+"`"+`http_requests_total{namespace="{{.Namespace}}", {{.Pods}}}`+"`"+`}})'
  - name: restarts
    kind: rate
    query: 'sum by (pod) ({{.Increase `+"`"+`kube_pod_container_status_restarts_total{namespace="{{.Namespace}}", {{.Pods}}}`+"`"+`}})'
`), 0o644); err != nil {
		t.Fatal(err)
	}
	dry := func(args ...string) []string {
		return append([]string{"--prometheus.url", prom.URL, "--namespace", healthy.Namespace, "--end", end}, args...)
	}
	runCheckCases(t, []checkCase{
		{name: "the shipped rule set", args: dry("../../deploy/base/rules/http-service.yaml"), code: 0,
			stdout: []string{"dry run of http-service for namespace e2e-healthy until 2026-11-01T12:00:00Z: 12 queries, 0 errors, 2 warnings"},
			// The e2e pods have no CPU limit, so no CFS counters.
			stderr: []string{"warning: rule set http-service, metric cpu, throttled: returned nothing: right if the pods have no CPU limit",
				"warning: rule set http-service, metric cpu, periods: returned nothing"}},
		{name: "one canary and its stable pods", args: dry("--rollout", healthy.Rollout, "--canary-hash", healthy.CanaryHash,
			"--stable-hash", healthy.StableHash, "../../deploy/base/rules/http-service.yaml"), code: 0,
			stdout: []string{"12 queries, 0 errors, 2 warnings"}},
		// A rollout's ReplicaSets are <rollout>-<hash>: the same pods.
		{name: "the same pods by ReplicaSet", args: dry("--canary-replicaset", healthy.Rollout+"-"+healthy.CanaryHash,
			"--stable-replicaset", healthy.Rollout+"-"+healthy.StableHash, "../../deploy/base/rules/http-service.yaml"), code: 0,
			stdout: []string{"12 queries, 0 errors, 2 warnings"}},
		// Both references: each judgement's queries (the baseline has no
		// pods here, but the canary's answer every query), without the CFS
		// counters, which such a request does not ask for.
		{name: "both references", args: dry("--rollout", healthy.Rollout, "--canary-replicaset", healthy.Rollout+"-"+healthy.CanaryHash,
			"--stable-replicaset", healthy.Rollout+"-1-baseline", "--stable-hash", healthy.StableHash, "../../deploy/base/rules/http-service.yaml"), code: 0,
			stdout: []string{"dry run of http-service (against the baseline) for namespace e2e-healthy until 2026-11-01T12:00:00Z: 10 queries, 0 errors, 0 warnings",
				"dry run of http-service (against the stable pods) for namespace e2e-healthy until 2026-11-01T12:00:00Z: 10 queries, 0 errors, 0 warnings"}},
		{name: "both references whose stable hash selects the baseline", args: dry("--rollout", healthy.Rollout, "--canary-replicaset", healthy.Rollout+"-"+healthy.CanaryHash,
			"--stable-replicaset", healthy.Rollout+"-"+healthy.StableHash, "--stable-hash", healthy.StableHash, "../../deploy/base/rules/http-service.yaml"), code: 1,
			stderr: []string{"stableHash " + healthy.StableHash + " would select the pods of ReplicaSet " + healthy.Rollout + "-" + healthy.StableHash}},
		{name: "ReplicaSets without pods", args: dry("--canary-replicaset", healthy.Rollout+"-1-canary",
			"--stable-replicaset", healthy.Rollout+"-1-baseline", "../../deploy/base/rules/http-service.yaml"), code: 1,
			stdout: []string{"12 queries, 7 errors, 5 warnings"}},
		{name: "a namespace without the pods", args: []string{"--prometheus.url", prom.URL, "--namespace", "elsewhere", "--end", end,
			"../../deploy/base/rules/http-service.yaml"}, code: 1,
			stdout: []string{"12 queries, 7 errors, 5 warnings"},
			stderr: []string{"warning: rule set http-service, metric error-ratio, numerator: returned nothing: right if no pod had such an event"}},
		{name: "broken queries", args: dry(broken), code: 1,
			stdout: []string{"dry run of broken for namespace e2e-healthy until 2026-11-01T12:00:00Z: 5 queries, 4 errors, 0 warnings"},
			stderr: []string{
				"error: rule set broken, metric misspelt-metric, query: returned nothing: is a metric or label name wrong",
				"error: rule set broken, metric per-bucket, query: more than one series for a pod: web-",
				"error: rule set broken, metric summed-away, query: 1 of 1 series lack the pod label",
				"error: rule set broken, metric per-code, query: more than one series for a pod",
			}},
	})
}

// TestCheckRulesDryRunLoki dry-runs the shipped apache-frontend rule set
// against the Loki stand-in holding the recorded shop logs, and Prometheus
// holding the pods' resources.
func TestCheckRulesDryRunLoki(t *testing.T) {
	store, err := lokitest.ShopStore()
	if err != nil {
		t.Fatal(err)
	}
	loki := lokitest.NewServer(t, store)
	pods := []logscenario.ResourcePod{{Namespace: "shop", Pod: lokitest.FixtureCanaryPod, Start: lokitest.FixtureStart}}
	for _, p := range lokitest.FixtureStablePods {
		pods = append(pods, logscenario.ResourcePod{Namespace: "shop", Pod: p})
	}
	var om bytes.Buffer
	if err := logscenario.WriteResources(&om, pods, lokitest.FixtureStart.Add(-10*time.Minute), lokitest.FixtureEnd, 7); err != nil {
		t.Fatal(err)
	}
	prom := promtest.Start(t, &om)
	end := lokitest.FixtureEnd.Add(30 * time.Second).Format(time.RFC3339)
	wrongStream := filepath.Join(t.TempDir(), "wrong-stream.yaml")
	if err := os.WriteFile(wrongStream, []byte(`name: wrong-stream
thresholds: {pass: 90, marginal: 60}
metrics:
  - name: nginx-lines
    source: loki
    query: 'sum by (pod) (count_over_time({namespace="{{.Namespace}}", {{.Pods}}, container="nginx"} [{{.Step}}]))'
  - name: new-errors
    kind: signatures
    query: '{namespace="{{.Namespace}}", {{.Pods}}, container="httpd", stream="error"} |= "no such message"'
`), 0o644); err != nil {
		t.Fatal(err)
	}
	runCheckCases(t, []checkCase{
		{name: "a stream no pod writes", args: []string{"--loki.url", loki.URL, "--namespace", "shop", "--end", end, wrongStream}, code: 1,
			stdout: []string{"2 queries, 1 errors, 1 warnings"},
			stderr: []string{"error: rule set wrong-stream, metric nginx-lines, query: returned nothing",
				"warning: rule set wrong-stream, metric new-errors, logs: returned no log lines"}},
		{name: "the shipped rule set", args: []string{"--prometheus.url", prom.URL, "--loki.url", loki.URL, "--namespace", "shop", "--end", end,
			"--rollout", lokitest.FixtureRollout, "../../deploy/base/rules/apache-frontend.yaml"}, code: 0,
			stdout: []string{"dry run of apache-frontend for namespace shop until 2026-11-25T19:47:30Z: 10 queries, 0 errors, 0 warnings"}},
		{name: "without Prometheus", args: []string{"--loki.url", loki.URL, "--namespace", "shop", "--end", end,
			"../../deploy/base/rules/apache-frontend.yaml"}, code: 1,
			stderr: []string{"metric cpu, query: no prometheus to ask"}},
	})
}
