package engine

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/providers"
	"github.com/canary-analyzer/canary-analyzer/request"
	"github.com/canary-analyzer/canary-analyzer/rules"
)

// fakeBackend answers every query with its matrix or error and records
// what it was asked.
type fakeBackend struct {
	mu     sync.Mutex
	asked  []providers.RangeQuery
	answer func(q providers.RangeQuery) (model.Matrix, error)
}

func (f *fakeBackend) QueryRange(ctx context.Context, q providers.RangeQuery) (model.Matrix, error) {
	f.mu.Lock()
	f.asked = append(f.asked, q)
	f.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return nil, &providers.Error{Kind: providers.Timeout, Err: err}
	}
	return f.answer(q)
}

type oneRuleSet struct{ rs *rules.RuleSet }

func (o oneRuleSet) RuleSet(name string) (*rules.RuleSet, bool) {
	if name != o.rs.Name {
		return nil, false
	}
	return o.rs, true
}

func testRuleSet(t *testing.T, source string) *rules.RuleSet {
	t.Helper()
	rs, err := rules.Load([]byte(`
name: test
thresholds: {pass: 90, marginal: 60}
step: 1m
lookback: 30m
metrics:
  - name: latency
    source: `+source+`
    query: 'x{namespace="{{.Namespace}}", {{.Pods}}}'
`), "test.yaml", "")
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

var target = request.Target{Namespace: "shop", Rollout: "web", CanaryHash: "c1", StableHash: "s1"}

func TestServiceWindowAndErrors(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 14, 5, 37, 250e6, time.UTC)
	empty := func(providers.RangeQuery) (model.Matrix, error) { return model.Matrix{}, nil }

	t.Run("window ends at now to the second, not rounded down to the step", func(t *testing.T) {
		b := &fakeBackend{answer: empty}
		s := &Service{Rules: oneRuleSet{testRuleSet(t, "prometheus")}, Backends: map[providers.Type]providers.MetricQuerier{"prometheus": b}, Now: func() time.Time { return now }}
		resp, err := s.Judge(context.Background(), request.Request{Target: target, RuleSet: "test"})
		if err != nil {
			t.Fatal(err)
		}
		q := b.asked[0]
		wantEnd := time.Date(2026, 11, 25, 14, 5, 37, 0, time.UTC)
		if !q.End.Equal(wantEnd) || !q.Start.Equal(wantEnd.Add(-30*time.Minute)) || q.Step != time.Minute {
			t.Errorf("asked %v .. %v step %v", q.Start, q.End, q.Step)
		}
		if q.Expr != `x{namespace="shop", pod=~"web-(?:c1|s1)-[a-z0-9]+"}` {
			t.Errorf("query %s", q.Expr)
		}
		if resp.Verdict != analysis.Inconclusive {
			t.Errorf("no data judged %s", resp.Verdict)
		}
	})
	t.Run("explicit end and lookback", func(t *testing.T) {
		b := &fakeBackend{answer: empty}
		s := &Service{Rules: oneRuleSet{testRuleSet(t, "prometheus")}, Backends: map[providers.Type]providers.MetricQuerier{"prometheus": b}, Now: func() time.Time { return now }}
		end := time.Date(2026, 11, 25, 13, 0, 30, 0, time.UTC)
		if _, err := s.Judge(context.Background(), request.Request{Target: target, RuleSet: "test", End: end, Lookback: 10 * time.Minute}); err != nil {
			t.Fatal(err)
		}
		if q := b.asked[0]; !q.End.Equal(end) || q.End.Sub(q.Start) != 10*time.Minute {
			t.Errorf("asked %v .. %v", q.Start, q.End)
		}
	})

	errCases := []struct {
		name   string
		req    request.Request
		source string
		answer func(providers.RangeQuery) (model.Matrix, error)
		check  func(error) bool
	}{
		{"unknown rule set", request.Request{Target: target, RuleSet: "nope"}, "prometheus", empty,
			func(err error) bool {
				var e *InputError
				return errors.As(err, &e) && e.NotFound && e.Field == "ruleSet"
			}},
		{"end in the future", request.Request{Target: target, RuleSet: "test", End: now.Add(time.Hour)}, "prometheus", empty,
			func(err error) bool { var e *InputError; return errors.As(err, &e) && e.Field == "end" }},
		{"lookback shorter than step", request.Request{Target: target, RuleSet: "test", Lookback: time.Second}, "prometheus", empty,
			func(err error) bool { var e *InputError; return errors.As(err, &e) && e.Field == "lookback" }},
		{"backend not configured", request.Request{Target: target, RuleSet: "test"}, "loki", empty,
			func(err error) bool { var e *ConfigError; return errors.As(err, &e) }},
		{"backend failure names the metric", request.Request{Target: target, RuleSet: "test"}, "prometheus",
			func(providers.RangeQuery) (model.Matrix, error) {
				return nil, &providers.Error{Kind: providers.Unavailable, Msg: "connection refused"}
			},
			func(err error) bool {
				var q *QueryError
				var p *providers.Error
				return errors.As(err, &q) && q.Metric == "latency" && errors.As(err, &p) && p.Kind == providers.Unavailable
			}},
		{"a backend client that panics is an internal error, not a crash", request.Request{Target: target, RuleSet: "test"}, "prometheus",
			func(providers.RangeQuery) (model.Matrix, error) {
				var m []model.Matrix
				return m[1], nil // an index out of range: the runtime panics
			},
			func(err error) bool {
				var p *PanicError
				return errors.As(err, &p) && strings.Contains(err.Error(), "panicked") && len(p.Stack) > 0
			}},
	}
	for _, c := range errCases {
		t.Run(c.name, func(t *testing.T) {
			b := &fakeBackend{answer: c.answer}
			s := &Service{Rules: oneRuleSet{testRuleSet(t, c.source)}, Backends: map[providers.Type]providers.MetricQuerier{"prometheus": b}, Now: func() time.Time { return now }}
			resp, err := s.Judge(context.Background(), c.req)
			if err == nil || !c.check(err) {
				t.Errorf("got %v, %v", resp, err)
			}
		})
	}

	t.Run("an expired context is a timeout, never a verdict", func(t *testing.T) {
		b := &fakeBackend{answer: empty}
		s := &Service{Rules: oneRuleSet{testRuleSet(t, "prometheus")}, Backends: map[providers.Type]providers.MetricQuerier{"prometheus": b}, Now: func() time.Time { return now }}
		ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
		defer cancel()
		resp, err := s.Judge(ctx, request.Request{Target: target, RuleSet: "test"})
		var p *providers.Error
		if !errors.As(err, &p) || p.Kind != providers.Timeout {
			t.Errorf("got %v, %v", resp, err)
		}
	})
}

