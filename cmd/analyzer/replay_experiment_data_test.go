package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/canary-analyzer/canary-analyzer/internal/promtest"
	"github.com/canary-analyzer/canary-analyzer/internal/scenario"
)

// expCase is one namespace of the experiments' end-to-end data: the
// instance generated for it and, for an experiment, the names its pods got.
type expCase struct {
	Truth scenario.Truth
	// Experiment is the experiment's name <rollout>-<hash>-<revision>-<step>
	// ("" for a plain rollout); Hash the rollout's new pod-template hash
	// (the canary's).
	Experiment, Hash string
	// CanaryPod and BaselinePods are the renamed pods.
	CanaryPod    string
	BaselinePods []string
}

// Namespaces of the experiments' end-to-end data.
const (
	expRegressedNS  = "exp-regressed"  // an experiment whose canary is 2x slower with 10x the 5xx
	expHealthyNS    = "exp-healthy"    // a healthy experiment of a rollout with a long name: its pod names are cut
	expNoBaselineNS = "exp-nobaseline" // an experiment whose baseline has no pods
	expPlainNS      = "exp-plain"      // a plain rollout (the e2e regressed canary)
	expMixedNS      = "exp-mixed"      // a plain rollout, promoted, and 75 minutes later an experiment of its next revision
)

// expLongRollout is 38 characters: its experiment's ReplicaSets'
// <replicaset>- prefixes are longer than the 58 characters Kubernetes
// keeps, so their pods' names are cut ("...-2-0-cana" + 5 random).
const expLongRollout = "checkout-frontend-service-for-the-shop"

// worldInstance is a healthy "world" instance in ns with n baseline pods.
func worldInstance(ns string, seed uint64, baseline int) scenario.Scenario {
	f, _ := scenario.LookupFamily("world")
	s := f.Scenario(seed)
	s.Namespace = ns
	s.Baseline = baseline
	return s
}

// experimentReplayData generates the data of the experiments' end-to-end
// test and loads it into a real Prometheus. The generator names every pod
// <rollout>-<hash>-<suffix> and gives baseline pods a hash of their own; as
// Argo runs an experiment, the canary's pod is renamed
// <rollout>-<hash>-<revision>-<step>-canary-<suffix> and the baseline pods
// <rollout>-<hash>-<revision>-<step>-baseline-<suffix> (cut to 58
// characters before the suffix, as Kubernetes cuts them), and the baseline
// pods get the stable pods' pod-template hash label (they run the stable
// template). The generated instances themselves are unchanged.
func experimentReplayData(t *testing.T) (map[string]expCase, *promtest.Server) {
	t.Helper()
	regressed := worldInstance(expRegressedNS, 21, 2)
	regressed.Healthy = false
	regressed.Effects.LatencyFactor, regressed.Effects.ErrorFactor = 2, 10
	healthy := worldInstance(expHealthyNS, 22, 2)
	healthy.Rollout = expLongRollout
	nobase := worldInstance(expNoBaselineNS, 23, 0)
	_, plain := scenario.E2EScenarios()
	plain.Namespace = expPlainNS

	// exp-mixed: a plain rollout (ending 75 minutes before the data's end),
	// then the experiment of the next revision, whose stable pods are the
	// plain rollout's canary hash: generated in two namespaces, joined.
	first, _ := scenario.E2EScenarios()
	first.Namespace = expMixedNS
	first.End = scenario.DefaultEnd.Add(-75 * time.Minute)
	second := worldInstance(expMixedNS+"-later", 24, 2)
	second.StableHash = first.CanaryHash
	second.CanaryHash = "6d4f9c7b8"

	var om bytes.Buffer
	truths, err := scenario.GenerateMany(&om, []scenario.Instance{
		{Scenario: regressed, Seed: 21}, {Scenario: healthy, Seed: 22}, {Scenario: nobase, Seed: 23},
		{Scenario: plain, Seed: 102}, {Scenario: first, Seed: 101}, {Scenario: second, Seed: 24},
	})
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]expCase{}
	var pairs []string
	rename := func(tr scenario.Truth, revision, step string) {
		c := expCase{Truth: tr, Hash: tr.CanaryHash, Experiment: tr.Rollout + "-" + tr.CanaryHash + "-" + revision + "-" + step}
		c.CanaryPod = podName(c.Experiment+"-canary", tr.CanaryPod)
		pairs = append(pairs, `pod="`+tr.CanaryPod+`"`, `pod="`+c.CanaryPod+`"`)
		for _, p := range tr.BaselinePods {
			b := podName(c.Experiment+"-baseline", p)
			c.BaselinePods = append(c.BaselinePods, b)
			pairs = append(pairs, `pod="`+p+`"`, `pod="`+b+`"`)
		}
		if tr.BaselineHash != "" {
			pairs = append(pairs, `rollouts_pod_template_hash="`+tr.BaselineHash+`"`, `rollouts_pod_template_hash="`+tr.StableHash+`"`)
		}
		cases[tr.Namespace] = c
	}
	rename(truths[0], "2", "0")
	rename(truths[1], "5", "1")
	rename(truths[2], "2", "0")
	cases[expPlainNS] = expCase{Truth: truths[3]}
	cases[expMixedNS] = expCase{Truth: truths[4]}
	rename(truths[5], "3", "0")
	later := cases[expMixedNS+"-later"]
	delete(cases, expMixedNS+"-later")
	pairs = append(pairs, `namespace="`+expMixedNS+`-later"`, `namespace="`+expMixedNS+`"`)
	text := strings.NewReplacer(pairs...).Replace(om.String())
	for _, c := range cases {
		if c.Experiment != "" && !strings.Contains(text, `pod="`+c.CanaryPod+`"`) {
			t.Fatalf("the generated data changed: no series of %s", c.CanaryPod)
		}
	}
	cases[expMixedNS+"/experiment"] = later
	return cases, promtest.Start(t, strings.NewReader(text))
}

// podName is a pod of ReplicaSet rs with the suffix of pod (its part after
// the last '-'), cut as Kubernetes cuts generated names: the prefix
// "<rs>-" to 58 characters.
func podName(rs, pod string) string {
	prefix := rs + "-"
	if len(prefix) > 58 {
		prefix = prefix[:58]
	}
	return prefix + pod[strings.LastIndex(pod, "-")+1:]
}
