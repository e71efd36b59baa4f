package analysis

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
)

// KayentaEffectMeasure selects the effect size that Kayenta's judge uses as
// a second gate after the confidence interval.
type KayentaEffectMeasure string

// Effect-size measures.
const (
	// KayentaMeanRatio is canary mean / stable mean (NaN when a mean is 0).
	KayentaMeanRatio KayentaEffectMeasure = "meanRatio"
	// KayentaCLES is the common-language effect size P(canary > stable).
	KayentaCLES KayentaEffectMeasure = "cles"
)

// KayentaNaNStrategy says what Kayenta does with NaN samples.
type KayentaNaNStrategy string

// NaN strategies.
const (
	KayentaNaNRemove  KayentaNaNStrategy = "remove"
	KayentaNaNReplace KayentaNaNStrategy = "replace" // with 0
)

// KayentaOutlierStrategy says whether Kayenta removes outliers first.
type KayentaOutlierStrategy string

// Outlier strategies.
const (
	KayentaOutliersKeep   KayentaOutlierStrategy = "keep"
	KayentaOutliersRemove KayentaOutlierStrategy = "remove"
)

// KayentaConfig holds the knobs of Kayenta's NetflixACAJudge. The zero value
// is not usable; start from DefaultKayentaConfig.
type KayentaConfig struct {
	// Confidence is the level of the shift's confidence interval (0.98).
	Confidence float64
	// Tolerance is the fraction of |shift estimate| that the interval must
	// clear (0.25): High needs lower > Tolerance·|estimate|.
	Tolerance float64
	// EffectMeasure is the effect size of the second gate (meanRatio).
	EffectMeasure KayentaEffectMeasure
	// AllowedIncrease is the smallest effect that may be High, and
	// AllowedDecrease the largest that may be Low (1.0 for meanRatio, 0.5
	// for cles). A NaN effect passes the gate, as in Kayenta.
	AllowedIncrease, AllowedDecrease float64
	// CriticalIncrease and CriticalDecrease are the effects beyond which a
	// High or Low of a critical metric is a critical failure (same defaults).
	CriticalIncrease, CriticalDecrease float64
	// NaNStrategy removes NaN samples or replaces them with 0 (remove).
	NaNStrategy KayentaNaNStrategy
	// Outliers keeps or removes outliers before the test (keep).
	Outliers KayentaOutlierStrategy
	// OutlierFactor is the IQR factor of outlier removal (3.0), with the
	// fences widened to the 1st and 99th percentiles as Kayenta does.
	OutlierFactor float64
	// ExactInterval classifies on HodgesLehmannCI's exact interval ends and
	// median estimate. By default (false) the judge classifies, as Kayenta
	// does, on the values R's wilcox.test finds with uniroot at tolerance
	// 1e-4 (HodgesLehmannCIUniroot); they differ from the exact ones by up to
	// 1e-4, or within the middle gap for the estimate, which can flip
	// Kayenta's band test when the estimate is near 0.
	ExactInterval bool
}

// DefaultKayentaConfig returns the settings NetflixACAJudge hard-codes or
// defaults to: confidence 0.98, tolerance 0.25, meanRatio effect bounds 1.0,
// NaN removal, outliers kept (factor 3.0 when removal is switched on).
func DefaultKayentaConfig() KayentaConfig {
	return KayentaConfig{
		Confidence:       0.98,
		Tolerance:        0.25,
		EffectMeasure:    KayentaMeanRatio,
		AllowedIncrease:  1,
		AllowedDecrease:  1,
		CriticalIncrease: 1,
		CriticalDecrease: 1,
		NaNStrategy:      KayentaNaNRemove,
		Outliers:         KayentaOutliersKeep,
		OutlierFactor:    3,
	}
}

// WithEffectMeasure returns c with the effect measure set and all four
// effect bounds reset to Kayenta's default for it (1.0 for meanRatio, 0.5
// for cles).
func (c KayentaConfig) WithEffectMeasure(m KayentaEffectMeasure) KayentaConfig {
	d := 1.0
	if m == KayentaCLES {
		d = 0.5
	}
	c.EffectMeasure = m
	c.AllowedIncrease, c.AllowedDecrease, c.CriticalIncrease, c.CriticalDecrease = d, d, d, d
	return c
}

