package replay

import (
	"context"
	"math"
	"time"

	"github.com/prometheus/common/model"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/analysisrun"
	"github.com/canary-analyzer/canary-analyzer/api/wire"
	"github.com/canary-analyzer/canary-analyzer/request"
)

// Judger answers one judgement request, as the API does
// (*engine.Service).
type Judger interface {
	Judge(ctx context.Context, req request.Request) (*wire.Response, error)
}

// phaseError is the verdict of a measurement that got no judgement.
const phaseError = string(analysisrun.PhaseError)

// Look is one measurement of a replayed AnalysisRun.
type Look struct {
	// Look is the look's number; a retry after an error keeps it.
	Look int `json:"look"`
	// Age is the canary's age at the measurement, End the judged time.
	Age model.Duration `json:"age"`
	End time.Time      `json:"end"`
	// Verdict is Successful, Failed, Inconclusive, or Error when the
	// judgement could not be made (Error says why).
	Verdict string       `json:"verdict"`
	Score   float64      `json:"score"`
	Reason  string       `json:"reason,omitempty"`
	Error   string       `json:"error,omitempty"`
	Metrics []MetricLook `json:"metrics,omitempty"`
	// AfterCanary is set when the canary had no sample left at this look
	// (it was rolled back before): the judge saw only its older data,
	// which Argo never did if it had stopped the run.
	AfterCanary bool `json:"afterCanary,omitempty"`
}

// MetricLook is one metric at one look.
type MetricLook struct {
	Name           string                  `json:"name"`
	Classification analysis.Classification `json:"classification"`
	Reason         string                  `json:"reason"`
	Tests          []Test                  `json:"tests,omitempty"`
	// Spread is the stable pods' spread a value metric was judged
	// against, when the judge reports one.
	Spread *SpreadSample `json:"spread,omitempty"`
}

// SpreadSample is one judgement's spread between the stable pods' levels,
// relative (on the log scale, or divided by the level on the linear one):
// Observed² the sample variance of the Pods levels, Noise² the part of it
// the window's noise explains, Prior the metric's podSpread.
type SpreadSample struct {
	Observed float64 `json:"observed"`
	Noise    float64 `json:"noise"`
	Prior    float64 `json:"prior"`
	Pods     int     `json:"pods"`
}

// Test is one hypothesis test of a metric: its p-value against the level
// it had to be under (null when the judge reports none).
type Test struct {
	Name        string     `json:"name"`
	PValue      wire.Float `json:"pValue"`
	Level       wire.Float `json:"level"`
	Significant bool       `json:"significant"`
}

// Run is one rule set's AnalysisRun on one rollout.
type Run struct {
	// Judge labels the rule set (Judge.Label).
	Judge string `json:"judge"`
	// Phase is the run's outcome, empty when it is Incomplete.
	Phase analysisrun.Phase `json:"phase"`
	// Successful, Inconclusive, Failed and Errors count the measurements.
	Successful   int `json:"successful"`
	Inconclusive int `json:"inconclusive"`
	Failed       int `json:"failed"`
	Errors       int `json:"errors"`
	// DecidedAt is the look that ended the run; Age the canary's age then.
	DecidedAt  int            `json:"decidedAt"`
	DecidedAge model.Duration `json:"decidedAge"`
	Looks      []Look         `json:"looks"`
	Metrics    []MetricRun    `json:"metrics"`
	// Incomplete is set when the run needed a look in the future.
	Incomplete bool `json:"incomplete,omitempty"`
	// NotPlayed says why the run was not replayed (an experiment whose
	// canary had no pods, or whose stable hash is not known).
	NotPlayed string `json:"notPlayed,omitempty"`
}

// MetricRun is one metric over a run.
type MetricRun struct {
	Name string `json:"name"`
	// Classifications lists its classification at each look that got a
	// verdict.
	Classifications []analysis.Classification `json:"classifications"`
	// DetectedAt is the first look at which it failed (High or Low), 0
	// if none; Detected is its classification then.
	DetectedAt int                     `json:"detectedAt,omitempty"`
	Detected   analysis.Classification `json:"detected,omitempty"`
	// Tests are its tests at DetectedAt, or at the run's last verdict.
	Tests []Test `json:"tests,omitempty"`
}

// Failing says whether the metric failed at any look of the run.
func (m MetricRun) Failing() bool { return m.DetectedAt > 0 }

// player plays AnalysisRuns with one template's limits.
type player struct {
	limits  analysisrun.Limits
	timeout time.Duration
	now     func() time.Time
}

