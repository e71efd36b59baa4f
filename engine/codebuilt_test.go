package engine

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/providers"
	"github.com/canary-analyzer/canary-analyzer/request"
	"github.com/canary-analyzer/canary-analyzer/rules"
)

// TestRuleSetBuiltInCode judges a rule set built in Go with every optional
// field left at its zero value: the engine must apply the same defaults as
// a rule file gets, and never panic.
func TestRuleSetBuiltInCode(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 14, 5, 0, 0, time.UTC)
	pods := []string{"web-c1-aaaaa", "web-s1-bbbbb", "web-s1-ccccc", "web-s1-ddddd"}
	// Every pod the same: a level near 1 with a little deterministic
	// wobble, 100 requests and no errors a minute.
	series := func(q providers.RangeQuery) (model.Matrix, error) {
		var out model.Matrix
		for p, pod := range pods {
			ss := &model.SampleStream{Metric: model.Metric{"pod": model.LabelValue(pod)}}
			for ts, i := q.Start, 0; !ts.After(q.End); ts, i = ts.Add(q.Step), i+1 {
				v := 1 + 0.02*math.Sin(float64(i+3*p))
				switch {
				case strings.HasPrefix(q.Expr, "errors"):
					v = 0
				case strings.HasPrefix(q.Expr, "requests"):
					v = 100
				}
				ss.Values = append(ss.Values, model.SamplePair{Timestamp: model.TimeFromUnixNano(ts.UnixNano()), Value: model.SampleValue(v)})
			}
			out = append(out, ss)
		}
		return out, nil
	}
	rs := &rules.RuleSet{
		Name:       "code",
		Thresholds: rules.Thresholds{Pass: 90, Marginal: 60},
		Metrics: []rules.Metric{
			{Name: "latency", Query: `latency{ {{.Pods}} }`},
			{Name: "errors", Kind: analysis.KindRatio, Numerator: `errors{ {{.Pods}} }`, Denominator: `requests{ {{.Pods}} }`},
		},
	}
	b := &fakeBackend{answer: series}
	s := &Service{Rules: oneRuleSet{rs}, Backends: map[providers.Type]providers.MetricQuerier{providers.TypePrometheus: b}, Now: func() time.Time { return now }}
	resp, err := s.Judge(context.Background(), request.Request{Target: target, RuleSet: "code"})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.asked) != 3 {
		t.Fatalf("asked %d queries, want 3", len(b.asked))
	}
	for _, q := range b.asked {
		if q.Step != rules.DefaultStep || q.End.Sub(q.Start) != rules.DefaultLookback {
			t.Errorf("%s asked at step %v over %v; want the defaults %v over %v", q.Expr, q.Step, q.End.Sub(q.Start), rules.DefaultStep, rules.DefaultLookback)
		}
	}
	if resp.Judge != string(rules.JudgeCanary) {
		t.Errorf("judge %q, want the default %q", resp.Judge, rules.JudgeCanary)
	}
	if len(resp.Metrics) != 2 {
		t.Fatalf("%d metrics in the answer", len(resp.Metrics))
	}
	for _, m := range resp.Metrics {
		if m.Weight != rules.DefaultWeight {
			t.Errorf("%s: weight %g, want the default %g", m.Name, m.Weight, rules.DefaultWeight)
		}
		if m.Classification == analysis.High || m.Classification == analysis.Low {
			t.Errorf("%s: identical pods judged %s: %s", m.Name, m.Classification, m.Reason)
		}
	}
	if resp.Verdict == analysis.Failed {
		t.Errorf("identical pods Failed: %s", resp.Reason)
	}
	if rs.Step != 0 || rs.Metrics[0].Tolerance != nil || rs.Metrics[1].Source != "" {
		t.Error("judging changed the caller's rule set")
	}

	t.Run("a query template that does not parse is a config error", func(t *testing.T) {
		bad := &rules.RuleSet{Name: "bad", Thresholds: rules.Thresholds{Pass: 90}, Metrics: []rules.Metric{{Name: "x", Query: `up{ {{.Pods }`}}}
		s := &Service{Rules: oneRuleSet{bad}, Backends: map[providers.Type]providers.MetricQuerier{providers.TypePrometheus: b}, Now: func() time.Time { return now }}
		_, err := s.Judge(context.Background(), request.Request{Target: target, RuleSet: "bad"})
		var ce *ConfigError
		if !errors.As(err, &ce) {
			t.Errorf("got %v, want a ConfigError", err)
		}
	})
}
