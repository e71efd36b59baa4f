package verdict

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/prometheus/common/model"
	"go.uber.org/zap"

	"github.com/canary-analyzer/canary-analyzer/analysis"
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
	// Logs fetch the log lines of signatures metrics (verdict/logs.go).
	Logs map[providers.Type]providers.LogQuerier
	// Now is the clock; nil means time.Now. The demo fixes it to the end of
	// its recorded data.
	Now    func() time.Time
	Logger *zap.Logger
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
// whatever its verdict, is a *Response.
func (s *Service) Judge(ctx context.Context, req request.Request) (*Response, error) {
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
	pm, err := rules.NewPodMatcher(rs.Pods, req.Target)
	if err != nil {
		return nil, &InputError{Field: "canaryHash", Msg: err.Error()}
	}
	qs, logs, err := s.fetchAll(ctx, rs, pm, w)
	if err != nil {
		return nil, err
	}
	inputs, pods, err := assemble(rs, pm, qs, w)
	if err != nil {
		return nil, err
	}
	settings := rs.Settings(w.end)
	if err := judgeSignatures(rs, pm, qs, logs, inputs, &pods, w, settings); err != nil {
		return nil, err
	}
	resp := &Response{
		RuleSet:     rs.Name,
		Environment: rs.Environment,
		Judge:       string(rs.Judge),
		Target:      req.Target,
		Window:      Window{Start: w.start, End: w.end, Step: model.Duration(w.step).String()},
		Canary:      Pods{Pods: pods.canary},
		Stable:      Pods{Pods: pods.stable},
	}
	if !pods.firstCanary.IsZero() {
		resp.Canary.FirstSeen = &pods.firstCanary
		resp.Canary.Age = model.Duration(w.end.Sub(pods.firstCanary)).String()
	}
	s.decide(resp, rs, inputs, settings)
	if len(pods.canary) == 0 {
		// Whatever a judge makes of it, a canary that left no data at all
		// has not been judged: pause the rollout, never pass or abort it.
		resp.Verdict, resp.Score = Inconclusive, 0
		resp.Summary.Verdict, resp.Summary.Score = Inconclusive, 0
		resp.Reason = fmt.Sprintf("no data for canary pods (%s) in namespace %s between %s and %s: is the canary hash right and is the pod running?",
			pm.Params(rs.Step).CanaryPods, req.Namespace, w.start.Format(time.RFC3339), w.end.Format(time.RFC3339))
	}
	return resp, nil
}

// window works out the time range: it ends at the request's end (or now),
// rounded down to a multiple of the step so that repeated looks and both
// backends see the same grid, and reaches back by the lookback.
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
	end = end.Truncate(step)
	return window{start: end.Add(-lookback), end: end, step: step}, nil
}

// podsSeen lists the pods that appeared in any query.
type podsSeen struct {
	canary, stable []string
	firstCanary    time.Time
}

// assemble turns the query results into the judge's inputs.
func assemble(rs *rules.RuleSet, pm *rules.PodMatcher, qs []*query, w window) ([]MetricInput, podsSeen, error) {
	byMetric := make([]map[rules.Role]*query, len(rs.Metrics))
	for _, q := range qs {
		if byMetric[q.metric] == nil {
			byMetric[q.metric] = map[rules.Role]*query{}
		}
		byMetric[q.metric][q.role] = q
	}
	canaryPods, stablePods := map[string]bool{}, map[string]bool{}
	var first int64 = -1
	inputs := make([]MetricInput, len(rs.Metrics))
	for i := range rs.Metrics {
		m := &rs.Metrics[i]
		bySide := map[rules.Role]sides{}
		var queries []string
		for _, r := range m.Roles() {
			q := byMetric[i][r]
			sd, err := split(pm, q.result)
			if err != nil {
				return nil, podsSeen{}, &QueryError{RuleSet: rs.Name, Metric: m.Name, Role: r, Query: q.expr, Err: err}
			}
			bySide[r] = sd
			queries = append(queries, q.expr)
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
		in := MetricInput{Metric: m.Analysis(), Queries: queries}
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
					in.Data = splitHistory(in.Data, w.start)
				}
				if rs.Judge != rules.JudgeCanary {
					// A judge without a load model compares the value per
					// unit of load, which is what its users would query.
					in.Data = perLoad(in.Data)
					in.Metric.Load = false
				}
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
