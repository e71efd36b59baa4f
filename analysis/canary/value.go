package canary

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/analysis/stats"
)

// valueFrame is a value metric on its grid, after the warm-up cut: rows
// 0..C-1 are the canary's pods, rows C.. the stable pods.
type valueFrame struct {
	g      grid
	z      [][]float64 // transformed values (log or raw), NaN = missing or cut
	raw    [][]float64 // raw values, NaN = missing or cut
	c, k   int
	log    bool
	mu     []float64 // stable pods' common level per grid point (transformed)
	sigma2 float64   // residual variance of one stable pod per step (NaN if unknown)
	resDF  float64
	rho    float64
	cut    warmupCut
	// load is the stable pods' load model of a metric with Metric.Load
	// (nil otherwise); x holds every pod's load on the grid and dz the
	// derivative of z with respect to the model's slope.
	load   *loadFit
	x, dz  [][]float64
	noLoad string
	// noisePrior is Judge.NoisePriorDF.
	noisePrior float64
}

// analyseValues judges a value metric.
func (j *Judge) analyseValues(m analysis.Metric, d analysis.Data, s analysis.Settings) *metricAnalysis {
	a := newAnalysis(m, "one-vs-many t on time-matched log ratios", "log")
	ev := a.result.Evidence
	ev.Method = "Each pod's value is compared with the stable pods' common level at the same timestamps; " +
		"the canary's mean difference is judged against the spread of the stable pods' own mean differences " +
		"(pooled with the metric's pod-spread prior) plus AR(1) noise."

	f, ok := j.valueFrame(m, d, s)
	a.age = f.cut.Age
	ev.Warmup = warmupEvidence(f.cut)
	if !ok {
		a.preset = analysis.NoData
		a.presetReason = noDataReason(len(d.Canary), len(d.Stable), countFinite(d.Canary), countFinite(d.Stable))
		if f.cut.Start < 0 && countFinite(d.Stable) > 0 {
			a.preset, a.presetReason = canaryWithoutData(m, a.presetReason)
		}
		a.result.Canary = describePods(d.Canary)
		a.result.Stable = describePods(d.Stable)
		return a
	}
	if !f.log {
		ev.Scale = "linear"
		a.result.Test = "one-vs-many t on time-matched differences"
	}
	if m.Load {
		a.result.Test += " to the stable pods' load model"
		ev.Method = "Each pod's value is divided by what the stable pods' load model (an idle part plus a slope per unit " +
			"of load, fitted within the stable pods) predicts at its own load, then compared with the stable pods' " +
			"common level at the same timestamps; the canary's mean difference is judged against the spread of the " +
			"stable pods' own mean differences (pooled with the metric's pod-spread prior) plus AR(1) noise and the " +
			"uncertainty of the fitted slope."
		if !f.log {
			ev.Method = strings.Replace(ev.Method, "is divided by what", "less the slope times its load's distance from the stable pods' mean load is compared with what", 1)
		}
		if f.noLoad != "" {
			a.preset = analysis.NotEnoughData
			a.presetReason = "not enough data: " + f.noLoad
			a.result.Canary = describePods(d.Canary)
			a.result.Stable = describePods(d.Stable)
			return a
		}
	}

	// The judged timestamps: the canary has a sample after its warm-up and
	// the stable pods have a common level.
	var idx []int
	var dvals []float64
	for i := 0; i < f.g.len(); i++ {
		if math.IsNaN(f.mu[i]) {
			continue
		}
		var s float64
		var n int
		for r := 0; r < f.c; r++ {
			if v := f.z[r][i]; !math.IsNaN(v) {
				s += v - f.mu[i]
				n++
			}
		}
		if n > 0 {
			idx = append(idx, i)
			dvals = append(dvals, s/float64(n))
		}
	}
	if m.Outliers == analysis.OutliersRemove && len(dvals) >= 4 {
		idx, dvals = dropOutliers(idx, dvals, j.outlierFactor(m))
	}
	a.result.Canary, a.result.Stable = f.sideStats(idx)
	n := len(idx)
	minPoints := max(j.MinPoints, 1)
	if n < minPoints {
		a.preset = analysis.NotEnoughData
		a.presetReason = fmt.Sprintf("not enough data: the canary has %d sample(s) at the stable pods' timestamps "+
			"after the warm-up (%s); %d needed", n, f.cut.text(), minPoints)
		return a
	}

	pos := make([]float64, n)
	for i, t := range idx {
		pos[i] = float64(t)
	}
	level := 0.0 // the stable pods' mean level at the judged timestamps (raw scale)
	for _, t := range idx {
		level += f.centreRaw(t)
	}
	level /= float64(n)

	// Stable pods' own mean differences at the judged timestamps.
	dc := stats.Mean(dvals)
	var dk []float64
	var vs float64
	var pods []analysis.PodEvidence
	for r := f.c; r < f.c+f.k; r++ {
		var vals []float64
		var p []float64
		var times []int
		for _, t := range idx {
			if v := f.z[r][t]; !math.IsNaN(v) {
				vals = append(vals, v-f.mu[t])
				p = append(p, float64(t))
				times = append(times, t)
			}
		}
		if m.Outliers == analysis.OutliersRemove && len(vals) >= 4 {
			times, vals = dropOutliers(times, vals, j.outlierFactor(m))
			p = p[:0]
			for _, t := range times {
				p = append(p, float64(t))
			}
		}
		if len(vals) == 0 {
			continue
		}
		dk = append(dk, stats.Mean(vals))
		if !math.IsNaN(f.sigma2) {
			vs += f.sigma2 * stats.AR1Variance(stats.MeanWeights(len(p)), p, f.rho)
		}
		pods = append(pods, analysis.PodEvidence{Pod: f.g.pods[r], Relative: f.relative(stats.Mean(vals), level), Points: len(vals)})
	}
	if len(dk) > 0 {
		vs /= float64(len(dk))
	}
	canaryPods := []analysis.PodEvidence{{Pod: joinPods(f.g.pods[:f.c]), Canary: true, Relative: f.relative(dc, level), Points: n}}
	ev.Pods = append(canaryPods, pods...)
	rank := rankAmong(dc, dk)
	ev.Rank = &analysis.RankEvidence{Position: rank.Position, Of: rank.Of, Text: rank.text()}

	// The canary's own noise around the stable pods' common level.
	qc := stats.AR1Variance(stats.MeanWeights(n), pos, f.rho)
	noise, noiseDF := f.canaryNoise(dvals, pos)
	ev.Noise = &analysis.NoiseEvidence{Autocorrelation: f.rho, EffectivePoints: 1 / qc}

	spread := j.spreadFor(m, analysis.KindValue)
	prior := spread
	if !f.log {
		prior = spread * math.Abs(level)
	}
	var slopeVar, slopeDF float64
	if f.load != nil {
		g := f.loadSensitivity(idx)
		slopeVar, slopeDF = g*g*f.load.SlopeVar, f.load.DF
		ev.Load = f.loadEvidence(idx, g)
	}
	pt := podTestInput{
		Canary: dc, Stable: dk, StableNoise: vs,
		CanaryNoise: noise * qc, CanaryNoiseDF: noiseDF,
		Prior: prior, PriorPods: j.PriorPods, CanaryPods: f.c,
		Extra: slopeVar, ExtraDF: slopeDF,
	}.run()
	ev.Spread = &analysis.SpreadEvidence{
		Observed: pt.Observed, Between: pt.Between,
		Prior: prior, PriorPods: j.PriorPods, Used: pt.Pooled,
	}
	if !f.log {
		ev.Spread.Observed, ev.Spread.Between, ev.Spread.Used =
			pt.Observed/math.Abs(level), pt.Between/math.Abs(level), pt.Pooled/math.Abs(level)
		ev.Spread.Prior = spread
	}

	change := f.relative(dc, level)
	a.result.Estimate = change
	a.result.Effect = f.effect(idx)
	at := "at the same times"
	if m.Load {
		at = "at the same times and load"
	}
	a.summary = fmt.Sprintf("canary %s vs the stable pods %s; %s; pods differ by %s",
		fmtPct(change), at, rank.text(), fmtSpread(float64(ev.Spread.Used)))

	// Level test.
	p, side := directional(m.Direction, pt.Upper, pt.Lower, dc)
	gate, crit := effectGate(m, a.result.Effect, side)
	se, df := pt.SE, pt.DF
	levelTest := &hypothesis{
		p: p, side: side, gate: gate, critical: crit,
		ev: analysis.TestEvidence{
			Name: "level", Test: a.result.Test, Estimate: change,
			Statistic: pt.T, DF: df,
			Text: fmt.Sprintf("canary %s vs the stable pods %s (t = %.2f, df = %.1f); %s",
				fmtPct(change), at, pt.T, df, rank.text()),
		},
		interval: func(a float64) *analysis.Interval {
			q := stats.TQuantile(1-a, df)
			return &analysis.Interval{
				Lower: f.relative(dc-q*se, level), Upper: f.relative(dc+q*se, level),
				Level: 1 - 2*a, Of: "relative change (canary/stable − 1)",
			}
		},
	}
	a.tests = append(a.tests, levelTest)

	if m.Trend {
		if h := j.trendTest(m, f, idx, dvals, pos, level); h != nil {
			a.tests = append(a.tests, h)
		}
	}
	if !m.Load {
		j.valueBounds(a, m, f, idx, noise*qc, noiseDF)
	}

	a.required = j.detectableFor(m, analysis.KindValue)
	tail := 1.0
	if m.Direction == analysis.Either {
		tail = 2
	}
	a.detectable = func(al float64) (float64, string) {
		q := stats.TQuantile(1-al/tail, df)
		mde := f.relative(q*se, level)
		if se == 0 {
			mde = 0 // without noise or spread any change shows
		}
		return mde, fmt.Sprintf("with %d canary samples after the warm-up (worth %.1f independent ones) and %d stable pods "+
			"differing by %s, this look can detect a change of %s; %s must be detectable",
			n, 1/qc, len(dk), fmtSpread(float64(ev.Spread.Used)), fmtPct(mde), fmtPct(a.required))
	}
	return a
}

