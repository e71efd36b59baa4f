package app

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/canary-analyzer/canary-analyzer/api/wire"
	"github.com/canary-analyzer/canary-analyzer/internal/logscenario"
	"github.com/canary-analyzer/canary-analyzer/internal/lokitest"
	"github.com/canary-analyzer/canary-analyzer/internal/promtest"
	"github.com/canary-analyzer/canary-analyzer/providers"
)

// TestLokiBothReferences judges an Argo experiment with the shipped
// apache-frontend rule set (the experiment example's) on the Loki emulator
// and a real Prometheus: the generated regressed canary as the experiment's
// canary, the healthy canary started with it as its baseline, and the
// healthy namespace's stable pods. The three judgements of the
// both-references request share their queries (every series query of
// apache-frontend selects the three ReplicaSets' pods once) and their log
// reads, and the judgement against the baseline gives what it gives when
// asked alone.
func TestLokiBothReferences(t *testing.T) {
	const (
		namespace   = "gen-experiment"
		canaryRS    = "web-6d4f9c7b8-2-1-canary"
		baselineRS  = "web-6d4f9c7b8-2-1-baseline"
		canaryPod   = canaryRS + "-fghij"
		baselinePod = baselineRS + "-abcde"
	)
	cfg := func(ns string, seed uint64, reg logscenario.Regression) logscenario.Config {
		return logscenario.Config{
			Namespace: ns, Rollout: lokitest.FixtureRollout,
			CanaryHash: lokitest.FixtureCanaryHash, StableHash: lokitest.FixtureStableHash,
			Start: lokitest.FixtureStart, End: lokitest.FixtureEnd, Canary: reg, Seed: seed,
		}
	}
	healthy, err := logscenario.Generate(cfg(namespace, 21, logscenario.Regression{}))
	if err != nil {
		t.Fatal(err)
	}
	regressed, err := logscenario.Generate(cfg(namespace, 22, logscenario.Regressed()))
	if err != nil {
		t.Fatal(err)
	}
	// The healthy scenario's canary becomes the baseline and its stable
	// pods stay; of the regressed one only the canary is kept.
	var entries []providers.LogEntry
	rename := func(e providers.LogEntry, pod string) providers.LogEntry {
		e.Labels = e.Labels.Clone()
		e.Labels["pod"] = model.LabelValue(pod)
		return e
	}
	for _, e := range healthy.Entries {
		if string(e.Labels["pod"]) == healthy.Truth.CanaryPod {
			e = rename(e, baselinePod)
		}
		entries = append(entries, e)
	}
	for _, e := range regressed.Entries {
		if string(e.Labels["pod"]) == regressed.Truth.CanaryPod {
			entries = append(entries, rename(e, canaryPod))
		}
	}
	store := &lokitest.Store{}
	store.AddEntries(entries)
	loki := lokitest.NewServer(t, store)

	pods := []logscenario.ResourcePod{
		{Namespace: namespace, Pod: canaryPod, Start: lokitest.FixtureStart},
		{Namespace: namespace, Pod: baselinePod, Start: lokitest.FixtureStart},
	}
	for _, p := range healthy.Truth.StablePods {
		pods = append(pods, logscenario.ResourcePod{Namespace: namespace, Pod: p})
	}
	var om bytes.Buffer
	if err := logscenario.WriteResources(&om, pods, lokitest.FixtureStart.Add(-10*time.Minute), lokitest.FixtureEnd, 7); err != nil {
		t.Fatal(err)
	}
	prom := promtest.Start(t, &om)
	now := lokitest.FixtureEnd.Add(30 * time.Second)
	base := startService(t, Options{
		RulesDir:     shippedRules(t),
		Prometheus:   providers.ClientOptions{URL: prom.URL},
		Loki:         providers.ClientOptions{URL: loki.URL},
		QueryTimeout: 8 * time.Second,
		Now:          func() time.Time { return now },
	})

	params := func(target map[string]string) url.Values {
		p := url.Values{"namespace": {namespace}, "rollout": {lokitest.FixtureRollout}, "ruleSet": {"apache-frontend"},
			"end": {lokitest.FixtureEnd.Format(time.RFC3339)}, "lookback": {"30m"}}
		for k, v := range target {
			p.Set(k, v)
		}
		return p
	}
	// asked asks for a judgement and returns it with the Loki requests
	// made for it.
	asked := func(p url.Values) (wire.Response, []lokitest.Request) {
		before := len(loki.Requests())
		resp := judgeOK(t, "GET", base, p)
		return resp, loki.Requests()[before:]
	}
	both, bothAsked := asked(params(map[string]string{
		"canaryReplicaSet": canaryRS, "stableReplicaSet": baselineRS, "stableHash": lokitest.FixtureStableHash}))
	if len(both.References) != 3 {
		t.Fatalf("%d references, want 3: %s", len(both.References), both.Reason)
	}
	if both.Verdict != "Failed" {
		t.Errorf("the regressed canary: %s: %s", both.Verdict, both.Reason)
	}

	// The judgement against the baseline can be asked alone (the other two
	// only inside a both-references request): the same pods' series from
	// the shared queries give the same findings.
	alone, aloneAsked := asked(params(map[string]string{"canaryReplicaSet": canaryRS, "stableReplicaSet": baselineRS}))
	ref := both.References[0]
	if ref.Against != "baseline" || ref.Verdict != alone.Verdict || ref.Score != alone.Score {
		t.Errorf("against %s: %s %v in the request, %s %v alone", ref.Against, ref.Verdict, ref.Score, alone.Verdict, alone.Score)
	}
	if got, want := metricsText(ref.Metrics), metricsText(alone.Metrics); got != want {
		t.Errorf("the metrics differ:\nin the request\n%s\nalone\n%s", got, want)
	}

	// Loki is asked each metric query once, for the three ReplicaSets'
	// pods, and each ReplicaSet's log lines once.
	all := `pod=~"(?:` + canaryRS + `-[a-z0-9]+|` + baselineRS + `-[a-z0-9]+|` + lokitest.FixtureRollout + `-` + lokitest.FixtureStableHash + `-[a-z0-9]+)"`
	metricQueries, logReads := map[string]int{}, map[string]int{}
	var bothLines, aloneLines int64
	for _, r := range bothAsked {
		bothLines += r.Cost.LinesRead
		if r.Step != 0 {
			metricQueries[r.Query]++
			if !strings.Contains(r.Query, all) {
				t.Errorf("a metric query not of the three ReplicaSets' pods: %s", r.Query)
			}
		} else {
			logReads[r.Query]++
		}
	}
	for _, r := range aloneAsked {
		aloneLines += r.Cost.LinesRead
	}
	// apache-frontend's Loki metric queries: the requests by class (both
	// ratios and the exposure) and the latency.
	if len(metricQueries) != 2 {
		t.Errorf("%d distinct metric queries, want 2: %v", len(metricQueries), metricQueries)
	}
	for q, n := range metricQueries {
		if n != 1 {
			t.Errorf("%s asked %d times", q, n)
		}
	}
	if len(logReads) != 3 {
		t.Errorf("log reads of %d pod sets, want 3 (canary, baseline, stable pods): %v", len(logReads), logReads)
	}
	for q, n := range logReads {
		if n != 1 {
			t.Errorf("%s read %d times", q, n)
		}
	}
	t.Logf("Loki read %d lines for the request, %d for the judgement against the baseline alone", bothLines, aloneLines)
}

// metricsText is what a judgement found per metric: its classification, its
// reason and its p-value.
func metricsText(ms []wire.MetricResult) string {
	var b strings.Builder
	for _, m := range ms {
		fmt.Fprintf(&b, "%s %s %v: %s\n", m.Name, m.Classification, m.PValue, m.Reason)
	}
	return b.String()
}
