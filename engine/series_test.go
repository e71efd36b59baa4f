package engine

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/canary-analyzer/canary-analyzer/providers"
	"github.com/canary-analyzer/canary-analyzer/request"
	"github.com/canary-analyzer/canary-analyzer/rules"
)

// TestSeries: with series=true each metric carries the series the judge
// got, per pod and with its queries by role, and the answer the times of
// the run's looks; without it, neither. The answer names the rule set's
// revision either way.
func TestSeries(t *testing.T) {
	t.Parallel()
	end := time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC)
	first := end.Add(-10 * time.Minute) // the canary's first sample
	rs, err := rules.Load([]byte(`
name: test
thresholds: {pass: 90, marginal: 60}
lookback: 30m
looks: 4
lookInterval: 2m
lookDelay: 4m
metrics:
  - name: errors
    kind: ratio
    numerator: 'e{ {{.Pods}} }'
    denominator: 'r{ {{.Pods}} }'
`), "test.yaml", "")
	if err != nil {
		t.Fatal(err)
	}
	answer := func(q providers.RangeQuery) (model.Matrix, error) {
		v := 100.0
		if q.Expr[0] == 'e' {
			v = 2
		}
		var m model.Matrix
		for _, pod := range []string{"web-c1-a", "web-s1-a", "web-s1-b"} {
			from := q.Start
			if pod == "web-c1-a" {
				from = first
			}
			ss := &model.SampleStream{Metric: model.Metric{"pod": model.LabelValue(pod)}}
			for t := from; !t.After(q.End); t = t.Add(q.Step) {
				ss.Values = append(ss.Values, model.SamplePair{Timestamp: model.TimeFromUnixNano(t.UnixNano()), Value: model.SampleValue(v)})
			}
			m = append(m, ss)
		}
		return m, nil
	}
	s := &Service{Rules: oneRuleSet{rs}, Backends: map[providers.Type]providers.MetricQuerier{"prometheus": &fakeBackend{answer: answer}},
		Now: func() time.Time { return end }}
	req := request.Request{Target: target, RuleSet: "test", Series: true}

	resp, err := s.Judge(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.RuleSetRevision != rs.Revision || len(rs.Revision) != 12 {
		t.Errorf("revision %q, want the rule file's %q", resp.RuleSetRevision, rs.Revision)
	}
	// Looks at ages 4, 6, 8 and 10 minutes: the last at the window's end.
	want := []time.Time{first.Add(4 * time.Minute), first.Add(6 * time.Minute), first.Add(8 * time.Minute), first.Add(10 * time.Minute)}
	if len(resp.Looks) != len(want) {
		t.Fatalf("looks %v, want %v", resp.Looks, want)
	}
	for i := range want {
		if !resp.Looks[i].Equal(want[i]) {
			t.Errorf("look %d at %v, want %v", i+1, resp.Looks[i], want[i])
		}
	}
	se := resp.Metrics[0].Series
	if se == nil {
		t.Fatal("no series")
	}
	if len(se.Queries) != 2 || se.Queries[0].Role != "numerator" || se.Queries[1].Role != "denominator" ||
		se.Queries[0].Expr != `e{ pod=~"web-(?:c1|s1)-[a-z0-9]+" }` || se.Queries[0].Source != "prometheus" {
		t.Errorf("queries %+v", se.Queries)
	}
	if len(se.Canary) != 1 || se.Canary[0].Pod != "web-c1-a" || len(se.Stable) != 2 {
		t.Fatalf("pods: canary %+v, stable %d", se.Canary, len(se.Stable))
	}
	c := se.Canary[0]
	if len(c.T) != 11 || c.T[0] != first.UnixMilli() || float64(c.Events[0]) != 2 || float64(c.Trials[0]) != 100 || c.V != nil {
		t.Errorf("canary series %+v", c)
	}

	req.Series = false
	resp, err = s.Judge(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Metrics[0].Series != nil || resp.Looks != nil || resp.RuleSetRevision != rs.Revision {
		t.Errorf("without series=true: series %v, looks %v, revision %q", resp.Metrics[0].Series, resp.Looks, resp.RuleSetRevision)
	}
}
