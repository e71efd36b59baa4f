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
	// stableCut counts the stable pods that started in the window and lost
	// their warm-up (cutStarts); peers are the stable rows that started
	// with the canary and are cut as it is (peerRows).
	stableCut int
	peers     []int
	// load is the stable pods' load model of a metric with Metric.Load
	// (nil otherwise); x holds every pod's load on the grid and dz the
	// derivative of z with respect to the model's slope.
	load   *loadFit
	x, dz  [][]float64
	noLoad string
	// noisePrior is Judge.NoisePriorDF.
	noisePrior float64
}

// analyseValues judges a value metric: the canary's mean difference from
// the stable pods' common level at the judged timestamps (judgedSteps) is
// compared with the stable pods' own (stableDifferences) by the
// one-against-many test (levelTest), with the metric's trend and absolute
// bounds as further tests, and the change the data could reveal
// (valueDetectable).
func (j *Judge) analyseValues(m analysis.Metric, d analysis.Data, s analysis.Settings) *metricAnalysis {
	a := newAnalysis(m, valueTest(true, false), "log")
	ev := a.result.Evidence
	ev.Method = valueMethod(true, false)

	f, ok := j.valueFrame(m, d, s)
	a.age = f.cut.Age
	ev.Warmup = warmupEvidence(f.cut)
	a.result.WarmupEnd = f.cut.end()
	if !ok {
		a.preset, a.presetReason = missingData(m,
			noDataClause(len(d.Canary), len(d.Stable), countFinite(d.Canary), countFinite(d.Stable)),
			f.cut.Start < 0 && countFinite(d.Stable) > 0)
		if f.cut.Start >= 0 && countFinite(d.Stable) > 0 {
			// The stable pods have samples, all of them young: cut as
			// warm-up (their own, or the canary's for its peers).
			var cuts []string
			if len(f.peers) > 0 {
				cuts = append(cuts, fmt.Sprintf("%d started with the canary and are cut as it is", len(f.peers)))
			}
			if f.stableCut > 0 {
				cuts = append(cuts, fmt.Sprintf("%d started in the window and lose their first %s",
					f.stableCut, roundDuration(maxWarmupFor(m, s))))
			}
			a.preset = analysis.NotEnoughData
			a.presetReason = fmt.Sprintf("not enough data: every sample of the %d stable pod(s) falls in a warm-up cut "+
				"(%s)", len(d.Stable), strings.Join(append(cuts, f.cut.text()), "; "))
		}
		a.result.Canary = describePods(d.Canary)
		a.result.Stable = describePods(d.Stable)
		return a
	}
	if !f.log {
		ev.Scale = "linear"
	}
	a.result.Test, ev.Method = valueTest(f.log, m.Load), valueMethod(f.log, m.Load)
	if m.Load && f.noLoad != "" {
		a.preset = analysis.NotEnoughData
		a.presetReason = "not enough data: " + f.noLoad
		a.result.Canary = describePods(d.Canary)
		a.result.Stable = describePods(d.Stable)
		return a
	}

	idx, dvals := j.judgedSteps(m, f)
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
	level := f.meanLevel(idx)
	dc := stats.Mean(dvals)
	st := j.stableDifferences(m, f, idx, level)
	ev.Pods = append([]analysis.PodEvidence{{Pod: strings.Join(f.g.pods[:f.c], "+"), Canary: true, Relative: f.relative(dc, level), Points: n}}, st.pods...)
	rank := rankAmong(dc, st.dk)
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
		cl, _ := f.meanLoads(idx)
		v, df := f.load.slopeVariance(cl)
		slopeVar, slopeDF = g*g*v, df
		ev.Load = f.loadEvidence(idx, g, v)
	}
	pt := podTestInput{
		Canary: dc, Stable: st.dk, StableNoise: st.vs,
		CanaryNoise: noise * qc, CanaryNoiseDF: noiseDF,
		Prior: prior, PriorPods: j.PriorPods, CanaryPods: f.c,
		Extra: slopeVar, ExtraDF: slopeDF,
	}.run()
	ev.Spread = f.spreadEvidence(pt, st, prior, spread, j.PriorPods, level)

	change := f.relative(dc, level)
	a.result.Estimate = change
	a.result.Effect = f.effect(idx)
	at := "at the same times"
	if m.Load {
		at = "at the same times and load"
	}
	levels := medians(m, a.result.Canary, a.result.Stable)
	a.summary = fmt.Sprintf("canary %s%s vs the stable pods %s; %s; pods differ by %s",
		fmtPct(change), levels, at, rank.text(), fmtSpread(ev.Spread.Used))
	a.tests = append(a.tests, levelTest(m, f, pt, dc, level, a.result.Test, levels, at, a.result.Effect, rank))
	if m.Load {
		j.confirmOutsideLoads(m, d, s, f, idx, a.tests[0])
	}
	if m.Trend {
		if h := j.trendTest(m, f, idx, dvals, pos, level, rank); h != nil {
			a.tests = append(a.tests, h)
		}
	}
	if !m.Load {
		j.valueBounds(a, m, f, idx, noise*qc, noiseDF)
	}
	a.required = j.detectableFor(m, analysis.KindValue)
	a.detectable = valueDetectable(m, f, pt, level, a.required, n, 1/qc, len(st.dk), ev.Spread.Used)
	a.band = valueBand(f, level, a.required)
	return a
}

