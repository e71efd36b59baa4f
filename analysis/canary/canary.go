package canary

import (
	"time"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/analysis/signatures"
)

// Judge is the canary judge: it judges one fresh canary pod (or a few) against several
// long-running stable pods, as docs/judge.md explains:
//
//   - value metrics (latency, CPU, memory) are compared at the same
//     timestamps: each pod's log level minus the stable pods' common level
//     at that time, so movements all pods share cancel;
//
//   - the canary is judged as one more pod: its mean difference is compared
//     with the spread of the stable pods' own mean differences (pooled with
//     the metric's PodSpread prior), so a canary inside the stable pods'
//     range is not a regression, with AR(1) noise for autocorrelation;
//
//   - count metrics (errors out of requests, restarts per second) are
//     judged on the counts with a time-stratified conditional binomial test,
//     widened by the stable pods' over-dispersion and spread;
//
//   - absolute bounds (Max, Min) are tested on the canary alone, with noise;
//
//   - value metrics with a load (CPU against requests) are judged relative
//     to the stable pods' load model at each pod's own load (load.go);
//
//   - the run's false-alarm budget Settings.Alpha is shared between the
//     metrics in proportion to their Weight and spent over the looks
//     (Settings.Looks): evenly, or, when the schedule is known, at the looks
//     where each metric can have data, in proportion to its data there
//     (spending.go); within a look
//     the weighted Holm procedure shares it between all hypotheses;
//
//   - a metric whose data could not reveal its DetectableChange is
//     NotEnoughData, never Pass, unless the canary is confidently within
//     the metric's absolute bounds, or (values) confidently within the
//     change that had to be detectable, and no test hints at a regression.
//
//   - signatures metrics are judged by analysis/signatures, on their own
//     share of the look's budget;
//
//   - the results are scored and a canary without any data is Inconclusive,
//     as is a judgement without stable pods, and a metric with nothing to
//     compare the canary with can neither fail nor pass it
//     (analysis.Conclude).
//
// Its entry point is Judge. The zero value is not ready: use New and change
// the knobs.
type Judge struct {
	// PriorPods is how many stable pods the metric's PodSpread prior is
	// worth when it is pooled with the spread the stable pods show (ν0).
	PriorPods float64
	// MinPoints is the fewest canary samples after warm-up a value metric
	// needs; fewer give NotEnoughData.
	MinPoints int
	// DefaultAlpha is used when Settings.Alpha is zero.
	DefaultAlpha float64
	// DefaultLooks is used when Settings.Looks is zero.
	DefaultLooks int
	// ValueSpread and CountSpread are the PodSpread of value and count
	// metrics that leave it zero.
	ValueSpread, CountSpread float64
	// ValueDetectable, RatioDetectable and RateDetectable are the
	// DetectableChange of metrics that leave it zero; a negative value turns
	// the check off.
	ValueDetectable, RatioDetectable, RateDetectable float64
	// DispersionPrior is the weight, in degrees of freedom, of the prior
	// belief that counts are Poisson (φ = 1) when the over-dispersion of
	// the stable pods' counts is estimated.
	DispersionPrior float64
	// DefaultOutlierFactor is used when a metric removes outliers without
	// an OutlierFactor.
	DefaultOutlierFactor float64
	// NoisePriorDF is the weight, in degrees of freedom, of the stable
	// pods' noise as prior knowledge of a value metric's canary noise.
	NoisePriorDF float64
	// HintLevel is the p-value below which a relative comparison without
	// the power to decide still hints at a regression: such a metric
	// cannot pass on its absolute bounds and stays NotEnoughData.
	HintLevel float64
	// ThrottledShare is the least share of its CFS periods a canary must
	// be throttled in for its throttling to explain a High (throttle.go).
	ThrottledShare float64
}

// Defaults of New.
const (
	DefaultPriorPods       = 30
	DefaultMinPoints       = 3
	DefaultValueSpread     = 0.08
	DefaultCountSpread     = 0.15
	DefaultValueDetectable = 1.0
	DefaultRatioDetectable = 4.0
	DefaultRateDetectable  = -1.0
	DefaultDispersionPrior = 10
	DefaultOutlierFactor   = 3.0
	DefaultNoisePriorDF    = 4
	DefaultHintLevel       = 0.05
	DefaultThrottledShare  = 0.05
)

