package engine

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/model"

	"github.com/canary-analyzer/canary-analyzer/api/wire"
	"github.com/canary-analyzer/canary-analyzer/providers"
	"github.com/canary-analyzer/canary-analyzer/request"
	"github.com/canary-analyzer/canary-analyzer/rules"
)

// classRuleSet has two ratios and a rate whose queries are one: requests
// by pod and status class, from which each metric selects its series.
const classRuleSet = `
name: classes
thresholds: {pass: 90, marginal: 60}
step: 1m
lookback: 10m
metrics:
  - name: errors
    kind: ratio
    numerator: &requests 'sum by (pod, class) (requests{namespace="{{.Namespace}}", {{.Pods}}})'
    denominator: *requests
    select: {numerator: {class: 5xx}, denominator: {}}
  - name: not-found
    kind: ratio
    numerator: *requests
    denominator: *requests
    select: {numerator: {class: "404"}, denominator: {}}
  - name: latency
    query: 'latency{namespace="{{.Namespace}}", {{.Pods}}}'
`

// classEnd is the end of the judgements of classRuleSet.
var classEnd = time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC)

// classService judges classRuleSet at classEnd with the backend as
// Prometheus, counting in reg.
func classService(t *testing.T, reg *prometheus.Registry, backend providers.MetricQuerier) *Service {
	t.Helper()
	rs, err := rules.Load([]byte(classRuleSet), "classes.yaml", "")
	if err != nil {
		t.Fatal(err)
	}
	return &Service{Rules: oneRuleSet{rs}, Backends: map[providers.Type]providers.MetricQuerier{"prometheus": backend},
		Now: func() time.Time { return classEnd }, Metrics: NewMetrics(reg)}
}

// classAnswer gives every pod, at each of 10 steps before end, 100
// requests of class 2xx, canaryErrors (canary) or 1 (stable pods) of
// class 5xx, and 2 of class 404, and a latency of 0.1.
func classAnswer(end time.Time, canaryErrors float64) func(providers.RangeQuery) (model.Matrix, error) {
	return func(q providers.RangeQuery) (model.Matrix, error) {
		var m model.Matrix
		for _, pod := range []string{"web-c1-aaaaa", "web-s1-bbbbb", "web-s1-ccccc"} {
			classes := map[string]float64{"2xx": 100, "5xx": 1, "404": 2}
			if pod == "web-c1-aaaaa" {
				classes["5xx"] = canaryErrors
			}
			if q.Expr[0] == 'l' {
				classes = map[string]float64{"": 0.1}
			}
			for class, v := range classes {
				ss := &model.SampleStream{Metric: model.Metric{"pod": model.LabelValue(pod)}}
				if class != "" {
					ss.Metric["class"] = model.LabelValue(class)
				}
				for i := 9; i >= 0; i-- {
					ss.Values = append(ss.Values, model.SamplePair{Timestamp: model.TimeFromUnixNano(end.Add(-time.Duration(i) * time.Minute).UnixNano()), Value: model.SampleValue(v)})
				}
				m = append(m, ss)
			}
		}
		return m, nil
	}
}

// statsBackend is a fakeBackend that also reports, as Loki does, the lines
// each query read.
type statsBackend struct {
	*fakeBackend
	lines int64
}

func (b statsBackend) QueryRangeStats(ctx context.Context, q providers.RangeQuery) (model.Matrix, providers.QueryStats, error) {
	m, err := b.QueryRange(ctx, q)
	return m, providers.QueryStats{LinesProcessed: b.lines, Requests: 1}, err
}