// valueFrame builds the grid, chooses the scale, cuts the warm-up and fits
// the stable pods' common level. ok is false when a side has no samples.
func (j *Judge) valueFrame(m analysis.Metric, d analysis.Data, s analysis.Settings) (valueFrame, bool) {
	var f valueFrame
	f.c, f.k = len(d.Canary), len(d.Stable)
	f.noisePrior = j.NoisePriorDF
	pods := make([]string, 0, f.c+f.k)
	var times [][]int64
	var values [][]float64
	last := int64(math.MinInt64)
	for _, series := range append(append([]analysis.Series{}, d.Canary...), d.Stable...) {
		pods = append(pods, series.Pod)
		ts := make([]int64, len(series.Points))
		vs := make([]float64, len(series.Points))
		for i, p := range series.Points {
			ts[i], vs[i] = p.T, p.V
			last = max(last, p.T)
		}
		times = append(times, ts)
		values = append(values, vs)
	}
	var loads [][]float64
	if m.Load {
		f.g, loads = loadGrid(s.Step.Milliseconds(), d)
	} else {
		f.g = newGrid(s.Step.Milliseconds(), pods, times, values)
	}
	present := presentValues(f.g.y)
	canaryRows, stableRows := rowRange(0, f.c), rowRange(f.c, f.c+f.k)
	f.cut = cutWarmup(present, canaryRows, stableRows, f.g.start, f.g.step, warmupFor(m, s), endOf(s, last))
	if f.cut.Start < 0 || countPresent(present, stableRows) == 0 {
		return f, false
	}
	if m.Load {
		f.noLoad = f.applyLoad(loads, present, j.spreadFor(m, analysis.KindValue), d)
		if f.noLoad != "" {
			return f, true
		}
		f.fitCentre()
		return f, true
	}
	f.log = true
	for r := range f.g.y {
		for i, v := range f.g.y[r] {
			if present[r][i] && v <= 0 {
				f.log = false
			}
		}
	}
	f.z = make([][]float64, len(f.g.y))
	f.raw = make([][]float64, len(f.g.y))
	for r := range f.g.y {
		f.z[r] = make([]float64, len(f.g.y[r]))
		f.raw[r] = make([]float64, len(f.g.y[r]))
		for i, v := range f.g.y[r] {
			switch {
			case !present[r][i]:
				f.z[r][i], f.raw[r][i] = math.NaN(), math.NaN()
			case f.log:
				f.z[r][i], f.raw[r][i] = math.Log(v), v
			default:
				f.z[r][i], f.raw[r][i] = v, v
			}
		}
	}
	f.fitCentre()
	return f, true
}

