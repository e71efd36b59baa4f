package replay

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/canary-analyzer/canary-analyzer/providers"
	"github.com/canary-analyzer/canary-analyzer/rules"
)

// TestPickPretend draws A/A runs only where a whole run fits, from pods
// that were there a lookback before and stay, beside two others, never
// from an experiment's pods (three baseline pods here, there all along).
func TestPickPretend(t *testing.T) {
	t.Parallel()
	f := &fakeProm{lives: []life{
		live("web-aaa-1", 0, 600), live("web-aaa-2", 0, 600), live("web-aaa-3", 0, 600),
		live("web-aaa-4", 0, 200),   // leaves early
		live("web-bbb-1", 100, 600), // a hash with too few pods
		live("web-bbb-2", 100, 600),
		live("web-ccc-2-0-baseline-x1", 0, 600), live("web-ccc-2-0-baseline-x2", 0, 600), live("web-ccc-2-0-baseline-x3", 0, 600),
	}}
	eps, err := presence(t, byName).Find(context.Background(), f, "shop", "", at(0), at(600))
	if err != nil {
		t.Fatal(err)
	}
	lookback, span := 30*time.Minute, 11*time.Minute
	picks := PickPretend(eps.Episodes, 200, 7, at(0), at(600), lookback, span)
	if len(picks) != 200 {
		t.Fatalf("%d picks", len(picks))
	}
	pods := map[string]int{}
	for i, p := range picks {
		pods[p.Pod]++
		if strings.Contains(p.Pod, "baseline") {
			t.Errorf("pick %+v: an experiment's pod", p)
		}
		if p.Hash != "aaa" || p.Start.Before(at(30)) || p.Start.Add(span).After(at(600)) {
			t.Errorf("pick %+v", p)
		}
		if p.Pod == "web-aaa-4" && p.Start.Add(span).After(at(200)) {
			t.Errorf("pick %+v: the pod leaves before the run ends", p)
		}
		if want := 2; p.Pod != "web-aaa-4" && p.Start.Add(span).After(at(200)) && p.StablePods != want {
			t.Errorf("pick %+v: %d stable pods, want %d", p, p.StablePods, want)
		}
		if i > 0 && p.Start.Before(picks[i-1].Start) {
			t.Errorf("picks are not in time order")
		}
	}
	for _, pod := range []string{"web-aaa-1", "web-aaa-2", "web-aaa-3", "web-aaa-4"} {
		if pods[pod] == 0 {
			t.Errorf("%s never picked: %v", pod, pods)
		}
	}
	again := PickPretend(eps.Episodes, 200, 7, at(0), at(600), lookback, span)
	for i := range picks {
		if picks[i] != again[i] {
			t.Fatalf("the same seed drew %+v, then %+v", picks[i], again[i])
		}
	}
	if got := PickPretend(eps.Episodes, 5, 7, at(0), at(20), lookback, span); got != nil {
		t.Errorf("a range shorter than a run: %v", got)
	}
}

// recordingProm records the rewritten query and answers with fixed series.
type recordingProm struct {
	expr   string
	answer model.Matrix
}

func (r *recordingProm) QueryRange(_ context.Context, q providers.RangeQuery) (model.Matrix, error) {
	r.expr = q.Expr
	return r.answer, nil
}