// New returns a Judge with the documented defaults.
func New() *Judge {
	return &Judge{
		PriorPods:            DefaultPriorPods,
		MinPoints:            DefaultMinPoints,
		DefaultAlpha:         analysis.DefaultAlpha,
		DefaultLooks:         analysis.DefaultLooks,
		ValueSpread:          DefaultValueSpread,
		CountSpread:          DefaultCountSpread,
		ValueDetectable:      DefaultValueDetectable,
		RatioDetectable:      DefaultRatioDetectable,
		RateDetectable:       DefaultRateDetectable,
		DispersionPrior:      DefaultDispersionPrior,
		DefaultOutlierFactor: DefaultOutlierFactor,
		NoisePriorDF:         DefaultNoisePriorDF,
		HintLevel:            DefaultHintLevel,
		ThrottledShare:       DefaultThrottledShare,
	}
}

// Judge judges a rule set: every metric, its score and the verdict. The
// signatures metrics are judged by analysis/signatures on their own share
// of the look's budget; the others together (judgeSet), so that the
// weighted Holm procedure shares the look's false-alarm budget between all
// their hypotheses. analysis.Conclude scores the results. The report does
// not depend on the order of the series (analysis.Input.InPodOrder).
func (j *Judge) Judge(in analysis.Input) analysis.Report {
	in = in.InPodOrder()
	if reason := swapCheck(in); reason != "" {
		return refuseSwapped(in, reason)
	}
	return analysis.Conclude(in, j.judgeSet(in.Metrics, in.Settings))
}

// judgeSet judges every metric; the weighted Holm procedure shares the
// look's false-alarm budget between all hypotheses of all metrics but the
// signatures metrics, each metric's share in proportion to its Weight
// (split equally between its hypotheses, or between its bounds and its
// relative tests by Metric.BoundWeight). The look's budget comes from the
// spending plan (lookPlan): Alpha/Looks for every metric, or, when the
// schedule is known, each metric's share of Alpha spread over the looks at
// which it can have data. results[i] belongs to in[i].
func (j *Judge) judgeSet(in []analysis.MetricInput, s analysis.Settings) []analysis.MetricResult {
	analyses, age := j.analyseAll(in, s)
	plan := j.lookPlan(in, s, age, kindsOf(analyses))
	holm := holmLevels(analyses, plan)
	out := make([]analysis.MetricResult, len(in))
	for i, a := range analyses {
		if a == nil {
			out[i] = signatures.Judge(in[i].Metric, in[i].Data.Logs, s)
			continue
		}
		a.result.Evidence.Look = analysis.LookEvidence{
			Look: plan.look, Of: j.looks(s), Alpha: j.alpha(s), LookAlpha: plan.lookAlpha,
			Hypotheses: holm.hypotheses, Spending: plan.text(i),
		}
		first, firstBound := holm.firstLevels(a, plan, i)
		a.finish(first, firstBound, j.HintLevel, s.SuspectLevel)
		out[i] = a.result
	}
	j.holdThrottled(in, out)
	return out
}

// analyseAll analyses every metric but the signatures metrics (nil) up to
// the multiplicity step, and returns the canary's age: the oldest any
// metric saw.
func (j *Judge) analyseAll(in []analysis.MetricInput, s analysis.Settings) ([]*metricAnalysis, time.Duration) {
	analyses := make([]*metricAnalysis, len(in))
	var age time.Duration
	for i, mi := range in {
		if mi.Metric.Kind == analysis.KindSignatures {
			continue
		}
		a := j.analyse(mi.Metric, mi.Data, s)
		analyses[i] = a
		age = max(age, a.age)
	}
	return analyses, age
}

// kindsOf returns the kind each analysis judged its metric as ("" for the
// signatures metrics).
func kindsOf(analyses []*metricAnalysis) []analysis.Kind {
	kinds := make([]analysis.Kind, len(analyses))
	for i, a := range analyses {
		if a != nil {
			kinds[i] = a.metric.Kind
		}
	}
	return kinds
}

// analyse dispatches on the metric's kind.
func (j *Judge) analyse(m analysis.Metric, d analysis.Data, s analysis.Settings) *metricAnalysis {
	kind := m.Kind
	if kind == "" {
		kind = analysis.KindValue
		if len(d.CanaryCounts) > 0 || len(d.StableCounts) > 0 {
			kind = analysis.KindRatio
		}
	}
	switch kind {
	case analysis.KindRatio, analysis.KindRate:
		m.Kind = kind
		return j.analyseCounts(m, d, s)
	default:
		m.Kind = analysis.KindValue
		return j.analyseValues(m, d, s)
	}
}
