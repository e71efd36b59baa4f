package engine

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/providers"
	"github.com/canary-analyzer/canary-analyzer/request"
	"github.com/canary-analyzer/canary-analyzer/rules"
)

// A canary with three times a stable pod's load and twice its CPU per
// request, beside two baseline pods at its load that started with it and
// two stable pods with two hours of a daily cycle. Against the baseline
// alone the load model has nothing to learn from at the first looks (the
// young pods' first five minutes are left out) and then a few minutes of
// two pods; with the stable pods' samples lent to it, the judgement against
// the baseline learns the slope from them and fails the canary, and only
// the load model sees them.
func TestBaselineLoadModelLearnsFromTheStablePods(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 14, 5, 0, 0, time.UTC)
	rs, err := rules.Load([]byte(`
name: test
thresholds: {pass: 90, marginal: 60}
step: 1m
lookback: 30m
metrics:
  - name: cpu
    query: 'cpu{namespace="{{.Namespace}}", {{.Pods}}}'
    load: 'rps{namespace="{{.Namespace}}", {{.Pods}}}'
    modelLookback: 2h
    direction: increase
    podSpread: 0.1
    warmup: 1m
    maxWarmup: 5m
`), "test.yaml", "")
	if err != nil {
		t.Fatal(err)
	}
	type pod struct {
		name           string
		age            time.Duration
		share, perCall float64 // load relative to a stable pod; CPU per request
		level          float64 // the pod's own speed
	}
	pods := []pod{
		{"web-7c9d5b6f4d-k6plh", 3 * time.Hour, 1, 0.004, 1.03},
		{"web-7c9d5b6f4d-m2xqz", 3 * time.Hour, 1, 0.004, 0.97},
		{"web-6d4f9c7b8-2-1-baseline-abcde", 10 * time.Minute, 3, 0.004, 1.02},
		{"web-6d4f9c7b8-2-1-baseline-fghkl", 10 * time.Minute, 3, 0.004, 0.98},
		{"web-6d4f9c7b8-2-1-canary-mnpqr", 10 * time.Minute, 3, 0.008, 1},
	}
	// Every pod's samples on the minute grid, from two hours before now:
	// load follows a slow cycle and the minute-to-minute count of
	// requests; CPU is an idle 0.02 cores plus the cost of each request,
	// times the pod's speed, with 3% noise.
	rng := rand.New(rand.NewPCG(7, 11))
	cpu, load := map[string][]model.SamplePair{}, map[string][]model.SamplePair{}
	for at := now.Add(-2 * time.Hour); !at.After(now); at = at.Add(time.Minute) {
		cycle := 10 * (1 + 0.3*math.Sin(2*math.Pi*float64(at.Unix())/7200))
		for _, p := range pods {
			if at.Before(now.Add(-p.age)) {
				continue
			}
			x := cycle * p.share * (1 + 0.05*rng.NormFloat64())
			y := (0.02 + p.perCall*x) * p.level * (1 + 0.03*rng.NormFloat64())
			ts := model.TimeFromUnix(at.Unix())
			load[p.name] = append(load[p.name], model.SamplePair{Timestamp: ts, Value: model.SampleValue(x)})
			cpu[p.name] = append(cpu[p.name], model.SamplePair{Timestamp: ts, Value: model.SampleValue(y)})
		}
	}
	answer := func(q providers.RangeQuery) (model.Matrix, error) {
		if strings.HasPrefix(q.Expr, "rps") {
			return inRange(load, q), nil
		}
		return inRange(cpu, q), nil
	}
	s := &Service{Rules: oneRuleSet{rs}, Backends: map[providers.Type]providers.MetricQuerier{"prometheus": &fakeBackend{answer: answer}},
		Now: func() time.Time { return now }}
	resp, err := s.Judge(context.Background(), request.Request{Target: bothTarget, RuleSet: "test"})
	if err != nil {
		t.Fatal(err)
	}
	base := resp.References[0]
	m := base.Metrics[0]
	if m.Classification != analysis.High {
		t.Errorf("against the baseline, cpu is %s (%s); want High", m.Classification, m.Reason)
	}
	if ev := m.Evidence.Load; ev == nil || ev.Pods != 4 || !strings.Contains(ev.Text, "of 4 pods (2 of them not compared with the canary") {
		t.Errorf("against the baseline, the load model is %+v; want it fitted on the two stable pods and the two baseline pods, and to say so", ev)
	}
	if got := base.Stable.Pods; len(got) != 2 || !strings.Contains(got[0], "baseline") || !strings.Contains(got[1], "baseline") {
		t.Errorf("against the baseline, the canary is compared with %v; want the baseline pods only", got)
	}
	if resp.Verdict != analysis.Failed {
		t.Errorf("verdict %s (%s); want Failed against both references", resp.Verdict, resp.Reason)
	}
}

// inRange answers a range query from per-pod samples: each pod's samples
// within the query's range, one series per pod with any.
func inRange(byPod map[string][]model.SamplePair, q providers.RangeQuery) model.Matrix {
	var m model.Matrix
	for pod, samples := range byPod {
		var in []model.SamplePair
		for _, s := range samples {
			if at := s.Timestamp.Time(); !at.Before(q.Start) && !at.After(q.End) {
				in = append(in, s)
			}
		}
		if len(in) > 0 {
			m = append(m, &model.SampleStream{Metric: model.Metric{"pod": model.LabelValue(pod)}, Values: in})
		}
	}
	return m
}
