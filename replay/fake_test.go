package replay

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/common/model"

	"github.com/canary-analyzer/canary-analyzer/providers"
)

// t0 is the tests' time origin.
var t0 = time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)

// at is t0 plus m minutes.
func at(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }

// minutes is t's offset from t0 in whole minutes.
func minutes(t time.Time) int { return int(t.Sub(t0) / time.Minute) }

// life is one pod's presence: it has samples from first to last.
type life struct {
	pod         string
	first, last time.Time
	labels      model.LabelSet
}

// live is a pod present from minute first to minute last.
func live(pod string, first, last int) life { return life{pod: pod, first: at(first), last: at(last)} }

// fakeProm answers every range query with the lives' series at each step
// of the asked range, and records the queries.
type fakeProm struct {
	mu      sync.Mutex
	lives   []life
	queries []providers.RangeQuery
}

func (f *fakeProm) QueryRange(_ context.Context, q providers.RangeQuery) (model.Matrix, error) {
	f.mu.Lock()
	f.queries = append(f.queries, q)
	f.mu.Unlock()
	var out model.Matrix
	for _, l := range f.lives {
		ss := &model.SampleStream{Metric: model.Metric{"pod": model.LabelValue(l.pod)}}
		for k, v := range l.labels {
			ss.Metric[k] = v
		}
		for t := q.Start; !t.After(q.End); t = t.Add(q.Step) {
			if !t.Before(l.first) && !t.After(l.last) {
				ss.Values = append(ss.Values, model.SamplePair{Timestamp: model.TimeFromUnixNano(t.UnixNano()), Value: 1})
			}
		}
		if len(ss.Values) > 0 {
			out = append(out, ss)
		}
	}
	return out, nil
}
