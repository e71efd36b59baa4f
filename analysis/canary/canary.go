package canary

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/analysis/signatures"
	"github.com/canary-analyzer/canary-analyzer/analysis/stats"
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

// holmStep is the look's weighted Holm procedure over every hypothesis.
type holmStep struct {
	// hypotheses counts the hypotheses that take part (with a p-value and a
	// budget) and present is the sum of their budgets.
	hypotheses int
	present    float64
}

// holmLevels sets each hypothesis' level, share and rejection by the
// weighted Holm procedure at the look's budget, each hypothesis weighted by
// its metric's budget at this look times its part of it (testShares).
func holmLevels(analyses []*metricAnalysis, plan spendingPlan) holmStep {
	var ps, ws []float64
	for i, a := range analyses {
		if a == nil {
			continue
		}
		for n, h := range a.tests {
			ps = append(ps, h.p)
			ws = append(ws, plan.budget[i]*a.testShares()[n])
		}
	}
	levels := spendLevels(ps, ws, plan.lookAlpha)
	var st holmStep
	for i, p := range ps {
		if !math.IsNaN(p) && ws[i] > 0 {
			st.hypotheses++
			st.present += ws[i]
		}
	}
	k := 0
	for _, a := range analyses {
		if a == nil {
			continue
		}
		for _, h := range a.tests {
			h.level = levels[k]
			h.share = 0
			if plan.lookAlpha > 0 {
				h.share = ws[k] / plan.lookAlpha
			}
			h.rejected = !math.IsNaN(h.p) && h.p <= h.level && !h.held
			k++
		}
	}
	return st
}

// firstLevels returns the level of the weighted Holm procedure's first step
// for metric i's relative tests and for its bound tests: the power
// requirement and the bounds' confidence are judged at them. With every
// hypothesis present it is the metric's own budget per test; the budgets
// of tests without a p-value go to the others.
func (st holmStep) firstLevels(a *metricAnalysis, plan spendingPlan, i int) (first, firstBound float64) {
	if st.present > 0 {
		rel, bnd := a.kindShares()
		first = plan.lookAlpha * plan.budget[i] * rel / st.present
		firstBound = plan.lookAlpha * plan.budget[i] * bnd / st.present
	}
	return first, firstBound
}

// spendLevels returns the level of each hypothesis in the weighted Holm
// procedure at family level lookAlpha with budgets w (Σ w over all the
// look's hypotheses is lookAlpha): the hypotheses with a p-value and a
// positive budget take part, so that the budget of a test without a
// p-value goes to the others; a hypothesis without budget gets level 0
// (it cannot reject at this look), one without a p-value NaN.
func spendLevels(p, w []float64, lookAlpha float64) []float64 {
	out := make([]float64, len(p))
	var pp, pw []float64
	var idx []int
	for i := range p {
		switch {
		case math.IsNaN(p[i]):
			out[i] = math.NaN()
		case !(w[i] > 0):
			out[i] = 0
		default:
			pp = append(pp, p[i])
			pw = append(pw, w[i])
			idx = append(idx, i)
		}
	}
	for n, l := range stats.WeightedHolmLevels(pp, pw, lookAlpha) {
		out[idx[n]] = l
	}
	return out
}

// isBound reports whether a hypothesis tests an absolute bound.
func (h *hypothesis) isBound() bool { return h.ev.Name == "max" || h.ev.Name == "min" }

// kindShares returns the part of the metric's budget that each of its
// relative tests (level, trend) and each of its bound tests (max, min)
// gets: with Metric.BoundWeight b below the metric's weight w and both
// kinds present, the bounds share b/w and the relative tests the rest;
// otherwise every test gets an equal part.
func (a *metricAnalysis) kindShares() (relative, bound float64) {
	var nb, nr int
	for _, h := range a.tests {
		if h.isBound() {
			nb++
		} else {
			nr++
		}
	}
	n := max(nb+nr, 1)
	relative, bound = 1/float64(n), 1/float64(n)
	b, w := a.metric.BoundWeight, metricWeight(a.metric)
	if nb > 0 && nr > 0 && b > 0 && b < w {
		relative = (1 - b/w) / float64(nr)
		bound = b / w / float64(nb)
	}
	return relative, bound
}

// testShares returns each test's part of the metric's budget (kindShares),
// in the order of a.tests; they sum to 1.
func (a *metricAnalysis) testShares() []float64 {
	rel, bnd := a.kindShares()
	out := make([]float64, len(a.tests))
	for n, h := range a.tests {
		out[n] = rel
		if h.isBound() {
			out[n] = bnd
		}
	}
	return out
}

