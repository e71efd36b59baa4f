package app

import (
	"bufio"
	"bytes"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/internal/promtest"
	"github.com/canary-analyzer/canary-analyzer/internal/scenario"
)

// The pods of an Argo experiment that the rollout web (new pod-template hash
// 6d4f9c7b8, revision 2) starts at its step 1: ReplicaSets
// <experiment>-<template>, pods <replicaset>-<suffix>.
const (
	experimentNamespace = "e2e-experiment"
	experimentCanaryRS  = "web-6d4f9c7b8-2-1-canary"
	experimentBaseRS    = "web-6d4f9c7b8-2-1-baseline"
	experimentCanaryPod = experimentCanaryRS + "-fghij"
	experimentBasePod   = experimentBaseRS + "-abcde"
)

// experimentData rewrites the end-to-end data into one namespace that holds
// an experiment: the regressed canary becomes the experiment's canary pod,
// the healthy canary (started at the same time) its baseline pod, and the
// healthy namespace's four old stable pods stay as they are. The baseline's
// pod-template hash is the stable pods' (Argo hashes the same template), so
// only the pods' names tell the baseline from the stable pods.
func experimentData(t *testing.T, om string, healthy, regressed scenario.Truth) string {
	t.Helper()
	var b strings.Builder
	moved := map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(om))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.Contains(line, `namespace="e2e-healthy"`) && strings.Contains(line, `pod="`+healthy.CanaryPod+`"`):
			line = strings.NewReplacer(`namespace="e2e-healthy"`, `namespace="`+experimentNamespace+`"`,
				healthy.CanaryPod, experimentBasePod,
				`rollouts_pod_template_hash="`+healthy.CanaryHash+`"`, `rollouts_pod_template_hash="`+healthy.StableHash+`"`).Replace(line)
			moved["baseline"]++
		case strings.Contains(line, `namespace="e2e-healthy"`):
			line = strings.Replace(line, `namespace="e2e-healthy"`, `namespace="`+experimentNamespace+`"`, 1)
			moved["stable"]++
		case strings.Contains(line, `namespace="e2e-regressed"`) && strings.Contains(line, `pod="`+regressed.CanaryPod+`"`):
			line = strings.NewReplacer(`namespace="e2e-regressed"`, `namespace="`+experimentNamespace+`"`,
				regressed.CanaryPod, experimentCanaryPod,
				`rollouts_pod_template_hash="`+regressed.CanaryHash+`"`, `rollouts_pod_template_hash="6d4f9c7b8"`).Replace(line)
			moved["canary"]++
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if moved["baseline"] == 0 || moved["canary"] == 0 || moved["stable"] == 0 {
		t.Fatalf("the end-to-end data changed: moved %v samples", moved)
	}
	return b.String()
}