// TestPretending rewrites the shipped latency query, whose canary and
// stable halves use their own matchers, and the answer: the pretend
// canary's series comes back under the pretend hash from its start.
func TestPretending(t *testing.T) {
	t.Parallel()
	const query = `(sum by (pod) (rate(x_sum{namespace="{{.Namespace}}", {{.CanaryPods}}}[{{.Step}}])) and y{ {{.Pods}} }) or sum by (pod) (rate(x_sum{namespace="{{.Namespace}}", {{.StablePods}}}[{{.Step}}]))`
	start := at(100)
	p := Pretend{Namespace: "shop", Rollout: "web", Hash: "aaa", Pod: "web-aaa-2", Start: start}
	sample := func(m int) model.SamplePair {
		return model.SamplePair{Timestamp: model.TimeFromUnixNano(at(m).UnixNano()), Value: 1}
	}
	cases := []struct {
		name    string
		pm      rules.PodMatching
		want    string
		renamed model.Metric
	}{
		{"by name", byName,
			`(sum by (pod) (rate(x_sum{namespace="shop", pod="web-aaa-2"}[1m])) and y{ pod=~"web-(?:aacanary|aaa)-[a-z0-9]+" }) or sum by (pod) (rate(x_sum{namespace="shop", pod=~"web-aaa-[a-z0-9]+", pod!="web-aaa-2"}[1m]))`,
			model.Metric{"pod": "web-aacanary-2"}},
		{"by label", rules.PodMatching{By: rules.ByLabel, Label: "h", PodLabel: "pod"},
			`(sum by (pod) (rate(x_sum{namespace="shop", h="aaa", pod="web-aaa-2"}[1m])) and y{ h=~"(?:aacanary|aaa)" }) or sum by (pod) (rate(x_sum{namespace="shop", h="aaa", pod!="web-aaa-2"}[1m]))`,
			model.Metric{"pod": "web-aaa-2", "h": PretendHash}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pt, err := newPretending(c.pm, p, model.Duration(time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			m, err := rules.NewPodMatcher(c.pm, p.target())
			if err != nil {
				t.Fatal(err)
			}
			tmpl, err := rules.ParseTemplate("q", query)
			if err != nil {
				t.Fatal(err)
			}
			rendered, err := tmpl.Render(m.Params(model.Duration(time.Minute)))
			if err != nil {
				t.Fatal(err)
			}
			other := model.Metric{"pod": "web-aaa-1", "h": "aaa"}
			rec := &recordingProm{answer: model.Matrix{
				{Metric: other, Values: []model.SamplePair{sample(99), sample(100)}},
				{Metric: model.Metric{"pod": "web-aaa-2", "h": "aaa"}, Values: []model.SamplePair{sample(98), sample(99), sample(100), sample(101)}},
			}}
			metrics, logs := pt.wrap(map[providers.Type]providers.MetricQuerier{providers.TypePrometheus: rec})
			if len(logs) != 0 {
				t.Errorf("a Prometheus became a log querier")
			}
			got, err := metrics[providers.TypePrometheus].QueryRange(context.Background(), providers.RangeQuery{Expr: rendered})
			if err != nil {
				t.Fatal(err)
			}
			if rec.expr != c.want {
				t.Errorf("rewritten\n%s\nwant\n%s", rec.expr, c.want)
			}
			if len(got) != 2 || len(got[0].Values) != 2 || !got[0].Metric.Equal(other) {
				t.Errorf("another pod's series changed: %v", got)
			}
			renamed := c.renamed.Clone()
			if c.pm.By == rules.ByName {
				renamed["h"] = "aaa"
			}
			if !got[1].Metric.Equal(renamed) || len(got[1].Values) != 2 || got[1].Values[0].Timestamp.Time().Before(start) {
				t.Errorf("the pretend canary's series is %v, want %v from %s", got[1], renamed, start)
			}
			// The engine's matcher takes the renamed series for the canary.
			if side, _ := m.Classify(got[1].Metric); side != rules.Canary {
				t.Errorf("the renamed series is not the canary's")
			}
			if side, _ := m.Classify(got[0].Metric); side != rules.Stable {
				t.Errorf("the other pod is not stable")
			}
			if strings.Contains(rec.expr, PretendHash+"-[") {
				t.Errorf("the canary's matcher was left in: %s", rec.expr)
			}
		})
	}
}

// fakeLogs is a Loki that answers log queries.
type fakeLogs struct {
	recordingProm
	logExpr string
	entries []providers.LogEntry
}

func (f *fakeLogs) QueryLogs(_ context.Context, q providers.LogQuery) (providers.LogResult, error) {
	f.logExpr = q.Expr
	return providers.LogResult{Entries: f.entries}, nil
}

// TestPretendingLogs relabels log lines and drops the pretend canary's
// lines before its start.
func TestPretendingLogs(t *testing.T) {
	t.Parallel()
	p := Pretend{Namespace: "shop", Rollout: "web", Hash: "aaa", Pod: "web-aaa-2", Start: at(100)}
	pt, err := newPretending(byName, p, model.Duration(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeLogs{entries: []providers.LogEntry{
		{Time: at(99), Line: "early", Labels: model.LabelSet{"pod": "web-aaa-2"}},
		{Time: at(101), Line: "late", Labels: model.LabelSet{"pod": "web-aaa-2"}},
		{Time: at(99), Line: "other", Labels: model.LabelSet{"pod": "web-aaa-1"}},
	}}
	_, logs := pt.wrap(map[providers.Type]providers.MetricQuerier{providers.TypeLoki: f})
	res, err := logs[providers.TypeLoki].QueryLogs(context.Background(), providers.LogQuery{Expr: `{namespace="shop", pod=~"web-aacanary-[a-z0-9]+"}`})
	if err != nil {
		t.Fatal(err)
	}
	if f.logExpr != `{namespace="shop", pod="web-aaa-2"}` {
		t.Errorf("log query %q", f.logExpr)
	}
	if len(res.Entries) != 2 || res.Entries[0].Line != "late" || res.Entries[0].Labels["pod"] != "web-aacanary-2" || res.Entries[1].Line != "other" {
		t.Errorf("entries %+v", res.Entries)
	}
}