// alpha returns the run's false-alarm budget.
func (j *Judge) alpha(s analysis.Settings) float64 {
	if s.Alpha > 0 && s.Alpha < 1 {
		return s.Alpha
	}
	if j.DefaultAlpha > 0 && j.DefaultAlpha < 1 {
		return j.DefaultAlpha
	}
	return analysis.DefaultAlpha
}

// looks returns the number of looks the budget is split over.
func (j *Judge) looks(s analysis.Settings) int {
	switch {
	case s.Looks > 0:
		return s.Looks
	case j.DefaultLooks > 0:
		return j.DefaultLooks
	}
	return analysis.DefaultLooks
}

// lookNumber estimates which look this is from the canary's age: Argo's
// first measurement comes at the canary's age FirstLook, then one per
// interval. The canary's first sample comes up to about one step after it
// starts, so the age is taken half a step older and rounded to the nearest
// look: the number is right while that lag is within half an interval of
// half a step (with looks every 2 minutes and 1-minute steps, a lag from
// −30 s to 90 s). It is 0 when the interval is unknown.
func (j *Judge) lookNumber(age time.Duration, s analysis.Settings, looks int) int {
	if s.Interval <= 0 || age < 0 {
		return 0
	}
	n := math.Round(float64(age+max(s.Step, 0)/2-max(s.FirstLook, 0))/float64(s.Interval)) + 1
	return int(min(max(n, 1), float64(looks)))
}

// warmupFor returns the metric's warm-up.
func warmupFor(m analysis.Metric, s analysis.Settings) time.Duration {
	if m.Warmup != nil {
		return max(*m.Warmup, 0)
	}
	return max(s.Warmup, 0)
}

// maxWarmupFor returns the longest warm-up of the metric: its MaxWarmup or
// the settings', and never less than its warm-up.
func maxWarmupFor(m analysis.Metric, s analysis.Settings) time.Duration {
	w := s.MaxWarmup
	if m.MaxWarmup != nil {
		w = *m.MaxWarmup
	}
	return max(w, warmupFor(m, s))
}

// hypothesis is one test of a metric, waiting for the multiplicity step.
type hypothesis struct {
	ev analysis.TestEvidence
	// p is the p-value in the bad direction(s); side is the classification
	// a rejection gives (High or Low).
	p    float64
	side analysis.Classification
	// gate says whether the effect reached the metric's tolerance, critical
	// whether it reached a critical effect size.
	gate, critical bool
	// interval returns the interval of the estimate whose one-sided levels
	// are a; nil when the test has none.
	interval func(a float64) *analysis.Interval
	// level, share and rejected are set by the weighted Holm procedure:
	// share is the hypothesis' part of the look's budget.
	level, share float64
	rejected     bool
	// confirm, when set, says what else a rejection needs and why it is
	// missing (a load model's extrapolation confirmed without the model,
	// extrapolate.go; a trend whose canary has not reached the stable
	// pods' level, value.go); claim says what the test alone shows and
	// modelP is its own p-value, p then the p-value that counts; held
	// keeps the hypothesis from being rejected whatever its p-value (the
	// weighted Holm procedure still steps past it, which can only remove
	// rejections).
	confirm, claim string
	modelP         float64
	held           bool
}

// metricAnalysis is one metric judged up to the multiplicity step.
type metricAnalysis struct {
	metric analysis.Metric
	result analysis.MetricResult
	// preset is NoData or NotEnoughData when the data decided before any
	// test, with its reason.
	preset       analysis.Classification
	presetReason string
	tests        []*hypothesis
	// summary describes the level comparison in a clause, e.g.
	// "canary +4.1% vs the stable pods at the same times, rank 3 of 6".
	summary string
	// detectable returns the smallest relative change the level test
	// reveals half of the time at per-test level a (NaN if unknown), and a
	// clause on what data would be needed; nil when the metric has no
	// power requirement.
	detectable func(a float64) (float64, string)
	required   float64
	// band is the relative change on each side that the level test's
	// interval must lie inside for the metric to pass without the power
	// for its detectable change (passWithin); nil when it has none (counts).
	band *changeBand
	// boundNear lists bounds the canary's estimate is beyond without
	// significance.
	boundNear []string
	// within lists the metric's absolute bounds in its bad direction (Max
	// for increase and either, Min for decrease and either): each says
	// whether the canary's confidence interval at one-sided level a lies
	// inside the bound, with a clause saying so. They let a metric whose
	// relative comparison lacks power pass on the absolute criterion.
	within []func(a float64) (bool, string)
	age    time.Duration
}