func (c KayentaConfig) check() {
	switch {
	case !(c.Confidence > 0 && c.Confidence < 1):
		panic("analysis: Kayenta confidence must be in (0, 1)")
	case !(c.Tolerance >= 0):
		panic("analysis: Kayenta tolerance must not be negative")
	case c.EffectMeasure != KayentaMeanRatio && c.EffectMeasure != KayentaCLES:
		panic("analysis: unknown Kayenta effect measure")
	case c.NaNStrategy != KayentaNaNRemove && c.NaNStrategy != KayentaNaNReplace:
		panic("analysis: unknown Kayenta NaN strategy")
	case c.Outliers != KayentaOutliersKeep && c.Outliers != KayentaOutliersRemove:
		panic("analysis: unknown Kayenta outlier strategy")
	case c.Outliers == KayentaOutliersRemove && !(c.OutlierFactor > 0):
		panic("analysis: Kayenta outlier factor must be positive")
	}
}

// prepare applies the NaN strategy and the outlier strategy to one side.
func (c KayentaConfig) prepare(x []float64) []float64 {
	if c.NaNStrategy == KayentaNaNReplace {
		x = ReplaceNaN(x, 0)
	} else {
		x = DropNaN(x)
	}
	if c.Outliers == KayentaOutliersRemove && len(x) > 0 {
		x = RemoveOutliersIQR(x, c.OutlierFactor, true)
	}
	return x
}

// KayentaOutcome is Kayenta's classification of one metric with its
// evidence.
type KayentaOutcome struct {
	Classification Classification
	// Critical is Kayenta's critical flag: a critical metric that is High
	// or Low beyond the critical effect bounds, or has no data.
	Critical bool
	// Reason is one sentence on why.
	Reason string
	// Canary and Stable are the samples after NaN and outlier handling.
	Canary, Stable []float64
	// Test is the two-sided, continuity-corrected Mann-Whitney test.
	Test MannWhitneyResult
	// Shift is the Hodges-Lehmann shift with its Confidence interval.
	Shift ShiftEstimate
	// Band is Tolerance·|Shift.Estimate|: High needs Shift.Lower > Band,
	// Low needs Shift.Upper < -Band.
	Band float64
	// Deviation is the effect size of the configured measure (1.0 for
	// identical or single-valued data, as Kayenta reports).
	Deviation float64
	// MeanRatio and CLES are both effect sizes, whatever the measure.
	MeanRatio, CLES float64
}

