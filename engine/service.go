package engine

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"go.uber.org/zap"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/analysis/canary"
	"github.com/canary-analyzer/canary-analyzer/analysis/kayenta"
	"github.com/canary-analyzer/canary-analyzer/api/wire"
	"github.com/canary-analyzer/canary-analyzer/providers"
	"github.com/canary-analyzer/canary-analyzer/request"
	"github.com/canary-analyzer/canary-analyzer/rules"
)

// RuleSource hands out the current rule sets.
type RuleSource interface {
	RuleSet(name string) (*rules.RuleSet, bool)
}

// Service judges canaries.
type Service struct {
	Rules    RuleSource
	Backends map[providers.Type]providers.MetricQuerier
	// Logs fetch the log lines of signatures metrics (engine/logs.go).
	Logs map[providers.Type]providers.LogQuerier
	// Now is the clock; nil means time.Now. The demo fixes it to the end of
	// its recorded data.
	Now    func() time.Time
	Logger *zap.Logger
	// Metrics, if set, count what judgements ask of the backends
	// (NewMetrics).
	Metrics *Metrics

	// flights shares identical queries of concurrent judgements
	// (flightGroup makes it).
	flights *flights
}

// window is the time range and step of one judgement.
type window struct {
	start, end time.Time
	step       time.Duration
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Judge answers one request. It returns a *request.Error for a request that
// is not valid, an *InputError for one that cannot be judged as asked, a *QueryError when a backend fails, and a
// *ConfigError for a server-side setup problem; a judgement that was made,
// whatever its verdict, is a *wire.Response. A both-references request
// (request.Target.BothReferences) is two judgements, against the baseline
// and against the stable pods, and an age check (the baseline's pods
// against the stable pods), over one window and fetched together (a query
// that treats every pod alike once for all three: fetchAll), and its
// answer is their combination (combine).
func (s *Service) Judge(ctx context.Context, req request.Request) (*wire.Response, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	rs, ok := s.Rules.RuleSet(req.RuleSet)
	if !ok {
		return nil, &InputError{Field: "ruleSet", Msg: fmt.Sprintf("no rule set named %q", req.RuleSet), NotFound: true}
	}
	rs = rs.WithDefaults() // a rule set built in code may leave fields unset
	w, err := s.window(rs, req)
	if err != nil {
		return nil, err
	}
	targets := []request.Target{req.Target}
	var whole *rules.PodMatcher
	if req.BothReferences() {
		// The whole target's matcher checks that the stable hash selects
		// none of the ReplicaSets' pods, and selects all three's pods for
		// the queries the judgements share.
		if whole, err = podMatcher(rs, req.Target); err != nil {
			return nil, err
		}
		targets = []request.Target{req.AgainstBaseline(), req.AgainstStable(), req.BaselineAgainstStable()}
		rs = rs.WithoutThrottlingHolds() // the baseline already tells load from version
	}
	pms := make([]*rules.PodMatcher, len(targets))
	for i, t := range targets {
		if pms[i], err = podMatcher(rs, t); err != nil {
			return nil, err
		}
	}
	data, cost, err := s.fetchAll(ctx, rs, pms, whole, w)
	if err != nil {
		var pe *PanicError
		if errors.As(err, &pe) && s.Logger != nil {
			s.Logger.Error("a query task panicked", zap.Any("panic", pe.Value), zap.ByteString("stack", pe.Stack))
		}
		return nil, err
	}
	outcomes := make([]outcome, len(targets))
	inputs := make([]assembled, len(targets))
	for i := range targets {
		inputs[i], outcomes[i].err = assembleTarget(rs, pms[i], data[i], w)
	}
	if req.BothReferences() && outcomes[0].err == nil && outcomes[1].err == nil {
		lendLoadModel(inputs[0].metrics, inputs[1].metrics)
	}
	for i, t := range targets {
		if outcomes[i].err == nil {
			outcomes[i].resp = judgement(rs, req, t, pms[i], inputs[i], w)
		}
	}
	if len(outcomes) == 1 {
		if outcomes[0].err != nil {
			return nil, outcomes[0].err
		}
		outcomes[0].resp.Cost = cost.cost()
		return outcomes[0].resp, nil
	}
	resp, err := combine(req.Target, outcomes[0], outcomes[1], outcomes[2])
	if err != nil {
		return nil, err
	}
	resp.Cost = cost.cost()
	return resp, nil
}

// podMatcher is the rule set's matcher for t, or an *InputError naming the
// field at fault.
func podMatcher(rs *rules.RuleSet, t request.Target) (*rules.PodMatcher, error) {
	pm, err := rules.NewPodMatcher(rs.Pods, t)
	if err != nil {
		field := "canaryHash"
		if t.ByReplicaSet() {
			field = "canaryReplicaSet"
		}
		var te *request.Error
		if errors.As(err, &te) {
			field = te.Field
		}
		return nil, &InputError{Field: field, Msg: err.Error()}
	}
	return pm, nil
}

// assembled is one target's judge inputs, with the pods they came from.
type assembled struct {
	metrics []metricInput
	pods    podsSeen
}

// assembleTarget shapes the data fetched for one target for the judge.
func assembleTarget(rs *rules.RuleSet, pm *rules.PodMatcher, data fetchedData, w window) (assembled, error) {
	metrics, pods, err := assemble(rs, pm, data.queries, w)
	if err != nil {
		return assembled{}, err
	}
	attachLogs(pm, data.logs, metrics, &pods, w)
	return assembled{metrics: metrics, pods: pods}, nil
}

// judgement judges target t of req on its assembled inputs.
func judgement(rs *rules.RuleSet, req request.Request, t request.Target, pm *rules.PodMatcher, a assembled, w window) *wire.Response {
	metrics, pods := a.metrics, a.pods
	in := analysis.Input{
		Settings:       rs.Settings(w.end),
		Thresholds:     analysis.Thresholds{Pass: rs.Thresholds.Pass, Marginal: rs.Thresholds.Marginal},
		CanaryPods:     pods.canary,
		StablePods:     pods.stable,
		CanarySelector: pm.Params(rs.Step).CanaryPods,
		StableSelector: pm.Params(rs.Step).StablePods,
		Namespace:      t.Namespace,
	}
	in.Settings.Start = w.start
	queries := make([]string, len(metrics))
	for i, m := range metrics {
		in.Metrics = append(in.Metrics, m.MetricInput)
		queries[i] = strings.Join(m.queries, " ; ")
	}
	resp := &wire.Response{
		RuleSet:     rs.Name,
		Environment: rs.Environment,
		Judge:       string(rs.Judge),
		Target:      t,
		Window:      wire.Window{Start: w.start, End: w.end, Step: model.Duration(w.step).String()},
		Canary:      wire.Pods{Pods: pods.canary},
		Stable:      wire.Pods{Pods: pods.stable},
	}
	if !pods.firstCanary.IsZero() {
		resp.Canary.FirstSeen = &pods.firstCanary
		resp.Canary.Age = model.Duration(w.end.Sub(pods.firstCanary)).String()
	}
	resp.SetReport(judgeFor(rs.Judge).Judge(in), queries)
	resp.RuleSetRevision = rs.Revision
	if req.Series {
		attachSeries(resp, rs, metrics, w, pods.firstCanary)
	}
	return resp
}

// judgeFor returns the rule set's judge.
func judgeFor(name rules.JudgeName) analysis.Judge {
	if name == rules.JudgeKayenta {
		return kayenta.New()
	}
	return canary.New()
}

// window works out the time range: it ends at the request's end (or now),
// to the second, and reaches back by the lookback; the grid is end - k*step.
// The end is not rounded down to the step: that would hide up to a step of
// the newest data from every look, and from the last look for good (a
// container restart in the analysis's last minute). Every query of one
// judgement shares the window; Loki puts a metric query's points on its own
// epoch-aligned grid inside it, and the judge places them on this one.
func (s *Service) window(rs *rules.RuleSet, req request.Request) (window, error) {
	step := time.Duration(rs.Step)
	lookback := time.Duration(rs.Lookback)
	if req.Lookback != 0 {
		lookback = req.Lookback
	}
	if lookback < step {
		return window{}, &InputError{Field: "lookback", Msg: fmt.Sprintf("lookback %s is shorter than the rule set's step %s", lookback, step)}
	}
	if n := lookback / step; n > rules.MaxPoints {
		return window{}, &InputError{Field: "lookback", Msg: fmt.Sprintf("lookback %s at step %s is %d points; at most %d", lookback, step, n, rules.MaxPoints)}
	}
	now := s.now()
	end := req.End
	if end.IsZero() {
		end = now
	} else if end.After(now.Add(time.Minute)) {
		return window{}, &InputError{Field: "end", Msg: fmt.Sprintf("end %s is in the future", end.Format(time.RFC3339))}
	}
	end = end.Truncate(time.Second)
	return window{start: end.Add(-lookback), end: end, step: step}, nil
}

// podsSeen lists the pods that appeared in any query.
type podsSeen struct {
	canary, stable []string
	firstCanary    time.Time
}

// metricInput is one metric's data for the judge, with the queries that
// produced it.
type metricInput struct {
	analysis.MetricInput
	queries []string
	// exposure is the exposure query's series of a signatures metric,
	// nil without one (attachLogs shapes it with the log lines).
	exposure *sides
}

// assemble turns the query results into the judge's inputs: each metric's
// series split by side and shaped for its kind, and the pods seen.
func assemble(rs *rules.RuleSet, pm *rules.PodMatcher, qs []*query, w window) ([]metricInput, podsSeen, error) {
	byMetric := make([]map[rules.Role]*query, len(rs.Metrics))
	for _, q := range qs {
		if byMetric[q.metric] == nil {
			byMetric[q.metric] = map[rules.Role]*query{}
		}
		byMetric[q.metric][q.role] = q
	}
	canaryPods, stablePods := map[string]bool{}, map[string]bool{}
	var first int64 = -1
	var err error
	inputs := make([]metricInput, len(rs.Metrics))
	for i := range rs.Metrics {
		m := &rs.Metrics[i]
		bySide := map[rules.Role]sides{}
		var queries []string
		for _, r := range m.Roles() {
			q := byMetric[i][r]
			var sd sides
			if sel, ok := m.Selector(r); ok {
				sd = splitSelected(pm, q.result, sel)
			} else if sd, err = split(pm, q.result); err != nil {
				return nil, podsSeen{}, &QueryError{RuleSet: rs.Name, Metric: m.Name, Role: r, Query: q.expr, Err: err}
			}
			bySide[r] = sd
			queries = append(queries, q.expr)
			if r == rules.RoleThrottled || r == rules.RolePeriods {
				// Context for holding another metric's High: it finds no
				// pod and no first sample of its own.
				continue
			}
			for pod, ss := range sd.canary {
				canaryPods[pod] = true
				for _, v := range ss.Values {
					// The first sample in the judged window (a metric with
					// a modelLookback reaches further back).
					if t := int64(v.Timestamp); t >= w.start.UnixMilli() {
						if first < 0 || t < first {
							first = t
						}
						break
					}
				}
			}
			for pod := range sd.stable {
				stablePods[pod] = true
			}
		}
		in := metricInput{MetricInput: analysis.MetricInput{Metric: m.Analysis()}, queries: queries}
		switch m.Kind {
		case analysis.KindValue:
			in.Data.Canary = toSeries(bySide[rules.RoleQuery].canary)
			in.Data.Stable = toSeries(bySide[rules.RoleQuery].stable)
			if m.Load != "" {
				ld := bySide[rules.RoleLoad]
				in.Data.CanaryLoad, in.Data.StableLoad = toSeries(ld.canary), toSeries(ld.stable)
				if m.ModelLookback != 0 {
					// Samples before the judged window serve the stable
					// pods' load model only.
					in.Data = splitHistory(in.Data, w.start, w.end.Add(-time.Duration(m.ModelLookback)))
				}
			}
			if m.Throttled != "" && m.Periods != "" {
				th, pe := bySide[rules.RoleThrottled], bySide[rules.RolePeriods]
				in.Data.CanaryThrottled = toRatio(th.canary, pe.canary)
				in.Data.StableThrottled = toRatio(th.stable, pe.stable)
			}
		case analysis.KindRatio:
			num, den := bySide[rules.RoleNumerator], bySide[rules.RoleDenominator]
			in.Data.CanaryCounts = toRatio(num.canary, den.canary)
			in.Data.StableCounts = toRatio(num.stable, den.stable)
		case analysis.KindRate:
			ev, ex := bySide[rules.RoleQuery], bySide[rules.RoleExposure]
			_, haveExposure := byMetric[i][rules.RoleExposure]
			in.Data.CanaryCounts = toRate(ev.canary, ex.canary, haveExposure, w.step)
			in.Data.StableCounts = toRate(ev.stable, ex.stable, haveExposure, w.step)
		case analysis.KindSignatures:
			if ex, ok := bySide[rules.RoleExposure]; ok {
				in.exposure = &ex
			}
		}
		inputs[i] = in
	}
	seen := podsSeen{canary: keys(canaryPods), stable: keys(stablePods)}
	if first >= 0 {
		seen.firstCanary = time.UnixMilli(first).UTC()
	}
	return inputs, seen, nil
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