// TestServiceReplicaSets judges a target named by ReplicaSets (an Argo
// experiment's canary and baseline): the queries select their pods by name,
// and a rule set that tells pods apart by the hash label cannot judge it.
func TestServiceReplicaSets(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 14, 5, 0, 0, time.UTC)
	rsTarget := request.Target{Namespace: "shop", Rollout: "web",
		CanaryReplicaSet: "web-6d4f9c7b8-2-1-canary", StableReplicaSet: "web-6d4f9c7b8-2-1-baseline"}
	empty := func(providers.RangeQuery) (model.Matrix, error) { return model.Matrix{}, nil }

	t.Run("by name", func(t *testing.T) {
		t.Parallel()
		b := &fakeBackend{answer: empty}
		s := &Service{Rules: oneRuleSet{testRuleSet(t, "prometheus")}, Backends: map[providers.Type]providers.MetricQuerier{"prometheus": b}, Now: func() time.Time { return now }}
		resp, err := s.Judge(context.Background(), request.Request{Target: rsTarget, RuleSet: "test"})
		if err != nil {
			t.Fatal(err)
		}
		want := `x{namespace="shop", pod=~"(?:web-6d4f9c7b8-2-1-canary-[a-z0-9]+|web-6d4f9c7b8-2-1-baseline-[a-z0-9]+)"}`
		if len(b.asked) == 0 || b.asked[0].Expr != want {
			t.Errorf("asked %+v, want %s", b.asked, want)
		}
		if resp.Target != rsTarget || resp.Verdict != analysis.Inconclusive {
			t.Errorf("target %+v verdict %s, want %+v Inconclusive (no data)", resp.Target, resp.Verdict, rsTarget)
		}
	})
	t.Run("a rule set that matches pods by label", func(t *testing.T) {
		t.Parallel()
		rs, err := rules.Load([]byte(`
name: test
thresholds: {pass: 90, marginal: 60}
pods: {by: label, label: rollouts_pod_template_hash}
metrics:
  - name: latency
    query: 'x{namespace="{{.Namespace}}", {{.Pods}}}'
`), "test.yaml", "")
		if err != nil {
			t.Fatal(err)
		}
		b := &fakeBackend{answer: empty}
		s := &Service{Rules: oneRuleSet{rs}, Backends: map[providers.Type]providers.MetricQuerier{"prometheus": b}, Now: func() time.Time { return now }}
		_, err = s.Judge(context.Background(), request.Request{Target: rsTarget, RuleSet: "test"})
		var e *InputError
		if !errors.As(err, &e) || e.Field != "canaryReplicaSet" || e.NotFound || !strings.Contains(e.Msg, "pods.by: name") {
			t.Errorf("got %v, want an input error in canaryReplicaSet that says pods.by: name", err)
		}
		if len(b.asked) != 0 {
			t.Errorf("%d queries ran", len(b.asked))
		}
	})
}