// TestSharedQuery judges metrics that select their series from one query:
// the query is sent once, each metric gets the sum of the series it
// selects per pod, the answer says what was deduplicated, and the
// engine's metrics count it.
func TestSharedQuery(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	b := &fakeBackend{answer: classAnswer(classEnd, 20)}
	s := classService(t, reg, statsBackend{b, 1000})
	resp, err := s.Judge(context.Background(), request.Request{Target: target, RuleSet: "classes", End: classEnd})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.asked) != 2 {
		t.Errorf("%d queries sent, want 2 (the shared query and latency): %v", len(b.asked), b.asked)
	}
	byName := map[string]int{}
	for i, m := range resp.Metrics {
		byName[m.Name] = i
	}
	for _, c := range []struct {
		metric                string
		canaryEvents, trials  float64
		stableEvents, sTrials float64
	}{
		// 10 steps of 100 + 20 + 2 requests; the stable pods 2 × 10 × 103.
		{"errors", 200, 1220, 20, 2060},
		{"not-found", 20, 1220, 40, 2060},
	} {
		m := resp.Metrics[byName[c.metric]]
		if float64(m.Canary.Events) != c.canaryEvents || float64(m.Canary.Trials) != c.trials ||
			float64(m.Stable.Events) != c.stableEvents || float64(m.Stable.Trials) != c.sTrials {
			t.Errorf("%s: canary %v of %v, stable %v of %v; want %v of %v, %v of %v", c.metric,
				m.Canary.Events, m.Canary.Trials, m.Stable.Events, m.Stable.Trials, c.canaryEvents, c.trials, c.stableEvents, c.sTrials)
		}
	}
	if got := resp.Metrics[byName["errors"]].Classification; got != "High" {
		t.Errorf("errors %s, want High (20 in 122 against 1 in 103)", got)
	}
	if c := resp.Cost; c.Queries != 5 || c.Sent != 2 || c.Deduplicated != 3 || c.Coalesced != 0 || c.LogLinesRead != 2000 {
		t.Errorf("cost %+v, want 5 queries, 2 sent, 3 deduplicated, 2000 lines read", c)
	}
	for outcome, want := range map[string]float64{"sent": 2, "deduplicated": 3, "coalesced": 0} {
		if got := testutil.ToFloat64(s.Metrics.queries.WithLabelValues("prometheus", outcome)); got != want {
			t.Errorf("analyzer_backend_queries_total{outcome=%q} = %v, want %v", outcome, got, want)
		}
	}
	if got := testutil.ToFloat64(s.Metrics.lines.WithLabelValues("prometheus")); got != 2000 {
		t.Errorf("analyzer_backend_log_lines_read_total = %v, want 2000", got)
	}
	if n, err := testutil.GatherAndCount(reg, "analyzer_judgement_log_lines_read"); err != nil || n != 1 {
		t.Errorf("analyzer_judgement_log_lines_read: %d series, %v", n, err)
	}
}

// gatedBackend is a statsBackend whose queries wait for release.
type gatedBackend struct {
	statsBackend
	release chan struct{}
}

func (b gatedBackend) QueryRangeStats(ctx context.Context, q providers.RangeQuery) (model.Matrix, providers.QueryStats, error) {
	select {
	case <-b.release:
	case <-ctx.Done():
	}
	return b.statsBackend.QueryRangeStats(ctx, q)
}

// TestConcurrentJudgementsCoalesce judges one canary twice at once (Argo
// and a person asking, say): the second judgement's queries join the
// first's calls in flight, so the backend is asked each distinct query
// once in all, and each answer and the engine's metrics say which
// judgement sent them and which shared them.
func TestConcurrentJudgementsCoalesce(t *testing.T) {
	t.Parallel()
	b := &fakeBackend{answer: classAnswer(classEnd, 20)}
	backend := gatedBackend{statsBackend{b, 1000}, make(chan struct{})}
	s := classService(t, prometheus.NewRegistry(), backend)
	req := request.Request{Target: target, RuleSet: "classes", End: classEnd}
	type result struct {
		cost wire.Cost
		err  error
	}
	results := make(chan result, 2)
	judge := func() {
		resp, err := s.Judge(context.Background(), req)
		results <- result{resp.Cost, err}
	}
	waiting := func(n int) func() bool {
		return func() bool {
			f := s.flightGroup()
			f.mu.Lock()
			defer f.mu.Unlock()
			w := 0
			for _, c := range f.calls {
				w += c.waiters
			}
			return len(f.calls) == 2 && w == n
		}
	}
	go judge()
	waitFor(t, waiting(2)) // the first judgement's two calls are in flight
	go judge()
	waitFor(t, waiting(4)) // the second judgement waits for them
	close(backend.release)
	var sent, coalesced int
	for range 2 {
		r := <-results
		if r.err != nil {
			t.Fatal(r.err)
		}
		if r.cost.Queries != 5 || r.cost.Deduplicated != 3 || r.cost.Sent+r.cost.Coalesced != 2 || r.cost.LogLinesRead != 2000 {
			t.Errorf("cost %+v, want 5 queries, 3 deduplicated, 2 sent or coalesced, 2000 lines read", r.cost)
		}
		sent += r.cost.Sent
		coalesced += r.cost.Coalesced
	}
	if len(b.asked) != 2 || sent != 2 || coalesced != 2 {
		t.Errorf("backend asked %d queries, judgements sent %d and coalesced %d; want 2, 2, 2", len(b.asked), sent, coalesced)
	}
	for outcome, want := range map[string]float64{"sent": 2, "deduplicated": 6, "coalesced": 2} {
		if got := testutil.ToFloat64(s.Metrics.queries.WithLabelValues("prometheus", outcome)); got != want {
			t.Errorf("analyzer_backend_queries_total{outcome=%q} = %v, want %v", outcome, got, want)
		}
	}
	if got := testutil.ToFloat64(s.Metrics.lines.WithLabelValues("prometheus")); got != 2000 {
		t.Errorf("analyzer_backend_log_lines_read_total = %v, want 2000 (the lines of the calls sent)", got)
	}
}

