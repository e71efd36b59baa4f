package kayenta

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/analysis/signatures"
	"github.com/canary-analyzer/canary-analyzer/analysis/stats"
)

// EffectMeasure selects the effect size that Kayenta's judge uses as
// a second gate after the confidence interval.
type EffectMeasure string

// Effect-size measures.
const (
	// MeanRatio is canary mean / stable mean (NaN when a mean is 0).
	MeanRatio EffectMeasure = "meanRatio"
	// CLES is the common-language effect size P(canary > stable).
	CLES EffectMeasure = "cles"
)

// NaNStrategy says what Kayenta does with NaN samples.
type NaNStrategy string

// NaN strategies.
const (
	NaNRemove  NaNStrategy = "remove"
	NaNReplace NaNStrategy = "replace" // with 0
)

// OutlierStrategy says whether Kayenta removes outliers first.
type OutlierStrategy string

// Outlier strategies.
const (
	OutliersKeep   OutlierStrategy = "keep"
	OutliersRemove OutlierStrategy = "remove"
)

// Config holds the knobs of Kayenta's NetflixACAJudge. The zero value
// is not usable; start from DefaultConfig.
type Config struct {
	// Confidence is the level of the shift's confidence interval (0.98).
	Confidence float64
	// Tolerance is the fraction of |shift estimate| that the interval must
	// clear (0.25): High needs lower > Tolerance·|estimate|.
	Tolerance float64
	// EffectMeasure is the effect size of the second gate (meanRatio).
	EffectMeasure EffectMeasure
	// AllowedIncrease is the smallest effect that may be High, and
	// AllowedDecrease the largest that may be Low (1.0 for meanRatio, 0.5
	// for cles). A NaN effect passes the gate, as in Kayenta.
	AllowedIncrease, AllowedDecrease float64
	// CriticalIncrease and CriticalDecrease are the effects beyond which a
	// High or Low of a critical metric is a critical failure (same defaults).
	CriticalIncrease, CriticalDecrease float64
	// NaNStrategy removes NaN samples or replaces them with 0 (remove).
	NaNStrategy NaNStrategy
	// Outliers keeps or removes outliers before the test (keep).
	Outliers OutlierStrategy
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

// DefaultConfig returns the settings NetflixACAJudge hard-codes or
// defaults to: confidence 0.98, tolerance 0.25, meanRatio effect bounds 1.0,
// NaN removal, outliers kept (factor 3.0 when removal is switched on).
func DefaultConfig() Config {
	return Config{
		Confidence:       0.98,
		Tolerance:        0.25,
		EffectMeasure:    MeanRatio,
		AllowedIncrease:  1,
		AllowedDecrease:  1,
		CriticalIncrease: 1,
		CriticalDecrease: 1,
		NaNStrategy:      NaNRemove,
		Outliers:         OutliersKeep,
		OutlierFactor:    3,
	}
}

// WithEffectMeasure returns c with the effect measure set and all four
// effect bounds reset to Kayenta's default for it (1.0 for meanRatio, 0.5
// for cles).
func (c Config) WithEffectMeasure(m EffectMeasure) Config {
	d := 1.0
	if m == CLES {
		d = 0.5
	}
	c.EffectMeasure = m
	c.AllowedIncrease, c.AllowedDecrease, c.CriticalIncrease, c.CriticalDecrease = d, d, d, d
	return c
}

func (c Config) check() {
	switch {
	case !(c.Confidence > 0 && c.Confidence < 1):
		panic("kayenta: confidence must be in (0, 1)")
	case !(c.Tolerance >= 0):
		panic("kayenta: tolerance must not be negative")
	case c.EffectMeasure != MeanRatio && c.EffectMeasure != CLES:
		panic("kayenta: unknown effect measure")
	case c.NaNStrategy != NaNRemove && c.NaNStrategy != NaNReplace:
		panic("kayenta: unknown NaN strategy")
	case c.Outliers != OutliersKeep && c.Outliers != OutliersRemove:
		panic("kayenta: unknown outlier strategy")
	case c.Outliers == OutliersRemove && !(c.OutlierFactor > 0):
		panic("kayenta: outlier factor must be positive")
	}
}

// prepare applies the NaN strategy and the outlier strategy to one side.
func (c Config) prepare(x []float64) []float64 {
	if c.NaNStrategy == NaNReplace {
		x = stats.ReplaceNaN(x, 0)
	} else {
		x = stats.DropNaN(x)
	}
	if c.Outliers == OutliersRemove && len(x) > 0 {
		x = stats.RemoveOutliersIQR(x, c.OutlierFactor, true)
	}
	return x
}

// Outcome is Kayenta's classification of one metric with its
// evidence.
type Outcome struct {
	Classification analysis.Classification
	// Critical is Kayenta's critical flag: a critical metric that is High
	// or Low beyond the critical effect bounds, or has no data.
	Critical bool
	// Reason is one sentence on why.
	Reason string
	// Canary and Stable are the samples after NaN and outlier handling.
	Canary, Stable []float64
	// Test is the two-sided, continuity-corrected Mann-Whitney test.
	Test stats.MannWhitneyResult
	// Shift is the Hodges-Lehmann shift with its Confidence interval.
	Shift stats.ShiftEstimate
	// Band is Tolerance·|Shift.Estimate|: High needs Shift.Lower > Band,
	// Low needs Shift.Upper < -Band.
	Band float64
	// Deviation is the effect size of the configured measure (1.0 for
	// identical or single-valued data, as Kayenta reports).
	Deviation float64
	// MeanRatio and CLES are both effect sizes, whatever the measure.
	MeanRatio, CLES float64
}

// Classify classifies canary samples x against stable samples y the
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
func Classify(x, y []float64, dir analysis.Direction, critical bool, cfg Config) Outcome {
	cfg.check()
	if dir == "" {
		dir = analysis.Either
	}
	out := Outcome{
		Canary:    cfg.prepare(x),
		Stable:    cfg.prepare(y),
		Test:      stats.MannWhitneyResult{U: math.NaN(), Z: math.NaN(), PValue: math.NaN()},
		Shift:     stats.ShiftEstimate{Estimate: math.NaN(), Lower: math.NaN(), Upper: math.NaN(), Level: cfg.Confidence},
		Band:      math.NaN(),
		Deviation: math.NaN(),
		MeanRatio: math.NaN(),
		CLES:      math.NaN(),
	}
	x, y = out.Canary, out.Stable
	if len(x) == 0 || len(y) == 0 {
		out.Classification, out.Critical = analysis.NoData, critical
		out.Reason = noDataReason(len(x), len(y), cfg.NaNStrategy == NaNRemove)
		return out
	}
	out.Test = stats.MannWhitney(x, y, stats.TwoSided, true)
	out.Shift = stats.HodgesLehmannCI(x, y, cfg.Confidence, stats.TwoSided, true)
	if !cfg.ExactInterval {
		// R's values where R has them; where R stops (every difference
		// equal, when Kayenta adds noise) the exact limit.
		r := stats.HodgesLehmannCIUniroot(x, y, cfg.Confidence, stats.TwoSided, true)
		for _, p := range [][2]*float64{{&out.Shift.Lower, &r.Lower}, {&out.Shift.Upper, &r.Upper}, {&out.Shift.Estimate, &r.Estimate}} {
			if !math.IsNaN(*p[1]) {
				*p[0] = *p[1]
			}
		}
	}
	out.Band = cfg.Tolerance * math.Abs(out.Shift.Estimate)
	out.MeanRatio = meanRatio(x, y)
	out.CLES = out.Test.U / float64(len(x)*len(y))

	sx, sy := sorted(x), sorted(y)
	if slices.Equal(sx, sy) {
		out.Classification, out.Deviation = analysis.Pass, 1
		out.Reason = fmt.Sprintf("canary and stable samples are identical (%d values, median %s)", len(x), num(stats.Median(x)))
		return out
	}
	if sx[0] == sx[len(sx)-1] && sy[0] == sy[len(sy)-1] && sx[0] == sy[0] {
		out.Classification, out.Deviation = analysis.Pass, 1
		out.Reason = fmt.Sprintf("every canary and stable sample has the same value %s", num(sx[0]))
		return out
	}

	if math.IsNaN(out.Shift.Lower) || math.IsNaN(out.Shift.Upper) || math.IsNaN(out.Shift.Estimate) {
		// Only infinite samples get here (Kayenta's R call fails and the
		// metric is an Error there); never let that pass.
		out.Classification = analysis.NotEnoughData
		out.Reason = "the shift's confidence interval cannot be computed because a sample is infinite"
		return out
	}
	out.Deviation = out.MeanRatio
	if cfg.EffectMeasure == CLES {
		out.Deviation = out.CLES
	}
	incBad := dir == analysis.Increase || dir == analysis.Either
	decBad := dir == analysis.Decrease || dir == analysis.Either
	above := out.Shift.Lower > out.Band
	below := out.Shift.Upper < -out.Band
	switch {
	case incBad && above && atLeast(out.Deviation, cfg.AllowedIncrease):
		out.Classification = analysis.High
		out.Critical = critical && atLeast(out.Deviation, cfg.CriticalIncrease)
	case decBad && below && atMost(out.Deviation, cfg.AllowedDecrease):
		out.Classification = analysis.Low
		out.Critical = critical && atMost(out.Deviation, cfg.CriticalDecrease)
	default:
		out.Classification = analysis.Pass
	}
	out.Reason = explain(out, cfg, dir, above, below)
	return out
}

// atLeast is Kayenta's effect gate for increases; NaN passes.
func atLeast(e, bound float64) bool { return math.IsNaN(e) || e >= bound }

// atMost is Kayenta's effect gate for decreases; NaN passes.
func atMost(e, bound float64) bool { return math.IsNaN(e) || e <= bound }

// meanRatio is mean(x)/mean(y), NaN when either mean is 0.
func meanRatio(x, y []float64) float64 {
	mx, my := stats.Mean(x), stats.Mean(y)
	if mx == 0 || my == 0 {
		return math.NaN()
	}
	return mx / my
}

func noDataReason(nx, ny int, nanRemoved bool) string {
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
		return side + " after removing the steps without a value"
	}
	return side
}