// TestServiceBothReferences judges a both-references request: one window,
// the canary's ReplicaSet against the baseline's pods and against the
// stable pods by hash, each distinct query sent once, a query that treats
// every pod alike once for all three judgements; bad input and a
// backend failure in either judgement are errors, never a verdict.
func TestServiceBothReferences(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 14, 5, 0, 0, time.UTC)
	rs, err := rules.Load([]byte(`
name: test
thresholds: {pass: 90, marginal: 60}
metrics:
  - name: latency
    query: 'x{namespace="{{.Namespace}}", {{.Pods}}}'
  - name: canary-latency
    query: 'y{namespace="{{.Namespace}}", {{.CanaryPods}}}'
  - name: restarts
    kind: rate
    query: 'sum by (pod) ({{.Increase `+"`"+`z{namespace="{{.Namespace}}", {{.Pods}}}`+"`"+`}})'
  - name: log-lines
    source: loki
    query: 'sum by (pod) (count_over_time({namespace="{{.Namespace}}", {{.Pods}}} [{{.Step}}]))'
`), "test.yaml", "")
	if err != nil {
		t.Fatal(err)
	}
	const (
		canaryPod   = "web-6d4f9c7b8-2-1-canary-fghij"
		baselinePod = "web-6d4f9c7b8-2-1-baseline-abcde"
		stablePod   = "web-7c9d5b6f4d-k6plh"
	)
	// Every pod answers every query; the matchers take their own.
	series := func(providers.RangeQuery) (model.Matrix, error) {
		var m model.Matrix
		for _, pod := range []string{canaryPod, baselinePod, stablePod} {
			m = append(m, &model.SampleStream{Metric: model.Metric{"pod": model.LabelValue(pod)},
				Values: []model.SamplePair{{Timestamp: model.TimeFromUnix(now.Add(-time.Minute).Unix()), Value: 1}}})
		}
		return m, nil
	}
	service := func(b *fakeBackend) *Service {
		return &Service{Rules: oneRuleSet{rs}, Backends: map[providers.Type]providers.MetricQuerier{"prometheus": b, "loki": b}, Now: func() time.Time { return now }}
	}

	t.Run("two judgements and the age check, each distinct query once, a query of all pods once for all three", func(t *testing.T) {
		t.Parallel()
		b := &fakeBackend{answer: series}
		resp, err := service(b).Judge(context.Background(), request.Request{Target: bothTarget, RuleSet: "test"})
		if err != nil {
			t.Fatal(err)
		}
		var asked, increases []string
		for _, q := range b.asked {
			if strings.Contains(q.Expr, "z{") {
				increases = append(increases, q.Expr)
				continue
			}
			asked = append(asked, q.Expr)
			if !q.End.Equal(now) {
				t.Errorf("%s ends at %v, want %v: one window", q.Expr, q.End, now)
			}
		}
		// x and the Loki count treat every pod alike: one query each
		// selects all three ReplicaSets' pods for the three judgements.
		// y selects one side:
		// the canary's for two judgements, the baseline's for the age
		// check. z's Increase counts the first values of each
		// judgement's canary: one query of all three's pods for the two
		// judgements of the canary, one for the age check.
		const all = `pod=~"(?:web-6d4f9c7b8-2-1-canary-[a-z0-9]+|web-6d4f9c7b8-2-1-baseline-[a-z0-9]+|web-7c9d5b6f4d-[a-z0-9]+)"`
		if len(increases) != 2 {
			t.Errorf("%d queries of z, want 2:\n%s", len(increases), strings.Join(increases, "\n"))
		}
		for _, newPods := range []string{`pod=~"web-6d4f9c7b8-2-1-canary-[a-z0-9]+"`, `pod=~"web-6d4f9c7b8-2-1-baseline-[a-z0-9]+"`} {
			n := 0
			for _, q := range increases {
				if strings.Contains(q, "z{namespace=\"shop\", "+all+"}") && strings.Contains(q, newPods+"} unless") {
					n++
				}
			}
			if n != 1 {
				t.Errorf("%d queries of z select all three's pods and count %s's first values, want 1", n, newPods)
			}
		}
		want := []string{
			`sum by (pod) (count_over_time({namespace="shop", ` + all + `} [1m]))`,
			`x{namespace="shop", pod=~"(?:web-6d4f9c7b8-2-1-canary-[a-z0-9]+|web-6d4f9c7b8-2-1-baseline-[a-z0-9]+|web-7c9d5b6f4d-[a-z0-9]+)"}`,
			`y{namespace="shop", pod=~"web-6d4f9c7b8-2-1-baseline-[a-z0-9]+"}`,
			`y{namespace="shop", pod=~"web-6d4f9c7b8-2-1-canary-[a-z0-9]+"}`,
		}
		if slices.Sort(asked); !slices.Equal(asked, want) {
			t.Errorf("asked\n%s\nwant\n%s", strings.Join(asked, "\n"), strings.Join(want, "\n"))
		}
		if c := resp.Cost; c.Queries != 12 || c.Sent != 6 || c.Deduplicated != 6 {
			t.Errorf("cost %+v, want 12 queries of three judgements, 6 sent, 6 deduplicated", c)
		}
		if resp.Target != bothTarget || len(resp.References) != 3 {
			t.Fatalf("target %+v, %d references", resp.Target, len(resp.References))
		}
		base, stable, age := resp.References[0], resp.References[1], resp.References[2]
		if age.Against != "age" || age.Target != bothTarget.BaselineAgainstStable() || !slices.Equal(age.Stable.Pods, []string{stablePod}) ||
			!slices.Equal(age.Canary.Pods, []string{baselinePod}) {
			t.Errorf("the age check: %+v", age)
		}
		if base.Against != "baseline" || base.Target != bothTarget.AgainstBaseline() || !slices.Equal(base.Stable.Pods, []string{baselinePod}) ||
			!slices.Equal(base.Canary.Pods, []string{canaryPod}) {
			t.Errorf("against the baseline: %+v", base)
		}
		if stable.Against != "stable" || stable.Target != bothTarget.AgainstStable() || !slices.Equal(stable.Stable.Pods, []string{stablePod}) ||
			!slices.Equal(stable.Canary.Pods, []string{canaryPod}) {
			t.Errorf("against the stable pods: %+v", stable)
		}
		if !slices.Equal(resp.Stable.Pods, []string{baselinePod}) || len(resp.Metrics) != 4 || resp.Metrics[0].Query != base.Metrics[0].Query {
			t.Errorf("the answer's pods %v and metrics are not the judgement against the baseline's", resp.Stable.Pods)
		}
	})

	bad := func(change func(t *request.Target)) request.Request {
		r := request.Request{Target: bothTarget, RuleSet: "test"}
		change(&r.Target)
		return r
	}
	for _, c := range []struct {
		name, field string
		req         request.Request
	}{
		{"a baseline the stable hash selects", "stableHash", bad(func(t *request.Target) { t.StableReplicaSet = "web-7c9d5b6f4d" })},
		{"a canary the stable hash selects", "stableHash", bad(func(t *request.Target) { t.CanaryReplicaSet = "web-7c9d5b6f4d" })},
		{"no rollout", "rollout", bad(func(t *request.Target) { t.Rollout = "" })},
		{"a canary hash too", "canaryHash", bad(func(t *request.Target) { t.CanaryHash = "6d4f9c7b8" })},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := &fakeBackend{answer: series}
			resp, err := service(b).Judge(context.Background(), c.req)
			var ie *InputError
			var re *request.Error
			if !(errors.As(err, &ie) && ie.Field == c.field || errors.As(err, &re) && re.Field == c.field) || resp != nil {
				t.Errorf("got %v, %v; want an error in field %s", resp, err, c.field)
			}
			if len(b.asked) != 0 {
				t.Errorf("%d queries sent", len(b.asked))
			}
		})
	}

	for _, failing := range []string{"web-6d4f9c7b8-2-1-baseline", "web-7c9d5b6f4d"} {
		t.Run("a backend failure in the judgement against "+failing, func(t *testing.T) {
			t.Parallel()
			b := &fakeBackend{answer: func(q providers.RangeQuery) (model.Matrix, error) {
				if strings.Contains(q.Expr, failing) {
					return nil, &providers.Error{Kind: providers.Unavailable, Msg: "connection refused"}
				}
				return series(q)
			}}
			resp, err := service(b).Judge(context.Background(), request.Request{Target: bothTarget, RuleSet: "test"})
			var qe *QueryError
			if !errors.As(err, &qe) || !strings.Contains(qe.Query, failing) || resp != nil {
				t.Errorf("got %v, %v; want the query error of %s", resp, err, failing)
			}
		})
	}
}

