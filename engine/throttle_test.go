package engine

import (
	"context"
	"maps"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/api/wire"
	"github.com/canary-analyzer/canary-analyzer/providers"
	"github.com/canary-analyzer/canary-analyzer/request"
	"github.com/canary-analyzer/canary-analyzer/rules"
)

// A canary 70% slower than three stable pods, serving 2.4 times a stable
// pod's load with the stable pods' CPU per request, beside a rule set
// whose CPU metric carries the CFS counters. The counters are asked for
// over the judged window only (the CPU metric's modelLookback takes its
// value and load two hours back, not them), and the judge holds the
// latency High: throttled in 30% of its periods against at most 12%.
// Without a canary series of throttled periods (no CPU limit) the High
// stands, and the counters' series name no pod of their own: a pod that
// only they show is neither side's.
func TestThrottlingCountersReachTheJudge(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 14, 5, 0, 0, time.UTC)
	rs, err := rules.Load([]byte(`
name: test
thresholds: {pass: 90, marginal: 60}
step: 1m
lookback: 30m
warmup: 1m
metrics:
  - name: latency
    query: 'lat{namespace="{{.Namespace}}", {{.Pods}}}'
    podSpread: 0.066
    critical: true
  - name: cpu
    query: 'cpu{namespace="{{.Namespace}}", {{.Pods}}}'
    load: 'rps{namespace="{{.Namespace}}", {{.Pods}}}'
    modelLookback: 2h
    throttled: 'thr{namespace="{{.Namespace}}", {{.Pods}}}'
    periods: 'per{namespace="{{.Namespace}}", {{.Pods}}}'
    throttlingExplains: [latency]
    podSpread: 0.1
    critical: true
`), "test.yaml", "")
	if err != nil {
		t.Fatal(err)
	}
	type pod struct {
		name        string
		age         time.Duration
		share, slow float64 // load relative to a stable pod; latency factor
		throttled   float64 // share of CFS periods
	}
	pods := []pod{
		{"web-s1-aaaaa", 3 * time.Hour, 1, 1.02, 0.12},
		{"web-s1-bbbbb", 3 * time.Hour, 1, 0.98, 0.08},
		{"web-s1-ccccc", 3 * time.Hour, 1, 1.00, 0.10},
		{"web-c1-ddddd", 12 * time.Minute, 2.4, 1.7, 0.30},
	}
	series := map[string]map[string][]model.SamplePair{}
	add := func(metric, pod string, at time.Time, v float64) {
		if series[metric] == nil {
			series[metric] = map[string][]model.SamplePair{}
		}
		series[metric][pod] = append(series[metric][pod], model.SamplePair{Timestamp: model.TimeFromUnix(at.Unix()), Value: model.SampleValue(v)})
	}
	rng := rand.New(rand.NewPCG(3, 5))
	for at := now.Add(-2 * time.Hour); !at.After(now); at = at.Add(time.Minute) {
		cycle := 10 * (1 + 0.3*math.Sin(2*math.Pi*float64(at.Unix())/7200))
		for _, p := range pods {
			if at.Before(now.Add(-p.age)) {
				continue
			}
			x := cycle * p.share * (1 + 0.05*rng.NormFloat64())
			add("rps", p.name, at, x)
			add("cpu", p.name, at, (0.02+0.004*x)*(1+0.03*rng.NormFloat64()))
			add("lat", p.name, at, 0.1*p.slow*math.Exp(0.03*rng.NormFloat64()))
			add("thr", p.name, at, math.Round(600*p.throttled))
			add("per", p.name, at, 600)
		}
		// A pod only the counters know of.
		add("thr", "web-s1-zzzzz", at, 600)
		add("per", "web-s1-zzzzz", at, 600)
	}
	judge := func(t *testing.T, withCanaryCounters bool) (wire.MetricResult, *fakeBackend, []string) {
		b := &fakeBackend{answer: func(q providers.RangeQuery) (model.Matrix, error) {
			name := q.Expr[:strings.Index(q.Expr, "{")]
			byPod := series[name]
			if !withCanaryCounters && (name == "thr" || name == "per") {
				byPod = maps.Clone(byPod)
				delete(byPod, "web-c1-ddddd")
			}
			return inRange(byPod, q), nil
		}}
		s := &Service{Rules: oneRuleSet{rs}, Backends: map[providers.Type]providers.MetricQuerier{"prometheus": b}, Now: func() time.Time { return now }}
		resp, err := s.Judge(context.Background(), request.Request{Target: target, RuleSet: "test"})
		if err != nil {
			t.Fatal(err)
		}
		return resp.Metrics[0], b, resp.Stable.Pods
	}
	t.Run("held", func(t *testing.T) {
		t.Parallel()
		lat, b, stablePods := judge(t, true)
		ev := lat.Evidence.Throttling
		if lat.Classification != analysis.NotEnoughData || ev == nil || ev.Metric != "cpu" || ev.Held != analysis.High {
			t.Fatalf("latency %s (%s), throttling evidence %+v; want a High held for cpu's throttling", lat.Classification, lat.Reason, ev)
		}
		// The window's counters only, and the pods with data: not the pod
		// that only the counters show (600 of 600 periods throttled).
		if math.Abs(float64(ev.CanaryShare)-0.30) > 0.002 || math.Abs(float64(ev.StableMaxShare)-0.12) > 0.002 {
			t.Errorf("canary share %v, stable max %v; want 0.30 and 0.12", ev.CanaryShare, ev.StableMaxShare)
		}
		for _, p := range stablePods {
			if strings.HasSuffix(p, "zzzzz") {
				t.Errorf("stable pods %v include the pod only the counters show", stablePods)
			}
		}
		for _, q := range b.asked {
			reach := now.Sub(q.Start)
			counter := strings.HasPrefix(q.Expr, "thr") || strings.HasPrefix(q.Expr, "per")
			if model := strings.HasPrefix(q.Expr, "cpu") || strings.HasPrefix(q.Expr, "rps"); (model && reach != 2*time.Hour) || (counter && reach != 30*time.Minute) {
				t.Errorf("%s asked from %s before the end; want the CPU model's queries 2h back, the counters the 30m window", q.Expr, reach)
			}
		}
	})
	t.Run("no canary counters", func(t *testing.T) {
		t.Parallel()
		if lat, _, _ := judge(t, false); lat.Classification != analysis.High || lat.Evidence.Throttling != nil {
			t.Fatalf("latency %s (%s); want High: a canary without counters holds nothing", lat.Classification, lat.Reason)
		}
	})
}