// explain explains a Pass, High or Low in one sentence.
func explain(o Outcome, cfg Config, dir analysis.Direction, above, below bool) string {
	mc, ms := stats.Median(o.Canary), stats.Median(o.Stable)
	s := "canary median " + num(mc) + " is " + relative(mc, ms) + " stable median " + num(ms)
	s += fmt.Sprintf("; the %s%% CI of the shift [%s, %s]", num(100*o.Shift.Level), num(o.Shift.Lower), num(o.Shift.Upper))
	band := fmt.Sprintf("the tolerance band ±%s (%s%% of the shift estimate %s)",
		num(o.Band), num(100*cfg.Tolerance), num(o.Shift.Estimate))
	effect := "mean ratio"
	if cfg.EffectMeasure == CLES {
		effect = "CLES"
	}
	effect += " " + num(o.Deviation)
	if math.IsNaN(o.Deviation) {
		effect = "mean ratio (undefined: the stable mean is 0)"
	}
	switch {
	case o.Classification == analysis.High:
		return s + " lies above " + band + " and the " + effect + " reaches allowedIncrease " + num(cfg.AllowedIncrease)
	case o.Classification == analysis.Low:
		return s + " lies below " + band + " and the " + effect + " reaches allowedDecrease " + num(cfg.AllowedDecrease)
	case above && dir == analysis.Decrease:
		return s + " lies above " + band + ", but only decreases are bad"
	case below && dir == analysis.Increase:
		return s + " lies below " + band + ", but only increases are bad"
	case above:
		return s + " lies above " + band + ", but the " + effect + " is below allowedIncrease " + num(cfg.AllowedIncrease)
	case below:
		return s + " lies below " + band + ", but the " + effect + " is above allowedDecrease " + num(cfg.AllowedDecrease)
	}
	return s + " does not clear " + band
}

