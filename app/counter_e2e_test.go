package app

import (
	"bytes"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/api/wire"
	"github.com/canary-analyzer/canary-analyzer/internal/promtest"
	"github.com/canary-analyzer/canary-analyzer/internal/scenario"
	"github.com/canary-analyzer/canary-analyzer/providers"
)

// TestRestartJustAfterStepBoundary judges, with the shipped http-service
// rule set on a real Prometheus scraped every 15 s, healthy canaries whose
// container restarted just after a step boundary: the restart first shows
// at the first scrape of a minute, the one increase(x[1m]) at a 1-minute
// step never sees (the windows (t-1m, t] only hold the samples inside
// them). A canary that restarted must never be Successful, at any look
// after its restart. A copy of the rule set whose restarts query is
// written with increase(...[{{.Step}}]) shows that the data put the
// restarts where that form loses them.
func TestRestartJustAfterStepBoundary(t *testing.T) {
	var om bytes.Buffer
	healthy, _, err := scenario.WriteE2E(&om)
	if err != nil {
		t.Fatal(err)
	}
	first := healthy.CanaryStart.Add(14 * time.Second) // the canary's first scrape, 14 s after the minute
	if !strings.Contains(om.String(), fmt.Sprintf(" %d\n", first.Unix())) {
		t.Fatalf("no sample at %v: the scrapes are not where this test expects them", first)
	}
	minute := func(m int) time.Time { return first.Add(time.Duration(m) * time.Minute) }
	cases := []struct {
		namespace string
		// restarts lists when each restart first shows in the counter.
		restarts []time.Time
	}{
		// kube-state-metrics reports the pod's restart count: a pod that
		// crashed before its first scrape starts its series at 1.
		{"restart-before-first-scrape", []time.Time{first}},
		{"restart-in-minute-2", []time.Time{minute(2)}},
		{"restart-in-minute-5", []time.Time{minute(5)}},
		{"crash-loop", []time.Time{minute(1), minute(3), minute(5), minute(7)}},
		// In the last minute before a look that does not fall on the
		// minute (Argo asks at any second): a window rounded down to the
		// step would end before it.
		{"restart-in-last-minute", []time.Time{minute(10)}},
	}
	var spec []restartSpec
	for _, c := range cases {
		spec = append(spec, restartSpec{namespace: c.namespace, restarts: c.restarts})
	}
	data, err := withRestarts(om.String(), healthy, spec)
	if err != nil {
		t.Fatal(err)
	}
	prom := promtest.Start(t, strings.NewReader(data))

	// The shipped rule set, and the same with the restarts query in the
	// form that loses increments between windows.
	dir := t.TempDir()
	shipped, err := os.ReadFile("../deploy/base/rules/http-service.yaml")
	if err != nil {
		t.Fatal(err)
	}
	const exact = "{{.Increase `kube_pod_container_status_restarts_total{namespace=\"{{.Namespace}}\", {{.Pods}}}`}}"
	if !bytes.Contains(shipped, []byte(exact)) {
		t.Fatalf("http-service's restarts query is not %s", exact)
	}
	windowed := strings.Replace(string(shipped), exact, `increase(kube_pod_container_status_restarts_total{namespace="{{.Namespace}}", {{.Pods}}}[{{.Step}}])`, 1)
	windowed = strings.Replace(windowed, "name: http-service\n", "name: http-service-increase\n", 1)
	for name, content := range map[string]string{"http-service.yaml": string(shipped), "http-service-increase.yaml": windowed} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	base := startService(t, Options{
		RulesDir:     dir,
		Prometheus:   providers.ClientOptions{URL: prom.URL},
		QueryTimeout: 8 * time.Second,
		Now:          func() time.Time { return healthy.End },
	})

	judge := func(t *testing.T, ns, ruleSet string, end time.Time) wire.Response {
		t.Helper()
		return judgeOK(t, "GET", base, url.Values{"namespace": {ns}, "rollout": {healthy.Rollout},
			"canaryHash": {healthy.CanaryHash}, "stableHash": {healthy.StableHash}, "ruleSet": {ruleSet},
			"end": {end.Format(time.RFC3339)}})
	}
	restarts := func(resp wire.Response) wire.MetricResult {
		for _, m := range resp.Metrics {
			if m.Name == "restarts" {
				return m
			}
		}
		t.Fatalf("no restarts metric in %+v", resp)
		return wire.MetricResult{}
	}
	// The AnalysisTemplate's looks (canary ages 4, 6, 8 and 10 minutes),
	// a look 16 s after the restart of minute 10 (10 min 30 s of age), and
	// the end of the data.
	var looks []time.Time
	for _, age := range []time.Duration{4, 6, 8, 10} {
		looks = append(looks, healthy.CanaryStart.Add(age*time.Minute))
	}
	looks = append(looks, minute(10).Add(16*time.Second), healthy.End)
	if !healthy.End.After(looks[4]) {
		t.Fatalf("the data end at %v, before the look at %v", healthy.End, looks[4])
	}

	lost := 0
	for _, c := range cases {
		t.Run(c.namespace, func(t *testing.T) {
			for _, end := range looks {
				if end.Before(c.restarts[0]) {
					continue // not restarted yet at this look
				}
				resp := judge(t, c.namespace, "http-service", end)
				if resp.Verdict == analysis.Successful {
					t.Errorf("look at %s: a canary that restarted is Successful: %s", end.Format("15:04"), resp.Reason)
				}
				if m := restarts(resp); m.Classification != analysis.High {
					t.Errorf("look at %s: restarts %s: %s", end.Format("15:04"), m.Classification, m.Reason)
				}
				if m := restarts(judge(t, c.namespace, "http-service-increase", end)); m.Classification == analysis.Pass {
					lost++
				}
			}
		})
	}
	t.Logf("increase(...[{{.Step}}]) lost the restarts at %d looks", lost)
	if lost == 0 {
		t.Error("increase(...[{{.Step}}]) saw every restart: the data does not test the increments between windows")
	}
	// The same canary without a restart passes on the shipped rule set.
	if resp := judge(t, healthy.Namespace, "http-service", healthy.End); resp.Verdict != analysis.Successful {
		t.Errorf("the canary without a restart is %s: %s", resp.Verdict, resp.Reason)
	}
}