// valueTest names the test of a value metric.
func valueTest(log, load bool) string {
	t := "one-vs-many t on time-matched log ratios"
	if !log {
		t = "one-vs-many t on time-matched differences"
	}
	if load {
		t += " to the stable pods' load model"
	}
	return t
}

// valueMethod says in one sentence how a value metric is judged.
func valueMethod(log, load bool) string {
	const judged = "the canary's mean difference is judged against the spread of the stable pods' own mean differences " +
		"(pooled with the metric's pod-spread prior) plus AR(1) noise"
	if !load {
		return "Each pod's value is compared with the stable pods' common level at the same timestamps; " + judged + "."
	}
	adjusted := "is divided by what"
	if !log {
		adjusted = "less the slope times its load's distance from the stable pods' mean load is compared with what"
	}
	return "Each pod's value " + adjusted + " the stable pods' load model (an idle part plus a slope per unit " +
		"of load, fitted within the stable pods) predicts at its own load, then compared with the stable pods' " +
		"common level at the same timestamps; " + judged + " and the uncertainty of the fitted slope."
}

// judgedSteps returns the judged grid points, where the canary has a
// sample after its warm-up and the stable pods have a common level, with
// the canary's mean difference from that level at each (Tukey's fences
// applied when the metric removes outliers).
func (j *Judge) judgedSteps(m analysis.Metric, f valueFrame) (idx []int, dvals []float64) {
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
	return idx, dvals
}

// meanLevel returns the stable pods' mean level at the judged timestamps
// (raw scale).
func (f valueFrame) meanLevel(idx []int) float64 {
	level := 0.0
	for _, t := range idx {
		level += f.centreRaw(t)
	}
	return level / float64(len(idx))
}

// stableDiffs are the stable pods' own mean differences from their common
// level at the judged timestamps.
type stableDiffs struct {
	// dk holds each pod's mean difference and vs the variance one pod's
	// owes to the noise in the window; pods is their evidence.
	dk   []float64
	vs   float64
	pods []analysis.PodEvidence
}

// stableDifferences measures every stable pod as the canary is measured.
func (j *Judge) stableDifferences(m analysis.Metric, f valueFrame, idx []int, level float64) stableDiffs {
	var st stableDiffs
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
		st.dk = append(st.dk, stats.Mean(vals))
		if !math.IsNaN(f.sigma2) {
			st.vs += f.sigma2 * stats.AR1Variance(stats.MeanWeights(len(p)), p, f.rho)
		}
		st.pods = append(st.pods, analysis.PodEvidence{Pod: f.g.pods[r], Relative: f.relative(stats.Mean(vals), level), Points: len(vals)})
	}
	if len(st.dk) > 0 {
		st.vs /= float64(len(st.dk))
	}
	return st
}

// spreadEvidence describes the spread between pods the canary was judged
// against, relative to the level on the linear scale.
func (f valueFrame) spreadEvidence(pt podTest, st stableDiffs, prior, spread, priorPods, level float64) *analysis.SpreadEvidence {
	ev := &analysis.SpreadEvidence{
		Observed: pt.Observed, Between: pt.Between,
		Prior: prior, PriorPods: priorPods, Used: pt.Pooled,
		Noise: math.Sqrt(st.vs), Pods: len(st.dk),
	}
	if !f.log {
		a := math.Abs(level)
		ev.Observed, ev.Between, ev.Used, ev.Noise = pt.Observed/a, pt.Between/a, pt.Pooled/a, ev.Noise/a
		ev.Prior = spread
	}
	return ev
}

