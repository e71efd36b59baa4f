package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/canary-analyzer/canary-analyzer/providers"
	"github.com/canary-analyzer/canary-analyzer/request"
	"github.com/canary-analyzer/canary-analyzer/rules"
)

// orderRuleSet judges CPU against the load summed per pod over the
// requests' series by status code, as a select role (the engine sums
// them), and an error ratio selected from the same series.
const orderRuleSet = `
name: order
thresholds: {pass: 90, marginal: 60}
step: 1m
lookback: 30m
metrics:
  - name: cpu
    query: 'cpu{namespace="{{.Namespace}}", {{.Pods}}}'
    load: &requests 'sum by (pod, code) (requests{namespace="{{.Namespace}}", {{.Pods}}})'
    select: {load: {}}
    modelLookback: 1h
  - name: errors
    kind: ratio
    numerator: *requests
    denominator: *requests
    select: {numerator: {code: "500"}, denominator: {}}
`

// orderBackend answers the same samples to the same query every time, its
// series in an order drawn from rng, and holds its calls until all of a
// judgement's calls (calls) have come, then lets them return one at a
// time in the order release gives (indices into the calls as they came).
type orderBackend struct {
	calls   int
	release func(n int) []int

	mu      sync.Mutex
	rng     *rand.Rand
	waiting []chan chan struct{}
}

func (b *orderBackend) QueryRange(ctx context.Context, q providers.RangeQuery) (model.Matrix, error) {
	m := orderAnswer(q)
	b.mu.Lock()
	b.rng.Shuffle(len(m), func(i, j int) { m[i], m[j] = m[j], m[i] })
	turn := make(chan chan struct{})
	b.waiting = append(b.waiting, turn)
	if len(b.waiting) == b.calls {
		waiting := b.waiting
		go func() {
			for _, i := range b.release(len(waiting)) {
				done := make(chan struct{})
				waiting[i] <- done
				<-done
			}
		}()
	}
	b.mu.Unlock()
	select {
	case done := <-turn:
		defer close(done)
		return m, nil
	case <-ctx.Done():
		return nil, &providers.Error{Kind: providers.Timeout, Err: ctx.Err()}
	}
}

// orderAnswer is the backend's answer to q: for a canary and five stable
// pods, CPU (one series per pod) or requests per second by status code
// (three series per pod), at every step of q, fractions whose sums depend
// on their order in the last bits.
func orderAnswer(q providers.RangeQuery) model.Matrix {
	var m model.Matrix
	for k, pod := range []string{"web-c1-aaaaa", "web-s1-bbbbb", "web-s1-ccccc", "web-s1-ddddd", "web-s1-eeeee", "web-s1-fffff"} {
		codes := []string{"200", "404", "500"}
		if strings.HasPrefix(q.Expr, "cpu") {
			codes = []string{""}
		}
		for c, code := range codes {
			ss := &model.SampleStream{Metric: model.Metric{"pod": model.LabelValue(pod)}}
			if code != "" {
				ss.Metric["code"] = model.LabelValue(code)
			}
			r := rand.New(rand.NewPCG(uint64(k), uint64(c)))
			for t := q.Start; !t.After(q.End); t = t.Add(q.Step) {
				load := 10 * (1 + 0.3*math.Sin(float64(t.Unix())/900)) * (1 + 0.1*r.NormFloat64())
				v := load * []float64{0.9, 0.07, 0.03}[c] // requests per second of the code
				if code == "" {
					v = (0.02 + 0.004*load) * math.Exp(0.03*r.NormFloat64())
				}
				ss.Values = append(ss.Values, model.SamplePair{Timestamp: model.TimeFromUnixNano(t.UnixNano()), Value: model.SampleValue(v)})
			}
			m = append(m, ss)
		}
	}
	return m
}

// TestSameAnswerWhateverTheOrder asks for one judgement again and again,
// each time with the backend's series in another order and its queries
// returning in another order (first to last, last to first, and shuffled):
// every answer is the same, to the byte. The load sums the requests of
// each pod's status codes: before the engine added them in the order of
// their labels, their order in the backend's answer moved the last bits
// of the load, and so of every number of the CPU metric.
func TestSameAnswerWhateverTheOrder(t *testing.T) {
	t.Parallel()
	rs, err := rules.Load([]byte(orderRuleSet), "order.yaml", "")
	if err != nil {
		t.Fatal(err)
	}
	end := time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC)
	req := request.Request{Target: target, RuleSet: "order", End: end, Series: true}
	forward := func(n int) []int {
		out := make([]int, n)
		for i := range out {
			out[i] = i
		}
		return out
	}
	backward := func(n int) []int {
		out := forward(n)
		slices.Reverse(out)
		return out
	}
	shuffled := func(n int) []int { return rand.New(rand.NewPCG(3, 3)).Perm(n) }
	var want []byte
	for i, release := range []func(int) []int{forward, backward, shuffled, forward, backward} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			// Three calls: CPU and the requests over the model's hour, the
			// requests over the window.
			b := &orderBackend{calls: 3, release: release, rng: rand.New(rand.NewPCG(uint64(i), 1))}
			s := &Service{Rules: oneRuleSet{rs}, Backends: map[providers.Type]providers.MetricQuerier{"prometheus": b}, Now: func() time.Time { return end }}
			resp, err := s.Judge(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				for _, m := range resp.Metrics {
					if m.Classification != "Pass" && m.Classification != "High" {
						t.Fatalf("%s is %s (%s): the data must be judged", m.Name, m.Classification, m.Reason)
					}
				}
			}
			got, err := json.Marshal(resp)
			if err != nil {
				t.Fatal(err)
			}
			if want == nil {
				want = got
				return
			}
			if !bytes.Equal(got, want) {
				at := 0
				for at < len(got) && at < len(want) && got[at] == want[at] {
					at++
				}
				from := max(0, at-120)
				t.Errorf("the answer differs from the first at byte %d:\n%s\nwant\n%s", at, got[from:min(len(got), at+40)], want[from:min(len(want), at+40)])
			}
		})
	}
}
