package replay

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/prometheus/common/model"

	"github.com/canary-analyzer/canary-analyzer/rules"
)

// TestExperiments finds experiments in pod lives as they look in
// Prometheus: apart from the rollout's hashes, with their ReplicaSets, the
// stable hash at their start and how the rollout went on.
func TestExperiments(t *testing.T) {
	t.Parallel()
	to := 300
	stable := []life{live("web-aaa-1", 0, 300), live("web-aaa-2", 0, 300), live("web-aaa-3", 0, 300)}
	exp := func(first, last int) []life {
		return []life{live("web-bbb-2-0-baseline-x1", first-1, last), live("web-bbb-2-0-baseline-x2", first, last),
			live("web-bbb-2-0-canary-x3", first, last)}
	}
	with := func(ls ...[]life) []life {
		var out []life
		for _, l := range ls {
			out = append(out, l...)
		}
		return out
	}
	cases := []struct {
		name     string
		lives    []life
		rollout  string
		want     []string // "experiment rollout hash<-stable start canary/baseline history [not played]"
		rollouts []string // "canary<-stable" of the rollouts found
	}{
		{"aborted: the experiment goes, the new hash never serves", with(stable, exp(100, 112)),
			"", []string{"web-bbb-2-0 web bbb<-aaa 100 1/2 rolled back"}, nil},
		{"aborted, asked for the rollout by name", with(stable, exp(100, 112)),
			"web", []string{"web-bbb-2-0 web bbb<-aaa 100 1/2 rolled back"}, nil},
		{"promoted: the new hash serves after it, the stable pods go", with(
			[]life{live("web-aaa-1", 0, 125), live("web-aaa-2", 0, 125), live("web-aaa-3", 0, 125)}, exp(100, 112),
			[]life{live("web-bbb-1", 113, 300), live("web-bbb-2", 113, 300), live("web-bbb-3", 114, 300)}),
			"", []string{"web-bbb-2-0 web bbb<-aaa 100 1/2 promoted"}, []string{"bbb<-aaa"}},
		{"running at the end of the range", with(stable, exp(290, 300)),
			"", []string{"web-bbb-2-0 web bbb<-aaa 290 1/2 running"}, nil},
		{"a rollout with dashes in its name and a plain rollout beside it", []life{
			live("shop-web-aaa-1", 0, 300), live("shop-web-aaa-2", 0, 300),
			live("shop-web-bbb-3-1-canary-x1", 100, 112), live("shop-web-bbb-3-1-baseline-x2", 100, 112),
			live("web-ccc-1", 0, 300), live("web-ddd-1", 150, 300),
		}, "", []string{"shop-web-bbb-3-1 shop-web bbb<-aaa 100 1/1 rolled back"}, []string{"ddd<-ccc"}},
		{"no baseline pods: replayed, with a warning", with(stable, []life{live("web-bbb-2-0-canary-x3", 100, 112)}),
			"", []string{"web-bbb-2-0 web bbb<-aaa 100 1/0 rolled back warning"}, nil},
		{"no canary pods: not replayed", with(stable, []life{live("web-bbb-2-0-baseline-x3", 100, 112)}),
			"", []string{"web-bbb-2-0 web bbb<-aaa 100 0/1 rolled back not played"}, nil},
		{"no stable pods at its start: not replayed", []life{live("web-aaa-1", 0, 50), live("web-bbb-2-0-canary-x3", 100, 112),
			live("web-bbb-2-0-baseline-x3", 100, 112)},
			"", []string{"web-bbb-2-0 web bbb<- 100 1/1 unknown not played"}, nil},
		{"an experiment of an unknown rollout is none", with(stable, []life{live("api-bbb-2-0-canary-x3", 100, 112)}),
			"", nil, nil},
		{"there from the start: not known when it began", with(stable, exp(0, 112)), "", nil, nil},
		{"the same step twice, 30 minutes apart", with(stable, exp(100, 112), []life{live("web-bbb-2-0-canary-y1", 150, 160),
			live("web-bbb-2-0-baseline-y2", 150, 160)}),
			"", []string{"web-bbb-2-0 web bbb<-aaa 100 1/2 rolled back", "web-bbb-2-0 web bbb<-aaa 150 1/1 rolled back"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := &fakeProm{lives: c.lives}
			found, err := presence(t, byName).Find(context.Background(), f, "shop", c.rollout, at(0), at(to))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range Experiments(found, DefaultTemplates, at(0), at(to)) {
				s := fmt.Sprintf("%s %s %s<-%s %d %d/%d %s", e.ExperimentName, e.Rollout, e.Hash, e.StableHash, minutes(e.Start), e.CanaryPods, e.BaselinePods, e.History)
				if len(e.Problems) > 0 {
					s += " warning"
				}
				if e.NotPlayed != "" {
					s += " not played"
				}
				got = append(got, s)
				if e.CanaryReplicaSet != e.ExperimentName+"-canary" || e.BaselineReplicaSet != e.ExperimentName+"-baseline" {
					t.Errorf("ReplicaSets %s, %s", e.CanaryReplicaSet, e.BaselineReplicaSet)
				}
			}
			if strings.Join(got, ", ") != strings.Join(c.want, ", ") {
				t.Errorf("experiments %q, want %q", got, c.want)
			}
			var rs []string
			for _, r := range Rollouts(found.Episodes, at(0), at(to)) {
				rs = append(rs, r.CanaryHash+"<-"+r.StableHash)
			}
			if strings.Join(rs, ", ") != strings.Join(c.rollouts, ", ") {
				t.Errorf("rollouts %q, want %q", rs, c.rollouts)
			}
			for _, ep := range found.Episodes {
				for _, p := range ep.Pods {
					known := strings.HasPrefix(p.Name, "web-") || strings.HasPrefix(p.Name, "shop-web-")
					if p.Experiment != nil || (known && (strings.Contains(p.Name, "canary") || strings.Contains(p.Name, "baseline"))) {
						t.Errorf("experiment pod %s among the pods of %s hash %s", p.Name, ep.Rollout, ep.Hash)
					}
				}
			}
		})
	}
}