// TestExperimentEndToEnd judges an experiment's canary against its baseline
// on a real Prometheus, asked by ReplicaSet as the experiment template asks,
// beside old stable pods with the baseline's hash that must not be selected.
func TestExperimentEndToEnd(t *testing.T) {
	var om bytes.Buffer
	healthy, regressed, err := scenario.WriteE2E(&om)
	if err != nil {
		t.Fatal(err)
	}
	if !healthy.CanaryStart.Equal(regressed.CanaryStart) {
		t.Fatalf("the two canaries start at %v and %v: a baseline starts with its canary", healthy.CanaryStart, regressed.CanaryStart)
	}
	prom := promtest.Start(t, strings.NewReader(experimentData(t, om.String(), healthy, regressed)))
	end := healthy.End.Truncate(time.Minute)
	base := startE2E(t, prom.URL, end)
	params := func(canary, stable string) url.Values {
		return url.Values{"namespace": {experimentNamespace}, "rollout": {"web"}, "canaryReplicaSet": {canary},
			"stableReplicaSet": {stable}, "ruleSet": {"http-service"}}
	}

	cases := []struct {
		name           string
		method         string
		params         url.Values
		canary, stable []string // the pods each side must hold, exactly
		verdict        func(analysis.Verdict) bool
		want           string
	}{
		{"regressed canary against its baseline", "GET", params(experimentCanaryRS, experimentBaseRS),
			[]string{experimentCanaryPod}, []string{experimentBasePod},
			func(v analysis.Verdict) bool { return v == analysis.Failed }, "Failed"},
		{"the same by POST", "POST", params(experimentCanaryRS, experimentBaseRS),
			[]string{experimentCanaryPod}, []string{experimentBasePod},
			func(v analysis.Verdict) bool { return v == analysis.Failed }, "Failed"},
		// The healthy pod asked as the canary, the regressed one as the
		// baseline: better than what it is compared with, never Failed.
		{"healthy canary against a regressed baseline", "GET", params(experimentBaseRS, experimentCanaryRS),
			[]string{experimentBasePod}, []string{experimentCanaryPod},
			func(v analysis.Verdict) bool { return v != analysis.Failed }, "not Failed"},
		// The rollout's stable ReplicaSet is <rollout>-<hash>: by ReplicaSet,
		// the old stable pods and nothing else.
		{"regressed canary against the stable ReplicaSet", "GET", params(experimentCanaryRS, "web-"+healthy.StableHash),
			[]string{experimentCanaryPod}, healthy.StablePods,
			func(v analysis.Verdict) bool { return v == analysis.Failed }, "Failed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp := judgeOK(t, c.method, base, c.params)
			t.Logf("%s, score %.0f: %s", resp.Verdict, resp.Score, resp.Reason)
			if !c.verdict(resp.Verdict) {
				t.Errorf("verdict %s, want %s; reason: %s", resp.Verdict, c.want, resp.Reason)
			}
			if got, want := slices.Sorted(slices.Values(resp.Canary.Pods)), slices.Sorted(slices.Values(c.canary)); !slices.Equal(got, want) {
				t.Errorf("canary pods %v, want %v", got, want)
			}
			if got, want := slices.Sorted(slices.Values(resp.Stable.Pods)), slices.Sorted(slices.Values(c.stable)); !slices.Equal(got, want) {
				t.Errorf("stable pods %v, want %v", got, want)
			}
			if resp.Target.CanaryReplicaSet != c.params.Get("canaryReplicaSet") || resp.Target.StableReplicaSet != c.params.Get("stableReplicaSet") ||
				resp.Target.CanaryHash != "" || resp.Target.StableHash != "" {
				t.Errorf("target %+v, want the ReplicaSets as asked", resp.Target)
			}
			// The report link carries the ReplicaSets and opens their report.
			if !strings.Contains(resp.Summary.Report, "/canaryReplicaSet/"+c.params.Get("canaryReplicaSet")+"/") {
				t.Errorf("report link %s lacks the canary's ReplicaSet", resp.Summary.Report)
			}
			code, page, err := get(base + resp.Summary.Report)
			if err != nil || code != http.StatusOK {
				t.Fatalf("the report: %d %v", code, err)
			}
			if !strings.Contains(page, "Reference") || !strings.Contains(page, c.params.Get("stableReplicaSet")) {
				t.Errorf("the report does not name the reference ReplicaSet %s", c.params.Get("stableReplicaSet"))
			}
		})
	}

	t.Run("bad input never reaches Prometheus", func(t *testing.T) {
		checkRefused(t, base, prom, []refusal{
			{"one ReplicaSet", url.Values{"namespace": {experimentNamespace}, "canaryReplicaSet": {experimentCanaryRS}, "ruleSet": {"http-service"}}, 400, "stableReplicaSet"},
			{"ReplicaSets and hashes", withParams(params(experimentCanaryRS, experimentBaseRS), "canaryHash", "6d4f9c7b8", "stableHash", healthy.StableHash), 400, "canaryHash"},
			{"the same ReplicaSet twice", params(experimentCanaryRS, experimentCanaryRS), 400, "stableReplicaSet"},
			{"a regular expression", params("web-.*", experimentBaseRS), 400, "canaryReplicaSet"},
		})
	})

	t.Run("queries select the ReplicaSets' pods by name", func(t *testing.T) {
		want := `pod=~"(?:web-6d4f9c7b8-2-1-canary-[a-z0-9]+|web-6d4f9c7b8-2-1-baseline-[a-z0-9]+)"`
		var found bool
		for _, q := range prom.QueryLog() {
			found = found || strings.Contains(q, `namespace="`+experimentNamespace+`"`) && strings.Contains(q, want)
		}
		if !found {
			t.Errorf("no query with %s in %d logged queries", want, len(prom.QueryLog()))
		}
	})
}

// withParams returns a copy of v with the given keys set, or removed
// where the value is "".
func withParams(v url.Values, kv ...string) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = vs
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			out.Del(kv[i])
		} else {
			out.Set(kv[i], kv[i+1])
		}
	}
	return out
}