// fitCentre fits the stable pods' common level to z (the two-way fit) and
// estimates their noise and its autocorrelation.
func (f *valueFrame) fitCentre() {
	stable := f.z[f.c:]
	var b []float64
	f.mu, b = twoWayFit(stable)
	var res [][]float64
	f.sigma2, res, f.resDF = residualVariance(stable, f.mu, b)
	rho, _ := stats.PooledLag1(res)
	f.rho = clampRho(rho)
}

// canaryNoise returns the noise variance of one judged canary difference
// d_t and its degrees of freedom, from the deviations of d from its mean:
// under AR(1) noise the unbiased estimate is Σ(d − d̄)² / tr(S) with the
// Satterthwaite degrees of freedom of arQuadMoments. It is never taken
// below what a stable pod's noise would give (σ²_s·(1/C + 1/K)), and falls
// back on that when the canary's own estimate is not available.
func (f valueFrame) canaryNoise(d, pos []float64) (float64, float64) {
	own, df := math.NaN(), math.NaN()
	if len(d) >= 2 {
		tr, qdf := stats.MeanMoments(pos, f.rho)
		m := stats.Mean(d)
		var ss float64
		for _, v := range d {
			ss += (v - m) * (v - m)
		}
		if tr > 1e-12 {
			own, df = ss/tr, qdf
		}
	}
	return f.floorNoise(own, df)
}