// restartSpec is a copy of the healthy namespace whose canary restarted at
// the given times.
type restartSpec struct {
	namespace string
	restarts  []time.Time
}

// withRestarts returns the OpenMetrics text om with, for each spec, a copy
// of every series of tr's namespace in spec's namespace, in which the
// canary's kube_pod_container_status_restarts_total counts the restarts
// from the sample at each restart time on.
func withRestarts(om string, tr scenario.Truth, specs []restartSpec) (string, error) {
	nsLabel := `namespace="` + tr.Namespace + `"`
	var out strings.Builder
	var block []string // the current family's copies, written before its next family
	flush := func() {
		for _, l := range block {
			out.WriteString(l + "\n")
		}
		block = block[:0]
	}
	changed := 0
	for _, line := range strings.Split(strings.TrimSuffix(om, "\n"), "\n") {
		if strings.HasPrefix(line, "#") {
			flush()
			out.WriteString(line + "\n")
			continue
		}
		out.WriteString(line + "\n")
		if !strings.Contains(line, nsLabel) {
			continue
		}
		for _, s := range specs {
			l := strings.Replace(line, nsLabel, `namespace="`+s.namespace+`"`, 1)
			if strings.HasPrefix(l, "kube_pod_container_status_restarts_total{") && strings.Contains(l, `pod="`+tr.CanaryPod+`"`) {
				fields := strings.Fields(l)
				ts, err := strconv.ParseInt(fields[len(fields)-1], 10, 64)
				if err != nil {
					return "", fmt.Errorf("sample %q: %w", l, err)
				}
				n := 0
				for _, r := range s.restarts {
					if ts >= r.Unix() {
						n++
					}
				}
				fields[len(fields)-2] = strconv.Itoa(n)
				l = strings.Join(fields, " ")
				changed++
			}
			block = append(block, l)
		}
	}
	flush()
	if changed == 0 {
		return "", fmt.Errorf("no restarts samples of canary %s in namespace %s", tr.CanaryPod, tr.Namespace)
	}
	return out.String(), nil
}