// levelTest is the hypothesis that the canary's level is worse than the
// stable pods' (the one-against-many test pt of its mean difference dc).
func levelTest(m analysis.Metric, f valueFrame, pt podTest, dc, level float64, test, levels, at string, eff analysis.Effect, rank podRank) *hypothesis {
	change := f.relative(dc, level)
	p, side := directional(m.Direction, pt.Upper, pt.Lower, dc)
	gate, crit := effectGate(m, eff, side)
	se, df := pt.SE, pt.DF
	return &hypothesis{
		p: p, side: side, gate: gate, critical: crit,
		ev: analysis.TestEvidence{
			Name: "level", Test: test, Estimate: change,
			Statistic: pt.T, DF: df,
			Text: fmt.Sprintf("canary %s%s vs the stable pods %s (t = %.2f, df = %.1f); %s",
				fmtPct(change), levels, at, pt.T, df, rank.text()),
		},
		interval: func(a float64) *analysis.Interval {
			q := stats.TQuantile(1-a, df)
			return &analysis.Interval{
				Lower: f.relative(dc-q*se, level), Upper: f.relative(dc+q*se, level),
				Level: 1 - 2*a, Of: "relative change (canary/stable − 1)",
			}
		},
	}
}

// valueDetectable returns the smallest relative change the level test
// reveals half of the time at per-test level a, with the clause that says
// so: n canary samples worth effective independent ones, k stable pods
// differing by used.
func valueDetectable(m analysis.Metric, f valueFrame, pt podTest, level, required float64, n int, effective float64, k int, used float64) func(a float64) (float64, string) {
	tail := 1.0
	if m.Direction == analysis.Either {
		tail = 2
	}
	se, df := pt.SE, pt.DF
	return func(al float64) (float64, string) {
		q := stats.TQuantile(1-al/tail, df)
		mde := f.relative(q*se, level)
		if se == 0 {
			mde = 0 // without noise or spread any change shows
		}
		return mde, fmt.Sprintf("with %d canary samples after the warm-up (worth %.1f independent ones) and %d stable pods "+
			"differing by %s, this look can detect a change of %s; %s must be detectable",
			n, effective, k, fmtSpread(used), fmtPct(mde), fmtPct(required))
	}
}