// finish classifies the metric once the weighted Holm procedure has set
// the levels; first is the level of its first step for this metric's
// relative tests (its budget at this look, split between its tests), used
// for the detectable change, and firstBound the same for its bound tests,
// used for the bounds' confidence; hint is Judge.HintLevel and
// suspect Settings.SuspectLevel.
func (a *metricAnalysis) finish(first, firstBound, hint, suspect float64) {
	r := &a.result
	ev := r.Evidence
	ev.Tests = ev.Tests[:0]
	var decisive *hypothesis
	for _, h := range a.tests {
		h.ev.PValue = h.p
		h.ev.Alpha = h.level
		h.ev.Share = h.share
		h.ev.Significant = h.rejected
		h.ev.Gate = h.gate
		ev.Tests = append(ev.Tests, h.ev)
		if h.rejected && h.gate && (decisive == nil || h.p < decisive.p) {
			decisive = h
		}
	}
	if len(a.tests) > 0 {
		main := a.tests[0]
		if decisive != nil {
			main = decisive
		}
		r.PValue = main.p
		if main.interval != nil && !math.IsNaN(main.level) {
			r.Interval = main.interval(main.level)
		}
	}
	if a.preset != "" {
		r.Classification, r.Reason = a.preset, a.presetReason
		return
	}
	if len(a.tests) == 0 || math.IsNaN(a.tests[0].p) {
		r.Classification = analysis.NotEnoughData
		r.Reason = "not enough data: the samples give no usable test statistic (" + a.summary + ")"
		return
	}
	if decisive != nil {
		r.Classification = decisive.side
		r.Critical = a.metric.Critical || decisive.critical
		r.Reason = fmt.Sprintf("%s: %s (p = %s ≤ %s)", r.Classification, decisive.ev.Text,
			fmtP(decisive.p), fmtP(decisive.level))
		return
	}
	if h := a.unconfirmed(); h != nil {
		r.Classification = analysis.NotEnoughData
		r.Reason = fmt.Sprintf("not enough data: %s (p = %s ≤ %s), but %s", h.claim, fmtP(h.modelP), fmtP(h.level), h.confirm)
		return
	}
	if a.detectable != nil && a.required > 0 {
		change, need := a.detectable(first)
		enough := change <= a.required
		ev.Detectable = &analysis.DetectableEvidence{
			Change: change, Required: a.required, Enough: enough, Text: need,
		}
		if !enough {
			if a.passWithoutPower(first, firstBound, hint, need) {
				return
			}
			r.Classification = analysis.NotEnoughData
			r.Reason = "not enough data: " + need + ": " + a.summary
			return
		}
	}
	if len(a.boundNear) > 0 {
		r.Classification = analysis.NotEnoughData
		r.Reason = "not enough data: " + strings.Join(a.boundNear, "; ")
		return
	}
	if h := a.suspicion(suspect); h != nil {
		r.Classification = analysis.Suspect
		r.Reason = fmt.Sprintf("Suspect: a regression the run's budget cannot confirm: %s (p = %s, below the suspect level %s but not below its level %s)",
			h.ev.Text, fmtP(h.p), fmtP(suspect), fmtP(h.level))
		return
	}
	r.Classification = analysis.Pass
	r.Reason = "Pass: " + a.summary
	for _, h := range a.tests {
		if h.rejected && !h.gate {
			r.Reason += fmt.Sprintf("; %s is significant but within the tolerance", h.ev.Name)
		}
	}
	if h := a.closest(); h != nil && h.p < hint {
		r.Reason += fmt.Sprintf("; closest to failing: %s test p = %s against its level %s", h.ev.Name, fmtP(h.p), fmtP(h.level))
	}
}

// closest returns the test nearest to rejecting, by its p-value over its
// Holm level, among those not rejected; nil when there is none.
func (a *metricAnalysis) closest() *hypothesis {
	var c *hypothesis
	for _, h := range a.tests {
		if h.rejected || !(h.level > 0) || math.IsNaN(h.p) {
			continue
		}
		if c == nil || h.p/h.level < c.p/c.level {
			c = h
		}
	}
	return c
}

// suspicion returns the metric's most significant test that points at a
// regression beyond its tolerance (its effect gate holds) with a p-value
// below suspect but was not rejected, or nil (always nil when suspect is
// not positive).
func (a *metricAnalysis) suspicion(suspect float64) *hypothesis {
	if !(suspect > 0) {
		return nil
	}
	var s *hypothesis
	for _, h := range a.tests {
		if h.gate && !h.rejected && h.p < suspect && (s == nil || h.p < s.p) {
			s = h
		}
	}
	return s
}