// KayentaClassify classifies canary samples x against stable samples y the
// way Kayenta's NetflixACAJudge (MannWhitneyClassifier) does:
//
//  1. NaN samples are removed (or replaced by 0), then outliers optionally
//     removed (IQR rule, factor cfg.OutlierFactor, fences widened to the
//     1st and 99th percentiles, R-7 percentiles).
//  2. An empty side is NoData (critical if the metric is).
//  3. Identical samples (same sorted values), or samples that all share one
//     value, are Pass with deviation 1.
//  4. Otherwise, with the Hodges-Lehmann shift x - y and its
//     cfg.Confidence interval [L, U] from the normal approximation with
//     continuity and tie correction (as R finds them, HodgesLehmannCIUniroot,
//     or exactly, HodgesLehmannCI, with cfg.ExactInterval), and the band
//     b = cfg.Tolerance·|estimate|: High if increases are bad (direction
//     increase or either), L > b and the effect is at least
//     AllowedIncrease; Low if decreases are bad, U < -b and the effect is at
//     most AllowedDecrease; else Pass. A NaN effect (a zero mean) passes the
//     effect gate.
//  5. A High (Low) of a critical metric is critical when the effect is at
//     least CriticalIncrease (at most CriticalDecrease).
//
// Where Kayenta differs from this function on purpose: Kayenta's Replace
// strategy makes an empty side Pass, here it is always NoData; Kayenta adds
// Gaussian noise when each side is constant, because R cannot compute the
// interval then, while here the exact limit (the common difference) is used
// deterministically; the interval and estimate are R's (uniroot), where
// Kayenta's ports of R used several root finders over the years and, in one
// version, also applied the continuity correction to the estimate; an
// infinite sample, for which R fails and Kayenta reports an Error, is
// NotEnoughData. An empty direction means either. It panics on an invalid
// cfg.
func KayentaClassify(x, y []float64, dir Direction, critical bool, cfg KayentaConfig) KayentaOutcome {
	cfg.check()
	if dir == "" {
		dir = Either
	}
	out := KayentaOutcome{
		Canary:    cfg.prepare(x),
		Stable:    cfg.prepare(y),
		Test:      MannWhitneyResult{U: math.NaN(), Z: math.NaN(), PValue: math.NaN()},
		Shift:     ShiftEstimate{Estimate: math.NaN(), Lower: math.NaN(), Upper: math.NaN(), Level: cfg.Confidence},
		Band:      math.NaN(),
		Deviation: math.NaN(),
		MeanRatio: math.NaN(),
		CLES:      math.NaN(),
	}
	x, y = out.Canary, out.Stable
	if len(x) == 0 || len(y) == 0 {
		out.Classification, out.Critical = NoData, critical
		out.Reason = kayentaNoDataReason(len(x), len(y), cfg.NaNStrategy == KayentaNaNRemove)
		return out
	}
	out.Test = MannWhitney(x, y, TwoSided, true)
	out.Shift = HodgesLehmannCI(x, y, cfg.Confidence, TwoSided, true)
	if !cfg.ExactInterval {
		// R's values where R has them; where R stops (every difference
		// equal, when Kayenta adds noise) the exact limit.
		r := HodgesLehmannCIUniroot(x, y, cfg.Confidence, TwoSided, true)
		for _, p := range [][2]*float64{{&out.Shift.Lower, &r.Lower}, {&out.Shift.Upper, &r.Upper}, {&out.Shift.Estimate, &r.Estimate}} {
			if !math.IsNaN(*p[1]) {
				*p[0] = *p[1]
			}
		}
	}
	out.Band = cfg.Tolerance * math.Abs(out.Shift.Estimate)
	out.MeanRatio = kayentaMeanRatio(x, y)
	out.CLES = out.Test.U / float64(len(x)*len(y))

	sx, sy := mwSorted(x), mwSorted(y)
	if slices.Equal(sx, sy) {
		out.Classification, out.Deviation = Pass, 1
		out.Reason = fmt.Sprintf("canary and stable samples are identical (%d values, median %s)", len(x), kayentaNum(Median(x)))
		return out
	}
	if sx[0] == sx[len(sx)-1] && sy[0] == sy[len(sy)-1] && sx[0] == sy[0] {
		out.Classification, out.Deviation = Pass, 1
		out.Reason = fmt.Sprintf("every canary and stable sample has the same value %s", kayentaNum(sx[0]))
		return out
	}

	if math.IsNaN(out.Shift.Lower) || math.IsNaN(out.Shift.Upper) || math.IsNaN(out.Shift.Estimate) {
		// Only infinite samples get here (Kayenta's R call fails and the
		// metric is an Error there); never let that pass.
		out.Classification = NotEnoughData
		out.Reason = "the shift's confidence interval cannot be computed because a sample is infinite"
		return out
	}
	out.Deviation = out.MeanRatio
	if cfg.EffectMeasure == KayentaCLES {
		out.Deviation = out.CLES
	}
	incBad := dir == Increase || dir == Either
	decBad := dir == Decrease || dir == Either
	above := out.Shift.Lower > out.Band
	below := out.Shift.Upper < -out.Band
	switch {
	case incBad && above && kayentaAtLeast(out.Deviation, cfg.AllowedIncrease):
		out.Classification = High
		out.Critical = critical && kayentaAtLeast(out.Deviation, cfg.CriticalIncrease)
	case decBad && below && kayentaAtMost(out.Deviation, cfg.AllowedDecrease):
		out.Classification = Low
		out.Critical = critical && kayentaAtMost(out.Deviation, cfg.CriticalDecrease)
	default:
		out.Classification = Pass
	}
	out.Reason = kayentaReason(out, cfg, dir, above, below)
	return out
}