// valueBand returns the changes a value metric's data must rule out to
// pass without the power for its detectable change: required upwards, and
// downwards as far on the frame's scale (1/(1 + required) − 1 on the log
// scale, −required on the linear one).
func valueBand(f valueFrame, level, required float64) *changeBand {
	r := required * math.Abs(level)
	if f.log {
		r = math.Log1p(required)
	}
	return &changeBand{Down: f.relative(-r, level), Up: f.relative(r, level)}
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
	f.cut = cutWarmup(present, canaryRows, stableRows, f.g.start, f.g.step, warmupFor(m, s), endOf(s, last), s.Start)
	f.peers = peerRows(present, stableRows, f.g.start, f.g.step, f.cut)
	var fitPresent [][]bool
	if m.Load && len(f.peers) > 0 {
		fitPresent = clonePresent(present)
		cutStarts(fitPresent, stableRows, f.g.start, f.g.step, s.Start, maxWarmupFor(m, s))
	}
	f.stableCut = cutStarts(present, without(stableRows, f.peers), f.g.start, f.g.step, s.Start, maxWarmupFor(m, s))
	cutPeers(present, f.peers, f.g.start, f.g.step, f.cut.Start, f.cut.Warmup)
	if f.cut.Start < 0 || countPresent(present, stableRows) == 0 {
		return f, false
	}
	if m.Load {
		f.noLoad = f.applyLoad(loads, present, fitPresent, j.spreadFor(m, analysis.KindValue), d, maxWarmupFor(m, s))
		if f.noLoad != "" {
			return f, true
		}
		f.fitCentre()
		f.extendWarmup(m.Direction, maxWarmupFor(m, s))
		f.cutPeersExtended()
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
	f.extendWarmup(m.Direction, maxWarmupFor(m, s))
	f.cutPeersExtended()
	return f, true
}

// cutPeersExtended cuts the peers (peerRows) where the canary's own data
// extended its warm-up cut, to the same timestamps, and fits the centre
// again without those samples.
func (f *valueFrame) cutPeersExtended() {
	if len(f.peers) == 0 || f.cut.Extended <= f.cut.Warmup {
		return
	}
	present := presentValues(f.z)
	cutPeers(present, f.peers, f.g.start, f.g.step, f.cut.Start, f.cut.Extended)
	for _, r := range f.peers {
		for i, ok := range present[r] {
			if !ok {
				f.z[r][i], f.raw[r][i] = math.NaN(), math.NaN()
			}
		}
	}
	f.fitCentre()
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
// stable pods' common level) with the stable pods' slopes; levelRank is
// where the canary's level ranks among the stable pods' (holdFillUp).
func (j *Judge) trendTest(m analysis.Metric, f valueFrame, idx []int, d, pos []float64, level float64, levelRank podRank) *hypothesis {
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
	// A growth that does not follow a straight line (a memory fill-up that
	// slows down) leaves the one-step differences nearly untouched too, but
	// not the residuals about the canary's own fitted line: the larger of
	// the two estimates is used, so that a curve the linear trend does not
	// fit widens the test instead of firing it (both estimate the same
	// noise when the trend is a line).
	if tr, ldf := stats.LineMoments(pos, f.rho); tr > 1e-12 {
		mx, md := stats.Mean(x), stats.Mean(d)
		var rss float64
		for i := range d {
			e := d[i] - md - beta*(x[i]-mx)
			rss += e * e
		}
		if lof := rss / tr; math.IsNaN(own) || lof > own {
			own, ownDF = lof, ldf
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
	late := lateGrowth(f, x, d, level, growth)
	gate := growth >= tol && late >= tol
	if side == analysis.Low {
		gate = growth <= -tol && late <= -tol
	}
	se, df := pt.SE, pt.DF
	rank := rankAmong(beta, slopes)
	h := &hypothesis{
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
	if slowed := (side == analysis.High && growth >= tol && late < tol) || (side == analysis.Low && growth <= -tol && late > -tol); slowed {
		h.ev.Text += fmt.Sprintf("; but %s per hour over the later half of its samples: a growth that slows down is a fill-up, not a leak", fmtPct(late))
	}
	holdFillUp(h, f.relative(stats.Mean(d), level), levelRank)
	return h
}

// lateGrowth is the canary's relative growth per hour over the later half
// of its judged samples (x in hours, d its differences from the stable
// centre), or growth where the later half has fewer than two samples (at
// the first look that judges a trend, four samples after a memory warm-up,
// the later half is two: their difference, a noisy estimate; the gate only
// adds a condition, so its noise can make a leak wait for a later look but
// never fail a healthy canary). A
// leak keeps its pace (a constant leak in bytes slows on the log scale
// only as the level grows, by a few percent over an analysis); a fill-up
// that outlasts the warm-up cut slows down towards its steady level, and
// may pass every stable pod's level before it stops. So the trend's gate
// asks the later half to grow beyond the tolerance as well: a growth that
// falls below it by the end of the window is not counted as a leak.
func lateGrowth(f valueFrame, x, d []float64, level, growth float64) float64 {
	half := len(x) / 2
	if len(x)-half < 2 {
		return growth
	}
	w := stats.SlopeWeights(x[half:])
	if w == nil {
		return growth
	}
	return f.rate(dot(w, d[half:]), level)
}

// holdFillUp keeps a trend from failing a canary whose level has not
// passed the stable pods' in the direction of its growth: a fresh pod's
// memory fills up towards its own steady level, for minutes or, with large
// caches, tens of minutes, and within the first minutes that growth cannot
// be told from a leak by its shape. A healthy pod's steady level lies
// among the stable pods' (they differ by their own spread); a leak takes
// the canary past all of them, a fill-up stops among them. So a trend in
// the bad direction counts only once the canary's level (its mean
// difference from the stable centre over the judged samples) lies beyond
// every stable pod's (rank, as the level test ranks it); before that a
// significant trend makes the metric NotEnoughData with the reason
// (hypothesis.confirm), never a failure; a trend within the tolerance is
// left alone. change is the canary's level relative to the stable pods'.
func holdFillUp(h *hypothesis, change float64, rank podRank) {
	beyond := rank.Position == rank.Of
	if h.side == analysis.Low {
		beyond = rank.Position == 1
	}
	if beyond || rank.Of <= 1 || !h.gate {
		return
	}
	h.modelP, h.claim, h.held = h.p, "the canary grows faster than the stable pods: "+h.ev.Text, true
	h.confirm = fmt.Sprintf("its level has not passed every stable pod's (%s; %s): a fill-up that stops among "+
		"their levels cannot be told from a leak until it passes them all", fmtPct(change), rank.text())
	h.ev.Text += "; " + h.confirm
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
		p, side := up, analysis.High
		if !upper {
			p, side = lo, analysis.Low
		}
		a.addBound(&hypothesis{
			p: p, side: side, gate: true,
			ev: analysis.TestEvidence{
				Name: name, Test: "t on the canary's level", Estimate: value,
				Statistic: t, DF: noiseDF,
				Text: fmt.Sprintf("canary %s %s is %s the bound %s", what, fmtValue(m, value), relation(upper), fmtBound(m, b)),
			},
			interval: func(al float64) *analysis.Interval {
				q := stats.TQuantile(1-al, noiseDF)
				lo, hi := mean-q*se, mean+q*se
				if f.log {
					lo, hi = math.Exp(lo), math.Exp(hi)
				}
				return &analysis.Interval{Lower: lo, Upper: hi, Level: 1 - 2*al, Of: "canary level"}
			},
		}, what, value, b, upper)
	}
	if hasMax {
		bound("max", m.Max, true)
	}
	if hasMin {
		bound("min", m.Min, false)
	}
}

// addBound adds h, the test of the absolute bound b (upper: a Max, else a
// Min) on the canary's what, whose value is value: with the sentence that
// the value is within the bound when it is, the clause that it is beyond
// the bound but within its noise when it is not (a metric with such a
// clause is never a plain Pass), and, for a bound that guards the metric's
// bad direction, the check that lets the metric pass on it.
func (a *metricAnalysis) addBound(h *hypothesis, what string, value, b float64, upper bool) {
	beyond := value > b
	if !upper {
		beyond = value < b
	}
	m := a.metric
	if beyond {
		a.boundNear = append(a.boundNear, fmt.Sprintf("the canary's %s %s is %s the bound %s but within its noise",
			what, fmtValue(m, value), relation(upper), fmtBound(m, b)))
	} else {
		h.ev.Text = fmt.Sprintf("canary %s %s is within the bound %s", what, fmtValue(m, value), fmtBound(m, b))
	}
	a.tests = append(a.tests, h)
	if badSide(m.Direction, upper) {
		a.within = append(a.within, boundWithin(h.interval, m, what, b, upper))
	}
}

// relation says where a value beyond an upper (Max) or lower (Min) bound
// lies.
func relation(upper bool) string {
	if upper {
		return "above"
	}
	return "below"
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
func boundWithin(interval func(a float64) *analysis.Interval, m analysis.Metric, what string, b float64, upper bool) func(a float64) (bool, string) {
	return func(al float64) (bool, string) {
		iv := interval(al)
		if iv == nil {
			return false, ""
		}
		if upper {
			u := float64(iv.Upper)
			return u < b, fmt.Sprintf("the canary's %s is below the bound %s with confidence (upper limit %s at one-sided level %s)",
				what, fmtBound(m, b), fmtValue(m, u), fmtP(al))
		}
		l := float64(iv.Lower)
		return l > b, fmt.Sprintf("the canary's %s is above the bound %s with confidence (lower limit %s at one-sided level %s)",
			what, fmtBound(m, b), fmtValue(m, l), fmtP(al))
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

// missingData classifies a metric with a side without samples: NoData,
// saying which side (noDataClause). When only the canary lacks samples in
// the window (canaryOnly: its stable pods have data) it is NotEnoughData
// instead: a pod's application series appear with its first scrape (or its
// first request), so a young canary, or one whose container is down, has
// none yet. That is too little data, not a regression, and caps the
// verdict at Inconclusive, unless the metric's NoData policy is fail (then
// NoData, which counts against the canary as the rule asks).
func missingData(m analysis.Metric, clause string, canaryOnly bool) (analysis.Classification, string) {
	if canaryOnly && m.NoData != analysis.NoDataFail {
		return analysis.NotEnoughData, "not enough data: the canary has no sample of this metric in the window yet (" +
			clause + "); the stable pods have"
	}
	return analysis.NoData, "no data: " + clause
}

// noDataClause says which side had no data.
func noDataClause(canaryPods, stablePods, canarySamples, stableSamples int) string {
	switch {
	case canaryPods == 0:
		return "no canary pod has this metric"
	case canarySamples == 0:
		return fmt.Sprintf("the canary's %d pod(s) have no samples", canaryPods)
	case stablePods == 0:
		return "no stable pod has this metric"
	default:
		return fmt.Sprintf("the %d stable pod(s) have no samples", stablePods)
	}
}