// passOnBounds reports whether a metric whose relative comparison could
// not reveal its DetectableChange may still pass on its absolute bounds:
// every bound in the bad direction holds with confidence (the canary's
// one-sided confidence limit at level first, the level of Holm's first
// step, is inside the bound), and the relative comparison gives no hint of
// a regression (its p-value is at least hint, and the canary does not have
// events where the stable pods have none). A canary with such a hint, or
// whose interval reaches a bound, stays NotEnoughData. This only turns
// NotEnoughData into Pass, never adds a failure: the false-alarm guarantee
// is untouched.
func (a *metricAnalysis) passOnBounds(first, hint float64) (bool, string) {
	if len(a.within) == 0 || len(a.tests) == 0 || math.IsNaN(first) {
		return false, ""
	}
	if p := a.tests[0].p; !(p >= hint) {
		return false, ""
	}
	if math.IsInf(float64(a.tests[0].ev.Estimate), 1) {
		// Events only in the canary (the stable pods had none at its
		// timestamps) are a new failure mode, not a rate to bound.
		return false, ""
	}
	var clauses []string
	for _, w := range a.within {
		ok, text := w(first)
		if !ok {
			return false, ""
		}
		clauses = append(clauses, text)
	}
	return true, strings.Join(clauses, "; ")
}

// passWithoutPower passes a metric whose relative comparison could not
// reveal its DetectableChange (need says so) when it may pass all the
// same: on its absolute bounds (passOnBounds) or within the detectable
// change (passWithin). It reports whether it did.
func (a *metricAnalysis) passWithoutPower(first, firstBound, hint float64, need string) bool {
	var reason string
	ok, text := a.passOnBounds(firstBound, hint)
	if ok {
		reason = "Pass on the absolute bound: " + text + "; the relative comparison could not decide (" + need + "): "
	} else if ok, text = a.passWithin(first, hint); ok {
		reason = "Pass within the detectable change: " + text + ", though it could not reveal it (" + need + "): "
	}
	if !ok {
		return false
	}
	a.result.Evidence.Detectable.Text += "; " + text
	a.result.Classification = analysis.Pass
	a.result.Reason = reason + a.summary
	return true
}

// passWithin reports whether a metric whose relative comparison could not
// reveal its DetectableChange may still pass because its data rule that
// change out: the level test's confidence limit in the bad direction at
// level first (the level the detectable change is computed at; each side
// at first/2 for direction either) lies inside the required change (band), no test of the metric hints at a regression (every
// p-value is at least hint) and no estimate lies beyond an absolute bound.
// The power requirement keeps a look from passing a change as large as
// the required one half of the time; this rules it out at level first.
// It only turns NotEnoughData into Pass, never adds a failure.
func (a *metricAnalysis) passWithin(first, hint float64) (bool, string) {
	if a.band == nil || len(a.tests) == 0 || a.tests[0].interval == nil || len(a.boundNear) > 0 || math.IsNaN(first) {
		return false, ""
	}
	for _, h := range a.tests {
		if !(h.p >= hint) {
			return false, ""
		}
	}
	d, al := a.metric.Direction, first
	if d == analysis.Either {
		al = first / 2
	}
	iv := a.tests[0].interval(al)
	if math.IsNaN(iv.Lower) || math.IsNaN(iv.Upper) {
		return false, ""
	}
	ok, limit := iv.Upper <= a.band.Up, "upper limit "+fmtPct(iv.Upper)
	switch d {
	case analysis.Decrease:
		ok, limit = iv.Lower >= a.band.Down, "lower limit "+fmtPct(iv.Lower)
	case analysis.Either:
		ok, limit = iv.Lower >= a.band.Down && iv.Upper <= a.band.Up, "limits "+fmtPct(iv.Lower)+" and "+fmtPct(iv.Upper)
	}
	return ok, fmt.Sprintf("the canary is confidently within the change that had to be detectable (%s at one-sided level %s, inside %s)",
		limit, fmtP(al), fmtBand(d, a.band.Up, a.band.Down))
}

// fmtBand says which changes a direction's required change leaves inside:
// "+100.0%" for increases, "-50.0%" for decreases, both for either.
func fmtBand(d analysis.Direction, up, down float64) string {
	switch d {
	case analysis.Decrease:
		return fmtPct(down)
	case analysis.Either:
		return fmtPct(down) + " to " + fmtPct(up)
	}
	return fmtPct(up)
}

// changeBand is a relative change on each side of no change.
type changeBand struct {
	Down, Up float64
}