// TestFlightsCoalesce checks the sharing of identical queries in flight:
// one call for concurrent callers; a caller that leaves does not fail the
// others; a call nobody waits for any more is cancelled and not joined
// again; an answer is never reused after its call returned.
func TestFlightsCoalesce(t *testing.T) {
	t.Parallel()
	key := flightKey{source: "loki", expr: "q"}
	t.Run("concurrent callers share one call", func(t *testing.T) {
		var f flights
		var calls atomic.Int32
		release := make(chan struct{})
		run := func(ctx context.Context) (fetched, error) {
			calls.Add(1)
			<-release
			return fetched{matrix: model.Matrix{}, linesRead: 7}, nil
		}
		var wg sync.WaitGroup
		shared := make([]bool, 3)
		for i := range shared {
			wg.Add(1)
			go func() {
				defer wg.Done()
				a, sh, err := f.do(context.Background(), key, run)
				if err != nil || a.linesRead != 7 {
					t.Errorf("caller %d: %v %v", i, a, err)
				}
				shared[i] = sh
			}()
		}
		waitFor(t, func() bool { f.mu.Lock(); defer f.mu.Unlock(); return f.calls[key] != nil && f.calls[key].waiters == 3 })
		close(release)
		wg.Wait()
		n := 0
		for _, sh := range shared {
			if !sh {
				n++
			}
		}
		if calls.Load() != 1 || n != 1 {
			t.Errorf("%d calls, %d callers not sharing; want 1 and 1", calls.Load(), n)
		}
		// After the call returned, the next caller calls again.
		release = make(chan struct{})
		close(release)
		if _, sh, _ := f.do(context.Background(), key, run); sh || calls.Load() != 2 {
			t.Errorf("a later caller shared an answer (%d calls)", calls.Load())
		}
	})
	t.Run("a caller that leaves does not fail the others", func(t *testing.T) {
		var f flights
		release := make(chan struct{})
		run := func(ctx context.Context) (fetched, error) {
			select {
			case <-release:
				return fetched{linesRead: 1}, nil
			case <-ctx.Done():
				return fetched{}, ctx.Err()
			}
		}
		ctx, cancel := context.WithCancel(context.Background())
		first := make(chan error, 1)
		go func() { _, _, err := f.do(ctx, key, run); first <- err }()
		waitFor(t, func() bool { f.mu.Lock(); defer f.mu.Unlock(); return f.calls[key] != nil })
		second := make(chan error, 1)
		go func() { _, _, err := f.do(context.Background(), key, run); second <- err }()
		waitFor(t, func() bool { f.mu.Lock(); defer f.mu.Unlock(); return f.calls[key].waiters == 2 })
		cancel()
		var p *providers.Error
		if err := <-first; !errors.As(err, &p) || p.Kind != providers.Canceled {
			t.Errorf("the caller that left got %v, want canceled", err)
		}
		close(release)
		if err := <-second; err != nil {
			t.Errorf("the caller that stayed got %v", err)
		}
	})
	t.Run("a call nobody waits for is cancelled and not joined", func(t *testing.T) {
		var f flights
		stopped := make(chan struct{})
		run := func(ctx context.Context) (fetched, error) {
			<-ctx.Done()
			close(stopped)
			return fetched{}, ctx.Err()
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { _, _, _ = f.do(ctx, key, run); close(done) }()
		waitFor(t, func() bool { f.mu.Lock(); defer f.mu.Unlock(); return f.calls[key] != nil })
		cancel()
		<-done
		<-stopped // the abandoned call was cancelled
		a, sh, err := f.do(context.Background(), key, func(context.Context) (fetched, error) { return fetched{linesRead: 3}, nil })
		if err != nil || sh || a.linesRead != 3 {
			t.Errorf("after an abandoned call: %v %v %v, want a fresh call", a, sh, err)
		}
	})
}

// waitFor polls cond until it holds; the test fails after a long while.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for i := 0; i < 5000; i++ {
		if cond() {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatal("condition never held")
}
