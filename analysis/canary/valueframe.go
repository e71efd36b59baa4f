package canary

import (
	"math"

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