// fmtP formats a p-value or level compactly.
func fmtP(p float64) string {
	switch {
	case math.IsNaN(p):
		return "n/a"
	case p == 0:
		return "0"
	case p < 1e-3:
		return fmt.Sprintf("%.1e", p)
	}
	return fmt.Sprintf("%.3g", p)
}

// fmtPct formats a relative change as a signed percentage.
func fmtPct(x float64) string {
	switch {
	case math.IsNaN(x):
		return "n/a"
	case math.IsInf(x, 0):
		return "unbounded"
	}
	return fmt.Sprintf("%+.1f%%", 100*x)
}

// fmtSpread formats a spread as "±6.6%".
func fmtSpread(x float64) string {
	if math.IsNaN(x) {
		return "n/a"
	}
	return fmt.Sprintf("±%.1f%%", 100*x)
}

// fmtNum formats a value with four significant digits; an undefined
// value is "n/a" and an infinite one "unbounded", never NaN or Inf.
func fmtNum(x float64) string {
	switch {
	case math.IsNaN(x):
		return "n/a"
	case math.IsInf(x, 0):
		return "unbounded"
	}
	return fmt.Sprintf("%.4g", x)
}

// gates returns the effect-size gates of a metric: an increase fails only
// when the effect is at least inc, a decrease only when at most dec.
func gates(m analysis.Metric) (measure analysis.EffectMeasure, inc, dec float64) {
	measure = m.EffectMeasure
	if measure == "" {
		measure = analysis.EffectMeanRatio
	}
	switch measure {
	case analysis.EffectCLES:
		inc, dec = 0.5, 0.5
	default:
		tol := math.Max(m.Tolerance, 0)
		inc, dec = 1+tol, math.Max(0, 1-tol)
	}
	if m.AllowedIncrease > 0 {
		inc = m.AllowedIncrease
	}
	if m.AllowedDecrease > 0 {
		dec = m.AllowedDecrease
	}
	return measure, inc, dec
}

// effectGate applies the metric's gates to an effect in the side's
// direction, and reports whether a critical effect size was reached.
func effectGate(m analysis.Metric, eff analysis.Effect, side analysis.Classification) (gate, critical bool) {
	measure, inc, dec := gates(m)
	e := float64(eff.MeanRatio)
	if measure == analysis.EffectCLES {
		e = float64(eff.CLES)
	}
	if math.IsNaN(e) {
		// An effect that cannot be computed (for example a ratio over a
		// zero baseline) does not hide a significant change.
		return true, false
	}
	switch side {
	case analysis.High:
		gate = e >= inc
		critical = m.CriticalIncrease > 0 && e >= m.CriticalIncrease
	case analysis.Low:
		gate = e <= dec
		critical = m.CriticalDecrease > 0 && e <= m.CriticalDecrease
	}
	return gate, critical
}

// directional turns one-sided p-values into the p-value of the metric's
// bad direction and the side a rejection gives. estimate is the signed
// effect (used to choose the side for direction either).
func directional(dir analysis.Direction, upper, lower, estimate float64) (float64, analysis.Classification) {
	switch dir {
	case analysis.Decrease:
		return lower, analysis.Low
	case analysis.Either:
		p := math.Min(1, 2*math.Min(upper, lower))
		if estimate < 0 || (math.IsNaN(estimate) && lower < upper) {
			return p, analysis.Low
		}
		return p, analysis.High
	default:
		return upper, analysis.High
	}
}

// newAnalysis starts the analysis of a metric with the fields every kind
// fills the same way.
func newAnalysis(m analysis.Metric, method, scale string) *metricAnalysis {
	r := analysis.NewResult(m, method)
	r.Evidence = &analysis.Evidence{Scale: scale, Tests: []analysis.TestEvidence{}}
	return &metricAnalysis{metric: m, result: r}
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

// endOf returns the end of the window in Unix ms: Settings.End, else the
// last sample of the grid.
func endOf(s analysis.Settings, lastSample int64) int64 {
	if !s.End.IsZero() {
		return s.End.UnixMilli()
	}
	return lastSample
}

// warmupEvidence turns a cut into its evidence.
func warmupEvidence(w warmupCut) analysis.WarmupEvidence {
	ev := analysis.WarmupEvidence{
		Cut: w.Warmup.String(), Age: roundDuration(w.Age).String(),
		Dropped: w.Dropped, Kept: w.Kept, Text: w.text(),
	}
	if w.Start >= 0 {
		ev.CanaryStart = time.UnixMilli(w.Start).UTC().Format(time.RFC3339)
	}
	return ev
}
