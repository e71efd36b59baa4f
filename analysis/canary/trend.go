package canary

import (
	"fmt"
	"math"
	"time"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/analysis/stats"
)

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

// dot returns Σ a_i b_i.
func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}
