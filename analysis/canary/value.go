package canary

import (
	"fmt"
	"math"
	"strings"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/analysis/stats"
)

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