// kayentaAtLeast is Kayenta's effect gate for increases; NaN passes.
func kayentaAtLeast(e, bound float64) bool { return math.IsNaN(e) || e >= bound }

// kayentaAtMost is Kayenta's effect gate for decreases; NaN passes.
func kayentaAtMost(e, bound float64) bool { return math.IsNaN(e) || e <= bound }

// kayentaMeanRatio is mean(x)/mean(y), NaN when either mean is 0.
func kayentaMeanRatio(x, y []float64) float64 {
	mx, my := Mean(x), Mean(y)
	if mx == 0 || my == 0 {
		return math.NaN()
	}
	return mx / my
}

func kayentaNoDataReason(nx, ny int, nanRemoved bool) string {
	var side string
	switch {
	case nx == 0 && ny == 0:
		side = "no canary and no stable samples"
	case nx == 0:
		side = "no canary samples"
	default:
		side = "no stable samples"
	}
	if nanRemoved {
		return side + " after removing NaN steps"
	}
	return side
}

// kayentaReason explains a Pass, High or Low in one sentence.
func kayentaReason(o KayentaOutcome, cfg KayentaConfig, dir Direction, above, below bool) string {
	mc, ms := Median(o.Canary), Median(o.Stable)
	s := "canary median " + kayentaNum(mc) + " is " + kayentaRelative(mc, ms) + " stable median " + kayentaNum(ms)
	s += fmt.Sprintf("; the %s%% CI of the shift [%s, %s]", kayentaNum(100*o.Shift.Level), kayentaNum(o.Shift.Lower), kayentaNum(o.Shift.Upper))
	band := fmt.Sprintf("the tolerance band ±%s (%s%% of the shift estimate %s)",
		kayentaNum(o.Band), kayentaNum(100*cfg.Tolerance), kayentaNum(o.Shift.Estimate))
	effect := "mean ratio"
	if cfg.EffectMeasure == KayentaCLES {
		effect = "CLES"
	}
	switch {
	case o.Classification == High:
		return s + " lies above " + band + " and the " + effect + " " + kayentaNum(o.Deviation) +
			" reaches allowedIncrease " + kayentaNum(cfg.AllowedIncrease)
	case o.Classification == Low:
		return s + " lies below " + band + " and the " + effect + " " + kayentaNum(o.Deviation) +
			" reaches allowedDecrease " + kayentaNum(cfg.AllowedDecrease)
	case above && dir == Decrease:
		return s + " lies above " + band + ", but only decreases are bad"
	case below && dir == Increase:
		return s + " lies below " + band + ", but only increases are bad"
	case above:
		return s + " lies above " + band + ", but the " + effect + " " + kayentaNum(o.Deviation) +
			" is below allowedIncrease " + kayentaNum(cfg.AllowedIncrease)
	case below:
		return s + " lies below " + band + ", but the " + effect + " " + kayentaNum(o.Deviation) +
			" is above allowedDecrease " + kayentaNum(cfg.AllowedDecrease)
	}
	return s + " does not clear " + band
}

// kayentaRelative describes a against b: "38% above", "12% below", "equal to".
func kayentaRelative(a, b float64) string {
	switch {
	case a == b:
		return "equal to"
	case b == 0 || math.IsNaN(a) || math.IsNaN(b):
		if a > b {
			return "above"
		}
		return "below"
	case a > b:
		return strconv.FormatFloat(100*(a-b)/math.Abs(b), 'g', 3, 64) + "% above"
	}
	return strconv.FormatFloat(100*(b-a)/math.Abs(b), 'g', 3, 64) + "% below"
}

// kayentaNum formats a number with up to four significant digits.
func kayentaNum(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }

// KayentaJudge is the baseline: Kayenta's NetflixACAJudge on our data. Each
// side's samples are the per-step average over its pods (Kayenta's default
// Prometheus query is avg(metric) by () at each step); ratio and rate
// metrics use the pooled per-step ratio Σevents/Σtrials, dropping steps
// without trials, since Kayenta has no notion of counts. The metric's
// Direction, Critical and Kayenta settings (effect measure and bounds,
// outliers) are used; its Tolerance, Max, Min and the settings of other
// judges are not (Kayenta has no such settings: its band is the fixed
// KayentaConfig.Tolerance).
type KayentaJudge struct {
	KayentaConfig
}

// NewKayentaJudge returns a KayentaJudge with DefaultKayentaConfig.
func NewKayentaJudge() *KayentaJudge {
	return &KayentaJudge{KayentaConfig: DefaultKayentaConfig()}
}

// Name returns "kayenta".
func (j *KayentaJudge) Name() string { return "kayenta" }

// Judge classifies one metric. The canary's first Settings.Warmup of data
// (from its first sample) is dropped, as Kayenta's
// beginCanaryAnalysisAfterMins would; the stable side is kept whole. A step
// where a pod's value is NaN averages to NaN, as Prometheus's avg does, and
// is then handled by the NaN strategy.
func (j *KayentaJudge) Judge(m Metric, d Data, s Settings) MetricResult {
	counts := m.Kind == KindRatio || m.Kind == KindRate ||
		(m.Kind == "" && (len(d.CanaryCounts) > 0 || len(d.StableCounts) > 0))
	var x, y []float64
	var cs, ss SideStats
	if counts {
		from := kayentaWarmupStart(kayentaCountTimes(d.CanaryCounts), s.Warmup)
		x, cs = kayentaPoolCounts(d.CanaryCounts, from)
		y, ss = kayentaPoolCounts(d.StableCounts, math.MinInt64)
	} else {
		from := kayentaWarmupStart(kayentaValueTimes(d.Canary), s.Warmup)
		x, cs = kayentaPoolValues(d.Canary, from)
		y, ss = kayentaPoolValues(d.Stable, math.MinInt64)
	}
	o := KayentaClassify(x, y, m.Direction, m.Critical, j.forMetric(m))
	res := MetricResult{
		Name:           m.Name,
		Classification: o.Classification,
		Reason:         o.Reason,
		Test:           "mann-whitney",
		PValue:         Float(o.Test.PValue),
		Estimate:       Float(o.Shift.Estimate),
		Effect:         Effect{MeanRatio: Float(o.MeanRatio), CLES: Float(o.CLES)},
		Canary:         kayentaSide(o.Canary, cs),
		Stable:         kayentaSide(o.Stable, ss),
		// A critical metric's failure below the critical effect bounds is
		// not critical, as in Kayenta.
		Critical: m.Critical && (o.Critical || !o.Classification.Failing()),
		Weight:   m.Weight,
		Group:    m.Group,
	}
	if o.Classification != NoData {
		res.Interval = &Interval{
			Lower: Float(o.Shift.Lower),
			Upper: Float(o.Shift.Upper),
			Level: Float(o.Shift.Level),
			Of:    "shift",
		}
	}
	return res
}

// forMetric returns the judge's configuration with the metric's Kayenta
// settings applied, as documented on Metric: its EffectMeasure, effect
// bounds, Outliers and OutlierFactor when set. Bounds left at zero come from
// the judge (Kayenta's 1.0 or 0.5, which add no gate of their own). The
// metric's Tolerance is not used: Kayenta's band is its fixed 0.25, and the
// baseline stays Kayenta.
func (j *KayentaJudge) forMetric(m Metric) KayentaConfig {
	c := j.KayentaConfig
	switch m.EffectMeasure {
	case EffectMeanRatio:
		if c.EffectMeasure != KayentaMeanRatio {
			c = c.WithEffectMeasure(KayentaMeanRatio)
		}
	case EffectCLES:
		if c.EffectMeasure != KayentaCLES {
			c = c.WithEffectMeasure(KayentaCLES)
		}
	}
	for _, o := range []struct {
		v  float64
		to *float64
	}{
		{m.AllowedIncrease, &c.AllowedIncrease}, {m.AllowedDecrease, &c.AllowedDecrease},
		{m.CriticalIncrease, &c.CriticalIncrease}, {m.CriticalDecrease, &c.CriticalDecrease},
		{m.OutlierFactor, &c.OutlierFactor},
	} {
		if o.v > 0 {
			*o.to = o.v
		}
	}
	switch m.Outliers {
	case OutliersKeep:
		c.Outliers = KayentaOutliersKeep
	case OutliersRemove:
		c.Outliers = KayentaOutliersRemove
	}
	return c
}