// TestExperimentsByLabel: with pods.by: label, the canary's pods carry the
// new hash and the baseline's the stable hash, yet neither counts as a pod
// of that hash; the experiment is still found by its pods' names.
func TestExperimentsByLabel(t *testing.T) {
	t.Parallel()
	pm := rules.PodMatching{By: rules.ByLabel, Label: "h", PodLabel: "pod"}
	hash := func(pod, h string, first, last int) life {
		return life{pod, at(first), at(last), model.LabelSet{"h": model.LabelValue(h)}}
	}
	f := &fakeProm{lives: []life{
		hash("web-aaa-1", "aaa", 0, 300), hash("web-aaa-2", "aaa", 0, 300),
		hash("web-bbb-2-0-canary-x1", "bbb", 100, 112), hash("web-bbb-2-0-baseline-x2", "aaa", 99, 112),
	}}
	found, err := presence(t, pm).Find(context.Background(), f, "shop", "", at(0), at(300))
	if err != nil {
		t.Fatal(err)
	}
	if rs := Rollouts(found.Episodes, at(0), at(300)); len(rs) != 0 {
		t.Errorf("rollouts %+v", rs)
	}
	for _, ep := range found.Episodes {
		if ep.Hash != "aaa" || len(ep.Pods) != 2 {
			t.Errorf("episode %s/%s with %d pods", ep.Rollout, ep.Hash, len(ep.Pods))
		}
	}
	es := Experiments(found, DefaultTemplates, at(0), at(300))
	if len(es) != 1 || es[0].StableHash != "aaa" || es[0].CanaryPods != 1 || es[0].BaselinePods != 1 {
		t.Errorf("experiments %+v", es)
	}
}