// floorNoise combines a canary's own noise estimate (own, on df degrees of
// freedom) with what a stable pod's noise would give it, σ²_s·(1/C + 1/K):
// that value is a floor (a canary with less traffic is noisier, never
// quieter, than the stable pods under the null hypothesis), and it is also
// pooled with the canary's own estimate as prior knowledge worth
// Judge.NoisePriorDF degrees of freedom,
//
//	σ̂²_c = max(floor, (df·own + ν·floor)/(df + ν)),   df_c = df + ν,
//
// so that a handful of autocorrelated canary samples does not leave the
// test with one or two degrees of freedom. Without an own estimate the
// floor is used with the stable pods' degrees of freedom.
func (f valueFrame) floorNoise(own, df float64) (float64, float64) {
	floor := math.NaN()
	if !math.IsNaN(f.sigma2) && f.k > 0 {
		floor = f.sigma2 * (1/float64(f.c) + 1/float64(f.k))
	}
	switch {
	case !math.IsNaN(own) && (math.IsNaN(floor) || own >= floor):
		df = math.Max(df, 1)
		if math.IsNaN(floor) || f.noisePrior <= 0 {
			return own, df
		}
		return (df*own + f.noisePrior*floor) / (df + f.noisePrior), df + f.noisePrior
	case !math.IsNaN(floor):
		return floor, f.resDF
	}
	return math.NaN(), math.NaN()
}

// trendTest compares the canary's slope (of its difference from the
// stable pods' common level) with the stable pods' slopes.
func (j *Judge) trendTest(m analysis.Metric, f valueFrame, idx []int, d, pos []float64, level float64) *hypothesis {
	n := len(idx)
	if n < 3 {
		return nil
	}
	hours := float64(f.g.step) / float64(time.Hour/time.Millisecond)
	x := make([]float64, n)
	for i := range pos {
		x[i] = pos[i] * hours
	}
	w := stats.SlopeWeights(x)
	if w == nil {
		return nil
	}
	qs := stats.AR1Variance(w, pos, f.rho)
	beta := dot(w, d)
	// The canary's noise from its one-step differences, which a trend (and
	// a slow curvature such as a leak's) leaves nearly untouched.
	own, ownDF := math.NaN(), math.NaN()
	if pairs := stats.DifferencePairs(pos); pairs != nil {
		tr, qdf := stats.DifferenceMoments(pos, pairs, f.rho)
		u := stats.CentredDifferences(d, pairs)
		if tr > 1e-12 {
			own, ownDF = dot(u, u)/tr, qdf
		}
	}
	noise, noiseDF := f.floorNoise(own, ownDF)
	var slopes []float64
	var vs float64
	for r := f.c; r < f.c+f.k; r++ {
		var px, py, pp []float64
		for i, t := range idx {
			if v := f.z[r][t]; !math.IsNaN(v) {
				px = append(px, x[i])
				py = append(py, v-f.mu[t])
				pp = append(pp, pos[i])
			}
		}
		wk := stats.SlopeWeights(px)
		if len(px) < 3 || wk == nil {
			continue
		}
		slopes = append(slopes, dot(wk, py))
		if !math.IsNaN(f.sigma2) {
			vs += f.sigma2 * stats.AR1Variance(wk, pp, f.rho)
		}
	}
	if len(slopes) > 0 {
		vs /= float64(len(slopes))
	}
	pt := podTestInput{
		Canary: beta, Stable: slopes, StableNoise: vs,
		CanaryNoise: noise * qs, CanaryNoiseDF: noiseDF,
		Prior: 0, PriorPods: j.PriorPods, CanaryPods: f.c,
	}.run()
	p, side := directional(m.Direction, pt.Upper, pt.Lower, beta)
	growth := f.rate(beta, level) // relative growth per hour
	tol := m.TrendTolerance
	if tol <= 0 {
		tol = math.Max(m.Tolerance, 0)
	}
	gate := growth >= tol
	if side == analysis.Low {
		gate = growth <= -tol
	}
	se, df := pt.SE, pt.DF
	rank := rankAmong(beta, slopes)
	return &hypothesis{
		p: p, side: side, gate: gate,
		ev: analysis.TestEvidence{
			Name: "trend", Test: "one-vs-many t on time-matched slopes", Estimate: growth,
			Statistic: pt.T, DF: df,
			Text: fmt.Sprintf("canary changes by %s per hour relative to the stable pods (t = %.2f, df = %.1f; tolerance %s/h); slope %s",
				fmtPct(growth), pt.T, df, fmtPct(tol), rank.text()),
		},
		interval: func(a float64) *analysis.Interval {
			q := stats.TQuantile(1-a, df)
			return &analysis.Interval{
				Lower: f.rate(beta-q*se, level), Upper: f.rate(beta+q*se, level),
				Level: 1 - 2*a, Of: "relative growth per hour",
			}
		},
	}
}