// kayentaSide fills the sample statistics, keeping pods and counts.
func kayentaSide(samples []float64, st SideStats) SideStats {
	d := DescribeSamples(samples)
	d.Pods, d.Events, d.Trials = st.Pods, st.Events, st.Trials
	return d
}

// kayentaWarmupStart returns the first time (Unix ms) kept after the warmup, given
// the canary's sample times; math.MinInt64 keeps everything.
func kayentaWarmupStart(times []int64, warmup time.Duration) int64 {
	if warmup <= 0 || len(times) == 0 {
		return math.MinInt64
	}
	return slices.Min(times) + warmup.Milliseconds()
}

func kayentaValueTimes(series []Series) []int64 {
	var ts []int64
	for _, s := range series {
		for _, p := range s.Points {
			ts = append(ts, p.T)
		}
	}
	return ts
}

func kayentaCountTimes(series []CountSeries) []int64 {
	var ts []int64
	for _, s := range series {
		for _, p := range s.Points {
			ts = append(ts, p.T)
		}
	}
	return ts
}

// kayentaPoolValues returns the per-step mean over pods of points at or after
// from, in time order, and counts the pods that contributed.
func kayentaPoolValues(series []Series, from int64) ([]float64, SideStats) {
	type acc struct {
		sum float64
		n   int
	}
	steps := map[int64]*acc{}
	var st SideStats
	for _, s := range series {
		used := false
		for _, p := range s.Points {
			if p.T < from {
				continue
			}
			a := steps[p.T]
			if a == nil {
				a = &acc{}
				steps[p.T] = a
			}
			a.sum += p.V // a NaN makes the step NaN, as avg() does
			a.n++
			used = true
		}
		if used {
			st.Pods++
		}
	}
	times := make([]int64, 0, len(steps))
	for t := range steps {
		times = append(times, t)
	}
	slices.Sort(times)
	out := make([]float64, len(times))
	for i, t := range times {
		out[i] = steps[t].sum / float64(steps[t].n)
	}
	return out, st
}

// kayentaPoolCounts returns the per-step pooled ratio Σevents/Σtrials over pods of
// points at or after from, in time order, dropping steps without trials,
// and the pods that contributed with the events and trials of the steps
// whose ratio is a number.
func kayentaPoolCounts(series []CountSeries, from int64) ([]float64, SideStats) {
	type acc struct{ events, trials float64 }
	steps := map[int64]*acc{}
	var st SideStats
	for _, s := range series {
		used := false
		for _, p := range s.Points {
			if p.T < from {
				continue
			}
			a := steps[p.T]
			if a == nil {
				a = &acc{}
				steps[p.T] = a
			}
			a.events += p.Events
			a.trials += p.Trials
			used = true
		}
		if used {
			st.Pods++
		}
	}
	times := make([]int64, 0, len(steps))
	for t, a := range steps {
		if a.trials > 0 || math.IsNaN(a.trials) {
			times = append(times, t)
		}
	}
	slices.Sort(times)
	out := make([]float64, len(times))
	var events, trials float64
	for i, t := range times {
		a := steps[t]
		out[i] = a.events / a.trials
		if !math.IsNaN(out[i]) {
			events += a.events
			trials += a.trials
		}
	}
	st.Events, st.Trials = Float(events), Float(trials)
	return out, st
}