var bothTarget = request.Target{Namespace: "shop", Rollout: "web", StableHash: "7c9d5b6f4d",
	CanaryReplicaSet: "web-6d4f9c7b8-2-1-canary", StableReplicaSet: "web-6d4f9c7b8-2-1-baseline"}

// TestServiceBothReferencesShipped counts the series queries a
// both-references request sends with each shipped rule set: every query
// that treats pods alike once for the three judgements ({{.Increase}}
// twice: for the canary's two judgements and for the age check), a query
// that tells the sides apart once per distinct rendering; and its log
// reads, each side's once.
func TestServiceBothReferencesShipped(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 14, 5, 0, 0, time.UTC)
	for _, c := range []struct {
		file string
		sent int // distinct series queries sent for the three judgements
		logs int // log reads of the signatures metrics: one per pod set
	}{
		// error and 404 ratios' numerators and denominator (Increase): 3
		// queries x 2; latency and latency-p95: 3 each; CPU and its load
		// (Rate), memory: 1 each; restarts (Increase): 2.
		{"http-service.yaml", 17, 0},
		// the access log's requests by class (both ratios and the
		// exposure), latency, CPU, memory: 1 each; restarts: 2. (15 when
		// each judgement sent its own.) The error log of the canary's,
		// the baseline's and the stable pods once each (6 when each
		// judgement read both its sides).
		{"apache-frontend.yaml", 6, 3},
	} {
		t.Run(c.file, func(t *testing.T) {
			t.Parallel()
			rs, err := rules.LoadFile("../deploy/base/rules/"+c.file, "")
			if err != nil {
				t.Fatal(err)
			}
			prom := &fakeBackend{answer: func(providers.RangeQuery) (model.Matrix, error) { return model.Matrix{}, nil }}
			loki := &logsFake{}
			s := &Service{Rules: oneRuleSet{rs}, Now: func() time.Time { return now },
				Backends: map[providers.Type]providers.MetricQuerier{providers.TypePrometheus: prom, providers.TypeLoki: loki},
				Logs:     map[providers.Type]providers.LogQuerier{providers.TypeLoki: loki}}
			resp, err := s.Judge(context.Background(), request.Request{Target: bothTarget, RuleSet: rs.Name})
			if err != nil {
				t.Fatal(err)
			}
			var perJudgement int
			both := rs.WithoutThrottlingHolds() // a both-references request asks for no CFS counters
			for i := range both.Metrics {
				perJudgement += len(both.Metrics[i].Roles())
			}
			logRequests := len(loki.logAsked)
			if logRequests != c.logs {
				t.Errorf("%d log reads, want %d", logRequests, c.logs)
			}
			if got := resp.Cost.Sent - logRequests; got != c.sent || resp.Cost.Queries != 3*perJudgement {
				t.Errorf("%d series queries sent of %d asked (cost %+v), want %d of %d", got, resp.Cost.Queries, resp.Cost, c.sent, 3*perJudgement)
			}
		})
	}
}