// relative turns a difference on the frame's scale into a relative
// change: e^d − 1 on the log scale, d/|level| on the linear one.
func (f valueFrame) relative(d, level float64) float64 {
	if f.log {
		return math.Expm1(d)
	}
	return d / math.Abs(level)
}

// rate turns a slope on the frame's scale (per hour) into a relative
// growth rate per hour: the slope itself on the log scale (d log y/dt), the
// slope over |level| on the linear one.
func (f valueFrame) rate(beta, level float64) float64 {
	if f.log {
		return beta
	}
	return beta / math.Abs(level)
}

// centreRaw returns the stable pods' common level at grid point t on the
// raw scale.
func (f valueFrame) centreRaw(t int) float64 {
	if f.log {
		return math.Exp(f.mu[t])
	}
	return f.mu[t]
}

// effect returns Kayenta's effect sizes computed at the judged timestamps:
// the mean ratio Σ canary / Σ stable mean, and the common-language effect
// size over all (canary sample, stable sample) pairs taken at the same time.
func (f valueFrame) effect(idx []int) analysis.Effect {
	var cs, ss float64
	var wins, pairs float64
	for _, t := range idx {
		var c, s float64
		var nc, ns int
		for r := 0; r < f.c; r++ {
			if v := f.raw[r][t]; !math.IsNaN(v) {
				c += v
				nc++
			}
		}
		for r := f.c; r < f.c+f.k; r++ {
			if v := f.raw[r][t]; !math.IsNaN(v) {
				s += v
				ns++
				for q := 0; q < f.c; q++ {
					cv := f.raw[q][t]
					if math.IsNaN(cv) {
						continue
					}
					pairs++
					switch {
					case cv > v:
						wins++
					case cv == v:
						wins += 0.5
					}
				}
			}
		}
		if nc > 0 && ns > 0 {
			cs += c / float64(nc)
			ss += s / float64(ns)
		}
	}
	e := analysis.Effect{MeanRatio: math.NaN(), CLES: math.NaN()}
	if ss != 0 {
		e.MeanRatio = cs / ss
	}
	if pairs > 0 {
		e.CLES = wins / pairs
	}
	return e
}

// sideStats summarises the canary's judged samples and the stable pods'
// samples at the same timestamps.
func (f valueFrame) sideStats(idx []int) (canary, stable analysis.SideStats) {
	var cv, sv []float64
	for _, t := range idx {
		for r := 0; r < f.c+f.k; r++ {
			if v := f.raw[r][t]; !math.IsNaN(v) {
				if r < f.c {
					cv = append(cv, v)
				} else {
					sv = append(sv, v)
				}
			}
		}
	}
	canary, stable = describe(cv), describe(sv)
	canary.Pods, stable.Pods = f.c, f.k
	return canary, stable
}