// play takes the run's measurements when Argo would: the first at
// InitialDelay after start, the next an interval after a verdict or 10 s
// after an error, until the run ends. canaryEnd is the canary's last
// sample.
func (p player) play(ctx context.Context, j Judger, label string, t request.Target, ruleSet string, start, canaryEnd time.Time, step time.Duration) Run {
	run := Run{Judge: label}
	var counts analysisrun.Run
	at := start.Add(p.limits.InitialDelay)
	for counts.Phase == "" && ctx.Err() == nil {
		if at.After(p.now()) {
			run.Incomplete = true
			break
		}
		look := p.measure(ctx, j, request.Request{Target: t, RuleSet: ruleSet, End: at})
		look.Look = counts.Looks + 1
		look.Age = model.Duration(at.Sub(start))
		look.AfterCanary = at.Sub(canaryEnd) > step
		run.Looks = append(run.Looks, look)
		counts.Measure(look.Verdict, p.limits)
		at = at.Add(counts.Wait(p.limits))
	}
	run.Phase = counts.Phase
	run.Successful, run.Inconclusive, run.Failed, run.Errors = counts.Successful, counts.Inconclusive, counts.Failed, counts.Errors
	if n := len(run.Looks); n > 0 && run.Phase != "" {
		run.DecidedAt, run.DecidedAge = run.Looks[n-1].Look, run.Looks[n-1].Age
	}
	run.Metrics = metricRuns(run.Looks)
	return run
}

// measure asks for one judgement within the timeout, as Argo's web
// provider asks the service.
func (p player) measure(ctx context.Context, j Judger, req request.Request) Look {
	look := Look{End: req.End}
	if p.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.timeout)
		defer cancel()
	}
	resp, err := j.Judge(ctx, req)
	if err != nil {
		look.Verdict, look.Error = phaseError, err.Error()
		return look
	}
	look.Verdict, look.Score, look.Reason = string(resp.Verdict), resp.Score, resp.Reason
	for _, m := range resp.Metrics {
		look.Metrics = append(look.Metrics, MetricLook{Name: m.Name, Classification: m.Classification, Reason: m.Reason,
			Tests: tests(m), Spread: spreadSample(m)})
	}
	return look
}

// spreadSample is a value metric's spread between the stable pods, nil
// for counts, for judges without evidence and where fewer than two stable
// pods had levels.
func spreadSample(m wire.MetricResult) *SpreadSample {
	e := m.Evidence
	if e == nil || e.Spread == nil || e.Scale == "counts" || e.Spread.Pods < 2 {
		return nil
	}
	sp := e.Spread
	o, n, p := float64(sp.Observed), float64(sp.Noise), float64(sp.Prior)
	if !finite(o) || !finite(n) || !finite(p) {
		return nil
	}
	return &SpreadSample{Observed: o, Noise: n, Prior: p, Pods: sp.Pods}
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// tests are a metric's tests with their Holm levels, or the judge's one
// p-value without a level when it gives no evidence (Kayenta).
func tests(m wire.MetricResult) []Test {
	if m.Evidence == nil {
		if m.Test == "" {
			return nil
		}
		return []Test{{Name: m.Test, PValue: m.PValue, Level: wire.Float(math.NaN())}}
	}
	out := make([]Test, len(m.Evidence.Tests))
	for i, t := range m.Evidence.Tests {
		out[i] = Test{Name: t.Name, PValue: t.PValue, Level: t.Alpha, Significant: t.Significant}
	}
	return out
}

// metricRuns gathers each metric's classifications over the looks.
func metricRuns(looks []Look) []MetricRun {
	var out []MetricRun
	index := map[string]int{}
	var last map[string][]Test
	for _, l := range looks {
		if l.Verdict == phaseError {
			continue
		}
		last = map[string][]Test{}
		for _, m := range l.Metrics {
			i, ok := index[m.Name]
			if !ok {
				i = len(out)
				index[m.Name] = i
				out = append(out, MetricRun{Name: m.Name})
			}
			mr := &out[i]
			mr.Classifications = append(mr.Classifications, m.Classification)
			if mr.DetectedAt == 0 && m.Classification.Failing() {
				mr.DetectedAt, mr.Detected, mr.Tests = l.Look, m.Classification, m.Tests
			}
			last[m.Name] = m.Tests
		}
	}
	for i := range out {
		if out[i].DetectedAt == 0 {
			out[i].Tests = last[out[i].Name]
		}
	}
	return out
}