// relative describes a against b: "38% above", "12% below", "equal to".
func relative(a, b float64) string {
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

// num formats a number with up to four significant digits; an undefined
// one is "n/a" and an infinite one "unbounded", never NaN or Inf.
func num(v float64) string {
	switch {
	case math.IsNaN(v):
		return "n/a"
	case math.IsInf(v, 0):
		return "unbounded"
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// Judge is the baseline: Kayenta's NetflixACAJudge on our data. Each
// side's samples are the per-step average over its pods (Kayenta's default
// Prometheus query is avg(metric) by () at each step); ratio and rate
// metrics use the pooled per-step ratio Σevents/Σtrials, dropping steps
// without trials, since Kayenta has no notion of counts. The metric's
// Direction, Critical and Kayenta settings (effect measure and bounds,
// outliers) are used; its Tolerance, Max, Min and the settings of other
// judges are not (Kayenta has no such settings: its band is the fixed
// Config.Tolerance).
type Judge struct {
	Config
}

// New returns a Judge with DefaultConfig.
func New() *Judge {
	return &Judge{Config: DefaultConfig()}
}

// Judge judges a rule set the way Kayenta would: each metric alone
// (judgeMetric), signatures metrics by analysis/signatures, and the results
// scored by Kayenta's weighted-sum scorer (analysis.Conclude, whose rules on
// missing sides every judge shares: a metric without stable data never
// fails the canary, where Kayenta would fail a critical one). Kayenta has
// no load model: a metric judged relative to load (Metric.Load) is
// compared per unit of load instead, each value divided by its pod's load
// at the same step (perLoad), which is what its users would query. The
// report does not depend on the order of the series
// (analysis.Input.InPodOrder).
func (j *Judge) Judge(in analysis.Input) analysis.Report {
	in = in.InPodOrder()
	results := make([]analysis.MetricResult, len(in.Metrics))
	for i, mi := range in.Metrics {
		m, d := mi.Metric, mi.Data
		switch {
		case m.Kind == analysis.KindSignatures:
			results[i] = signatures.Judge(m, d.Logs, in.Settings)
			continue
		case m.Load:
			d, m.Load = perLoad(d), false
		}
		results[i] = j.judgeMetric(m, d, in.Settings)
	}
	return analysis.Conclude(in, results)
}

// perLoad divides each pod's value by its load at the same timestamp (a
// step without load, or with zero load, is left out).
func perLoad(d analysis.Data) analysis.Data {
	div := func(values, loads []analysis.Series) []analysis.Series {
		byPod := map[string]map[int64]float64{}
		for _, s := range loads {
			m := map[int64]float64{}
			for _, p := range s.Points {
				m[p.T] = p.V
			}
			byPod[s.Pod] = m
		}
		out := make([]analysis.Series, 0, len(values))
		for _, s := range values {
			var pts []analysis.Point
			for _, p := range s.Points {
				if l, ok := byPod[s.Pod][p.T]; ok && l != 0 && !math.IsNaN(l) {
					pts = append(pts, analysis.Point{T: p.T, V: p.V / l})
				}
			}
			out = append(out, analysis.Series{Pod: s.Pod, Points: pts})
		}
		return out
	}
	return analysis.Data{Canary: div(d.Canary, d.CanaryLoad), Stable: div(d.Stable, d.StableLoad)}
}

// judgeMetric classifies one metric. The canary's first Settings.Warmup of data
// (from its first sample) is dropped, as Kayenta's
// beginCanaryAnalysisAfterMins would; the stable side is kept whole. A step
// where a pod's value is NaN averages to NaN, as Prometheus's avg does, and
// is then handled by the NaN strategy.
func (j *Judge) judgeMetric(m analysis.Metric, d analysis.Data, s analysis.Settings) analysis.MetricResult {
	counts := m.Kind == analysis.KindRatio || m.Kind == analysis.KindRate ||
		(m.Kind == "" && (len(d.CanaryCounts) > 0 || len(d.StableCounts) > 0))
	var x, y []float64
	var cs, ss analysis.SideStats
	var from int64
	if counts {
		from = warmupStart(countTimes(d.CanaryCounts), s.Warmup)
		x, cs = poolCounts(d.CanaryCounts, from)
		y, ss = poolCounts(d.StableCounts, math.MinInt64)
	} else {
		from = warmupStart(valueTimes(d.Canary), s.Warmup)
		x, cs = poolValues(d.Canary, from)
		y, ss = poolValues(d.Stable, math.MinInt64)
	}
	o := Classify(x, y, m.Direction, m.Critical, j.forMetric(m))
	res := analysis.MetricResult{
		Name:           m.Name,
		Classification: o.Classification,
		Reason:         o.Reason,
		Test:           "mann-whitney",
		PValue:         o.Test.PValue,
		Estimate:       o.Shift.Estimate,
		Effect:         analysis.Effect{MeanRatio: o.MeanRatio, CLES: o.CLES},
		Canary:         sideStats(o.Canary, cs),
		Stable:         sideStats(o.Stable, ss),
		// A critical metric's failure below the critical effect bounds is
		// not critical, as in Kayenta.
		Critical: m.Critical && (o.Critical || !o.Classification.Failing()),
		Weight:   m.Weight,
		Group:    m.Group,
	}
	if from != math.MinInt64 {
		res.WarmupEnd = from
	}
	if o.Classification != analysis.NoData {
		res.Interval = &analysis.Interval{
			Lower: o.Shift.Lower,
			Upper: o.Shift.Upper,
			Level: o.Shift.Level,
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
func (j *Judge) forMetric(m analysis.Metric) Config {
	c := j.Config
	switch m.EffectMeasure {
	case analysis.EffectMeanRatio:
		if c.EffectMeasure != MeanRatio {
			c = c.WithEffectMeasure(MeanRatio)
		}
	case analysis.EffectCLES:
		if c.EffectMeasure != CLES {
			c = c.WithEffectMeasure(CLES)
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
	case analysis.OutliersKeep:
		c.Outliers = OutliersKeep
	case analysis.OutliersRemove:
		c.Outliers = OutliersRemove
	}
	return c
}

// sideStats fills the sample statistics, keeping pods and counts.
func sideStats(samples []float64, st analysis.SideStats) analysis.SideStats {
	d := stats.Summarize(samples)
	return analysis.SideStats{Pods: st.Pods, Count: d.N, Mean: d.Mean, Median: d.Median, Min: d.Min, Max: d.Max,
		Events: st.Events, Trials: st.Trials}
}

// warmupStart returns the first time (Unix ms) kept after the warmup, given
// the canary's sample times; math.MinInt64 keeps everything.
func warmupStart(times []int64, warmup time.Duration) int64 {
	if warmup <= 0 || len(times) == 0 {
		return math.MinInt64
	}
	return slices.Min(times) + warmup.Milliseconds()
}

func valueTimes(series []analysis.Series) []int64 {
	var ts []int64
	for _, s := range series {
		for _, p := range s.Points {
			ts = append(ts, p.T)
		}
	}
	return ts
}

func countTimes(series []analysis.CountSeries) []int64 {
	var ts []int64
	for _, s := range series {
		for _, p := range s.Points {
			ts = append(ts, p.T)
		}
	}
	return ts
}

// poolValues returns the per-step mean over pods of points at or after
// from, in time order, and counts the pods that contributed.
func poolValues(series []analysis.Series, from int64) ([]float64, analysis.SideStats) {
	type acc struct {
		sum float64
		n   int
	}
	steps := map[int64]*acc{}
	var st analysis.SideStats
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

// poolCounts returns the per-step pooled ratio Σevents/Σtrials over pods of
// points at or after from, in time order, dropping steps without trials,
// and the pods that contributed with the events and trials of the steps
// whose ratio is a number.
func poolCounts(series []analysis.CountSeries, from int64) ([]float64, analysis.SideStats) {
	type acc struct{ events, trials float64 }
	steps := map[int64]*acc{}
	var st analysis.SideStats
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
	st.Events, st.Trials = events, trials
	return out, st
}

// sorted returns a sorted copy of x.
func sorted(x []float64) []float64 {
	s := slices.Clone(x)
	slices.Sort(s)
	return s
}