// valueBounds adds the tests of the absolute bounds on the canary's level:
// the mean of its (log) values after the warm-up, with the noise of its
// difference from the stable pods' common level.
func (j *Judge) valueBounds(a *metricAnalysis, m analysis.Metric, f valueFrame, idx []int, noise, noiseDF float64) {
	hasMax, hasMin := !math.IsNaN(m.Max), !math.IsNaN(m.Min)
	if !hasMax && !hasMin {
		return
	}
	var lv []float64
	for _, t := range idx {
		var s float64
		var n int
		for r := 0; r < f.c; r++ {
			if v := f.z[r][t]; !math.IsNaN(v) {
				s += v
				n++
			}
		}
		lv = append(lv, s/float64(n))
	}
	mean := stats.Mean(lv)
	se := math.Sqrt(noise)
	value := mean
	if f.log {
		value = math.Exp(mean)
	}
	what := "mean"
	if f.log {
		what = "geometric mean"
	}
	bound := func(name string, b float64, upper bool) {
		tb := b
		if f.log {
			tb = math.Log(b) // -Inf for b <= 0: any positive value is above it
		}
		t := (mean - tb) / se
		up, lo := stats.TTails(t, noiseDF)
		if math.IsInf(tb, -1) {
			t, up, lo = math.Inf(1), 0, 1
		}
		p, side, beyond := up, analysis.High, value > b
		if !upper {
			p, side, beyond = lo, analysis.Low, value < b
		}
		rel := "above"
		if !upper {
			rel = "below"
		}
		h := &hypothesis{
			p: p, side: side, gate: true,
			ev: analysis.TestEvidence{
				Name: name, Test: "t on the canary's level", Estimate: value,
				Statistic: t, DF: noiseDF,
				Text: fmt.Sprintf("canary %s %s is %s the bound %s", what, fmtNum(value), rel, fmtNum(b)),
			},
			interval: func(al float64) *analysis.Interval {
				q := stats.TQuantile(1-al, noiseDF)
				lo, hi := mean-q*se, mean+q*se
				if f.log {
					lo, hi = math.Exp(lo), math.Exp(hi)
				}
				return &analysis.Interval{Lower: lo, Upper: hi, Level: 1 - 2*al, Of: "canary level"}
			},
		}
		if !beyond {
			h.ev.Text = fmt.Sprintf("canary %s %s is within the bound %s", what, fmtNum(value), fmtNum(b))
		}
		a.tests = append(a.tests, h)
		if beyond {
			a.boundNear = append(a.boundNear, fmt.Sprintf("the canary's %s %s is %s the bound %s but within its noise",
				what, fmtNum(value), rel, fmtNum(b)))
		}
		if badSide(m.Direction, upper) {
			a.within = append(a.within, boundWithin(h.interval, what, b, upper))
		}
	}
	if hasMax {
		bound("max", m.Max, true)
	}
	if hasMin {
		bound("min", m.Min, false)
	}
}

// badSide reports whether an upper (Max) or lower (Min) bound guards the
// metric's bad direction.
func badSide(d analysis.Direction, upper bool) bool {
	switch d {
	case analysis.Decrease:
		return !upper
	case analysis.Either:
		return true
	}
	return upper
}

// boundWithin returns the check that the canary's confidence interval at
// one-sided level a lies inside bound b (below a Max, above a Min), with a
// clause such as "the canary's ratio is below the bound 0.05 with
// confidence (upper limit 0.012 at one-sided level 2.3e-04)".
func boundWithin(interval func(a float64) *analysis.Interval, what string, b float64, upper bool) func(a float64) (bool, string) {
	return func(al float64) (bool, string) {
		iv := interval(al)
		if iv == nil {
			return false, ""
		}
		if upper {
			u := float64(iv.Upper)
			return u < b, fmt.Sprintf("the canary's %s is below the bound %s with confidence (upper limit %s at one-sided level %s)",
				what, fmtNum(b), fmtNum(u), fmtP(al))
		}
		l := float64(iv.Lower)
		return l > b, fmt.Sprintf("the canary's %s is above the bound %s with confidence (lower limit %s at one-sided level %s)",
			what, fmtNum(b), fmtNum(l), fmtP(al))
	}
}

