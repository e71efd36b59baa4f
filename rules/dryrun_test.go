package rules

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/canary-analyzer/canary-analyzer/providers"
	"github.com/canary-analyzer/canary-analyzer/request"
)

// answers is a backend that answers each query by the first word of its
// metric name.
type answers map[string]model.Matrix

func (a answers) QueryRange(_ context.Context, q providers.RangeQuery) (model.Matrix, error) {
	for prefix, m := range a {
		if strings.Contains(q.Expr, prefix) {
			if m == nil {
				return nil, &providers.Error{Backend: providers.TypePrometheus, Kind: providers.BadQuery, Msg: "bad query"}
			}
			return m, nil
		}
	}
	return model.Matrix{}, nil
}

func series(labels ...string) *model.SampleStream {
	m := model.Metric{}
	for i := 0; i+1 < len(labels); i += 2 {
		m[model.LabelName(labels[i])] = model.LabelValue(labels[i+1])
	}
	return &model.SampleStream{Metric: m, Values: []model.SamplePair{{Timestamp: 0, Value: 1}}}
}

func TestDryRun(t *testing.T) {
	t.Parallel()
	rs, err := Load([]byte(`
name: dry
thresholds: {pass: 90, marginal: 60}
lookback: 10m
metrics:
  - name: good
    query: 'sum by (pod) (good{namespace="{{.Namespace}}", {{.Pods}}})'
  - name: empty
    query: 'sum by (pod) (empty{namespace="{{.Namespace}}", {{.Pods}}})'
  - name: errors
    kind: ratio
    numerator: 'sum by (pod) (errors{namespace="{{.Namespace}}", {{.Pods}}})'
    denominator: 'sum by (pod) (good{namespace="{{.Namespace}}", {{.Pods}}})'
  - name: two-per-pod
    query: 'sum by (pod, code) (twice{namespace="{{.Namespace}}", {{.Pods}}})'
  - name: no-pod
    query: 'sum(nopod{namespace="{{.Namespace}}", {{.Pods}}})'
  - name: refused
    query: 'refused{namespace="{{.Namespace}}", {{.Pods}}}'
  - name: logs
    source: loki
    query: 'sum by (pod) (count_over_time({namespace="{{.Namespace}}", {{.Pods}}} [{{.Step}}]))'
`), "dry.yaml", "")
	if err != nil {
		t.Fatal(err)
	}
	prom := answers{
		"good":    {series("pod", "web-a-1"), series("pod", "web-b-2")},
		"twice":   {series("pod", "web-a-1", "code", "200"), series("pod", "web-a-1", "code", "500")},
		"nopod":   {series()},
		"refused": nil,
	}
	var asked []providers.RangeQuery
	recording := querierFunc(func(ctx context.Context, q providers.RangeQuery) (model.Matrix, error) {
		asked = append(asked, q)
		return prom.QueryRange(ctx, q)
	})
	end := time.Date(2026, 11, 25, 14, 5, 30, 0, time.UTC)
	findings := DryRun(context.Background(), rs, map[providers.Type]providers.MetricQuerier{providers.TypePrometheus: recording}, nil,
		request.Target{Namespace: "shop", Rollout: "web"}, end)
	want := map[string]struct {
		problem string
		warning bool
	}{
		"empty":       {"returned nothing: is a metric or label name wrong", false},
		"errors":      {"returned nothing: right if no pod had such an event", true},
		"two-per-pod": {"more than one series for a pod: web-a-1 (2)", false},
		"no-pod":      {"1 of 1 series lack the pod label", false},
		"refused":     {"the backend refused it: prometheus: bad_query", false},
		"logs":        {"no loki to ask", false},
	}
	got := map[string]Finding{}
	for _, f := range findings {
		got[f.Metric] = f
	}
	for metric, w := range want {
		f, ok := got[metric]
		if !ok {
			t.Errorf("no finding for %s", metric)
			continue
		}
		if !strings.Contains(f.Problem, w.problem) || f.Warning != w.warning {
			t.Errorf("%s: %q (warning %v), want %q (warning %v)", metric, f.Problem, f.Warning, w.problem, w.warning)
		}
	}
	if len(findings) != len(want) {
		t.Errorf("%d findings, want %d: %v", len(findings), len(want), findings)
	}
	q := asked[0]
	if !strings.Contains(q.Expr, `namespace="shop", pod=~"web-.+"`) || q.Step != time.Minute ||
		!q.End.Equal(end.Truncate(time.Minute)) || q.End.Sub(q.Start) != 10*time.Minute {
		t.Errorf("asked %s over %v..%v at %v", q.Expr, q.Start, q.End, q.Step)
	}
	if f := DryRun(context.Background(), rs, nil, nil, request.Target{}, end); len(f) != 1 || !strings.Contains(f[0].Problem, "namespace") {
		t.Errorf("a dry run without a namespace: %v", f)
	}
}

type querierFunc func(context.Context, providers.RangeQuery) (model.Matrix, error)

func (f querierFunc) QueryRange(ctx context.Context, q providers.RangeQuery) (model.Matrix, error) {
	return f(ctx, q)
}
