package replay

import (
	"context"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/canary-analyzer/canary-analyzer/providers"
	"github.com/canary-analyzer/canary-analyzer/request"
	"github.com/canary-analyzer/canary-analyzer/rules"
)

// PretendHash is the pod-template hash an A/A run gives its pretend canary.
// Kubernetes' hash alphabet has no 'a', so no real pod carries it.
const PretendHash = "aacanary"

// Pretend is one A/A run: a stable pod judged as a canary from Start
// against the other pods of its hash.
type Pretend struct {
	Namespace  string    `json:"namespace"`
	Rollout    string    `json:"rollout,omitempty"`
	Hash       string    `json:"hash"`
	Pod        string    `json:"pod"`
	Start      time.Time `json:"start"`
	StablePods int       `json:"stablePods"`
}

// Name is namespace/pod.
func (p Pretend) Name() string { return p.Namespace + "/" + p.Pod }

// target is the judgement request's target: the pretend hash against the
// pod's own.
func (p Pretend) target() request.Target {
	return request.Target{Namespace: p.Namespace, Rollout: p.Rollout, CanaryHash: PretendHash, StableHash: p.Hash}
}

// PickPretend draws n A/A runs from the episodes with a seeded source: a
// time uniform over the range where a whole run (the lookback before its
// start, span after it) fits, then, uniformly, a pod that was there a
// lookback before that time and stays for the run, beside at least two
// other pods of its hash that do. A time with no such pod is drawn again, at most 100 times
// per run.
func PickPretend(eps []Episode, n int, seed uint64, from, to time.Time, lookback, span time.Duration) []Pretend {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	lo, hi := from.Add(lookback), to.Add(-span)
	if !hi.After(lo) || n <= 0 {
		return nil
	}
	var out []Pretend
	for tries := 0; len(out) < n && tries < 100*n; tries++ {
		t := lo.Add(time.Duration(r.Int64N(int64(hi.Sub(lo)/time.Second))) * time.Second)
		var choices []Pretend
		for _, e := range eps {
			var staying []Pod
			for _, p := range e.Pods {
				if !p.First.After(t.Add(-lookback)) && !p.Last.Before(t.Add(span)) {
					staying = append(staying, p)
				}
			}
			if len(staying) < 3 {
				continue
			}
			for _, p := range staying {
				choices = append(choices, Pretend{Namespace: e.Namespace, Rollout: e.Rollout, Hash: e.Hash, Pod: p.Name,
					Start: t, StablePods: len(staying) - 1})
			}
		}
		if len(choices) > 0 {
			out = append(out, choices[r.IntN(len(choices))])
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out
}

// pretending rewrites queries and answers so that the engine, asked about
// the pretend hash, judges one stable pod as the canary from a given time:
// the matchers of the canary's pods select that pod, the stable pods' ones
// leave it out, and the pod's series come back under the pretend hash,
// without its samples (and log lines) before the start.
type pretending struct {
	pods     rules.PodMatching
	pod      string
	renamed  string
	since    model.Time
	replacer *strings.Replacer
}

// newPretending builds the rewriting for p, whose queries render at step.
func newPretending(pm rules.PodMatching, p Pretend, step model.Duration) (*pretending, error) {
	m, err := rules.NewPodMatcher(pm, p.target())
	if err != nil {
		return nil, err
	}
	params := m.Params(step)
	pod := pm.PodLabel + "=" + strconv.Quote(p.Pod)
	notPod := pm.PodLabel + "!=" + strconv.Quote(p.Pod)
	stable := params.StablePods // the pod's hash, by name or by label
	pt := &pretending{pods: pm, pod: p.Pod, renamed: p.Pod, since: model.TimeFromUnixNano(p.Start.UnixNano())}
	if pm.By == rules.ByLabel {
		pt.replacer = strings.NewReplacer(params.CanaryPods, stable+", "+pod, params.StablePods, stable+", "+notPod)
	} else {
		pt.replacer = strings.NewReplacer(params.CanaryPods, pod, params.StablePods, stable+", "+notPod)
		pt.renamed = strings.Replace(p.Pod, "-"+p.Hash+"-", "-"+PretendHash+"-", 1)
		if p.Rollout != "" {
			pt.renamed = p.Rollout + "-" + PretendHash + strings.TrimPrefix(p.Pod, p.Rollout+"-"+p.Hash)
		}
	}
	return pt, nil
}

// isPod says whether a series or stream is the pretend canary's.
func (pt *pretending) isPod(ls model.Metric) bool {
	return string(ls[model.LabelName(pt.pods.PodLabel)]) == pt.pod
}

// relabel puts a series of the pod under the pretend hash.
func (pt *pretending) relabel(ls model.Metric) model.Metric {
	out := ls.Clone()
	out[model.LabelName(pt.pods.PodLabel)] = model.LabelValue(pt.renamed)
	if pt.pods.By == rules.ByLabel {
		out[model.LabelName(pt.pods.Label)] = PretendHash
	}
	return out
}

// matrix returns m with the pod's series renamed and cut at the start.
func (pt *pretending) matrix(m model.Matrix) model.Matrix {
	out := make(model.Matrix, 0, len(m))
	for _, ss := range m {
		if !pt.isPod(ss.Metric) {
			out = append(out, ss)
			continue
		}
		c := &model.SampleStream{Metric: pt.relabel(ss.Metric)}
		for _, v := range ss.Values {
			if v.Timestamp >= pt.since {
				c.Values = append(c.Values, v)
			}
		}
		for _, h := range ss.Histograms {
			if h.Timestamp >= pt.since {
				c.Histograms = append(c.Histograms, h)
			}
		}
		if len(c.Values)+len(c.Histograms) > 0 {
			out = append(out, c)
		}
	}
	return out
}

// pretendQuerier is a backend seen through a pretending.
type pretendQuerier struct {
	inner providers.MetricQuerier
	pt    *pretending
}

func (q pretendQuerier) QueryRange(ctx context.Context, rq providers.RangeQuery) (model.Matrix, error) {
	rq.Expr = q.pt.replacer.Replace(rq.Expr)
	m, err := q.inner.QueryRange(ctx, rq)
	if err != nil {
		return nil, err
	}
	return q.pt.matrix(m), nil
}

// pretendLogQuerier also fetches log lines (Loki).
type pretendLogQuerier struct {
	pretendQuerier
	logs providers.LogQuerier
}

func (q pretendLogQuerier) QueryLogs(ctx context.Context, lq providers.LogQuery) (providers.LogResult, error) {
	lq.Expr = q.pt.replacer.Replace(lq.Expr)
	res, err := q.logs.QueryLogs(ctx, lq)
	if err != nil {
		return providers.LogResult{}, err
	}
	since := q.pt.since.Time()
	entries := make([]providers.LogEntry, 0, len(res.Entries))
	for _, e := range res.Entries {
		if !q.pt.isPod(model.Metric(e.Labels)) {
			entries = append(entries, e)
			continue
		}
		if e.Time.Before(since) {
			continue
		}
		e.Labels = model.LabelSet(q.pt.relabel(model.Metric(e.Labels)))
		entries = append(entries, e)
	}
	res.Entries = entries
	return res, nil
}

// wrap returns the backends seen through pt.
func (pt *pretending) wrap(b map[providers.Type]providers.MetricQuerier) (map[providers.Type]providers.MetricQuerier, map[providers.Type]providers.LogQuerier) {
	metrics := map[providers.Type]providers.MetricQuerier{}
	logs := map[providers.Type]providers.LogQuerier{}
	for t, q := range b {
		pq := pretendQuerier{inner: q, pt: pt}
		if lq, ok := q.(providers.LogQuerier); ok {
			w := pretendLogQuerier{pretendQuerier: pq, logs: lq}
			metrics[t], logs[t] = w, w
			continue
		}
		metrics[t] = pq
	}
	return metrics, logs
}