// spreadFor returns the metric's prior pod spread.
func (j *Judge) spreadFor(m analysis.Metric, k analysis.Kind) float64 {
	if m.PodSpread > 0 {
		return m.PodSpread
	}
	if k == analysis.KindValue {
		return j.ValueSpread
	}
	return j.CountSpread
}

// detectableFor returns the change the metric's data must be able to show
// (0 when the check is off).
func (j *Judge) detectableFor(m analysis.Metric, k analysis.Kind) float64 {
	v := m.DetectableChange
	if v == 0 {
		switch k {
		case analysis.KindValue:
			v = j.ValueDetectable
		case analysis.KindRatio:
			v = j.RatioDetectable
		default:
			v = j.RateDetectable
		}
	}
	return math.Max(v, 0)
}

// outlierFactor returns the metric's Tukey factor.
func (j *Judge) outlierFactor(m analysis.Metric) float64 {
	if m.OutlierFactor > 0 {
		return m.OutlierFactor
	}
	if j.DefaultOutlierFactor > 0 {
		return j.DefaultOutlierFactor
	}
	return DefaultOutlierFactor
}

// dropOutliers keeps the values inside Tukey's fences (with their
// positions).
func dropOutliers(idx []int, v []float64, factor float64) ([]int, []float64) {
	lo, hi := stats.IQRFences(v, factor, false)
	var oi []int
	var ov []float64
	for i, x := range v {
		if x >= lo && x <= hi {
			oi = append(oi, idx[i])
			ov = append(ov, x)
		}
	}
	return oi, ov
}

// dot returns Σ a_i b_i.
func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// rowRange returns [from, to).
func rowRange(from, to int) []int {
	out := make([]int, 0, to-from)
	for r := from; r < to; r++ {
		out = append(out, r)
	}
	return out
}

// countPresent counts the present samples of the given rows.
func countPresent(present [][]bool, rows []int) int {
	n := 0
	for _, r := range rows {
		for _, ok := range present[r] {
			if ok {
				n++
			}
		}
	}
	return n
}

// countFinite counts the finite samples of the series.
func countFinite(series []analysis.Series) int {
	n := 0
	for _, s := range series {
		for _, p := range s.Points {
			if !math.IsNaN(p.V) && !math.IsInf(p.V, 0) {
				n++
			}
		}
	}
	return n
}

// describe summarises samples for a result's side; the caller sets Pods.
func describe(x []float64) analysis.SideStats {
	s := stats.Summarize(x)
	return analysis.SideStats{Count: s.N, Mean: s.Mean, Median: s.Median, Min: s.Min, Max: s.Max}
}

// describePods summarises all finite samples of the series.
func describePods(series []analysis.Series) analysis.SideStats {
	var v []float64
	for _, s := range series {
		for _, p := range s.Points {
			if !math.IsNaN(p.V) && !math.IsInf(p.V, 0) {
				v = append(v, p.V)
			}
		}
	}
	st := describe(v)
	st.Pods = len(series)
	return st
}

// canaryWithoutData classifies a metric whose stable pods have data but
// whose canary has no sample in the window: a pod's application series
// appear with its first scrape (or its first request), so a young canary,
// or one whose container is down, has none yet. That is too little data,
// not a regression: NotEnoughData, which caps the verdict at Inconclusive,
// unless the metric's NoData policy is fail (then NoData, which counts
// against the canary as the rule asks).
func canaryWithoutData(m analysis.Metric, reason string) (analysis.Classification, string) {
	if m.NoData == analysis.NoDataFail {
		return analysis.NoData, reason
	}
	return analysis.NotEnoughData, "not enough data: the canary has no sample of this metric in the window yet (" +
		strings.TrimPrefix(reason, "no data: ") + "); the stable pods have"
}

// noDataReason says which side had no data.
func noDataReason(canaryPods, stablePods, canarySamples, stableSamples int) string {
	switch {
	case canaryPods == 0:
		return "no data: no canary pod has this metric"
	case canarySamples == 0:
		return fmt.Sprintf("no data: the canary's %d pod(s) have no samples", canaryPods)
	case stablePods == 0:
		return "no data: no stable pod has this metric"
	default:
		return fmt.Sprintf("no data: the %d stable pod(s) have no samples", stablePods)
	}
}

// joinPods names the canary's pods.
func joinPods(p []string) string {
	s := ""
	for i, x := range p {
		if i > 0 {
			s += "+"
		}
		s += x
	}
	return s
}
