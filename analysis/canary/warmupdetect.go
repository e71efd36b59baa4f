package canary

import (
	"math"
	"slices"
	"time"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/analysis/stats"
)

// A fixed warm-up cut is either too short for a strong warm-up, which then
// leaks into the comparison, or too long for a short one, which wastes the
// canary's first minutes; and how much it leaks depends on where the
// canary's first sample falls on the step grid. So the rule's Warmup is the
// least the judge cuts, and it extends the cut, up to MaxWarmup, while the
// canary's own data still show a warm-up: a transient at its start that
// the stable pods do not show at the same times.
//
// The canary's differences from the stable pods' common level,
// e_t = z_c[t] − μ[t], are time-matched, so whatever every pod shares
// (traffic, a slow dependency) has already cancelled. For each canary pod,
// from its first sample after the minimal cut on, the judge compares the
// first block of h samples (one minute) with every later sample,
//
//	D = mean(e over the block) − mean(e after it),
//	Var(D) = σ²·Σ_s Σ_t w_s w_t ρ^|s−t|     (w = 1/h on the block, −1/n_rest after it),
//
// and drops the block's first sample while D lies beyond the one-sided 5%
// point in the metric's bad direction (z ≥ 1.645: the block is worse than
// what follows), stopping at the first block that is not, at MaxWarmup
// after the pod's first sample, or when fewer than two samples would be
// left to compare with. σ² is the canary's own noise per sample, from the
// median of its absolute one-step differences (robust to the warm-up's
// decay itself and to a start-up burst: σ = median|Δe|/0.6745/√(2(1−ρ))),
// never less than a stable pod's noise around the centre, σ²_s(1 + 1/K);
// ρ is the stable pods' lag-one autocorrelation.
//
// Only samples that look worse than the rest are dropped: the extension can
// hide part of a regression that fades (which is then no regression at
// the canary's later level), never make one. A regression that is there
// from the start is not a transient (its first minute is no worse than the
// rest) and keeps its data; a warm-up on top of a regression is cut and the
// regression judged on what follows.
const (
	// warmupBlock is the length of the block compared with the rest.
	warmupBlock = time.Minute
	// warmupZ is the one-sided 5% point of the standard normal.
	warmupZ = 1.6448536269514722
)

// extendWarmup extends the canary's warm-up cut of a value frame whose
// centre is fitted (see above); dir is the metric's direction and max its
// MaxWarmup.
func (f *valueFrame) extendWarmup(dir analysis.Direction, longest time.Duration) {
	if longest <= f.cut.Warmup || f.cut.OlderThanWindow {
		return
	}
	f.cut.Max = longest
	floor := math.NaN()
	if !math.IsNaN(f.sigma2) && f.k > 0 {
		floor = f.sigma2 * (1 + 1/float64(f.k))
	}
	h := max(1, int64(warmupBlock)/(f.g.step*int64(time.Millisecond)))
	for r := 0; r < f.c; r++ {
		first := f.cut.first[r]
		if first < 0 {
			continue
		}
		var pos []int
		var e []float64
		for i := first; i < len(f.z[r]); i++ {
			if !math.IsNaN(f.z[r][i]) && !math.IsNaN(f.mu[i]) {
				pos = append(pos, i)
				e = append(e, f.z[r][i]-f.mu[i])
			}
		}
		sigma2 := robustNoise(pos, e, f.rho, floor)
		if math.IsNaN(sigma2) || sigma2 <= 0 {
			continue
		}
		drop := 0
		for drop < len(pos) && time.Duration(int64(pos[drop]-first)*f.g.step)*time.Millisecond < longest {
			n := len(pos) - drop
			if n-int(h) < 2 {
				break
			}
			if !worseBlock(pos[drop:], e[drop:], int(h), f.rho, sigma2, dir) {
				break
			}
			drop++
		}
		for _, i := range pos[:drop] {
			f.z[r][i], f.raw[r][i] = math.NaN(), math.NaN()
		}
		if drop > 0 {
			f.cut.Extra += drop
			f.cut.Dropped += drop
			f.cut.Kept -= drop
			end := time.Duration(int64(pos[drop]-first)*f.g.step) * time.Millisecond
			if drop == len(pos) {
				end = longest
			}
			f.cut.Extended = max(f.cut.Extended, end)
		}
	}
}

// worseBlock reports whether the first h values of e are worse, in the
// direction dir, than the values after them, at the one-sided 5% level
// with AR(1) noise of variance sigma2 and autocorrelation rho (positions
// pos on the grid).
func worseBlock(pos []int, e []float64, h int, rho, sigma2 float64, dir analysis.Direction) bool {
	n := len(e)
	w := make([]float64, n)
	p := make([]float64, n)
	var d float64
	for i := range e {
		p[i] = float64(pos[i])
		if i < h {
			w[i] = 1 / float64(h)
		} else {
			w[i] = -1 / float64(n-h)
		}
		d += w[i] * e[i]
	}
	v := sigma2 * stats.AR1Variance(w, p, rho)
	if !(v > 0) {
		return false
	}
	z := d / math.Sqrt(v)
	switch dir {
	case analysis.Decrease:
		return -z >= warmupZ
	case analysis.Either:
		return math.Abs(z) >= warmupZ
	}
	return z >= warmupZ
}

// robustNoise returns the noise variance per sample of the values e at
// grid positions pos: from the median absolute difference of neighbours one
// step apart, σ = median|Δe|/0.6745/√(2(1−ρ)) (a level, a slow drift and a
// single burst leave it nearly untouched), never below floor (NaN floor:
// no floor). Without two neighbouring pairs it is the floor.
func robustNoise(pos []int, e []float64, rho, floor float64) float64 {
	var diffs []float64
	for i := 0; i+1 < len(e); i++ {
		if pos[i+1]-pos[i] == 1 {
			diffs = append(diffs, math.Abs(e[i+1]-e[i]))
		}
	}
	if len(diffs) < 2 {
		return floor
	}
	slices.Sort(diffs)
	med := diffs[len(diffs)/2]
	if len(diffs)%2 == 0 {
		med = (diffs[len(diffs)/2-1] + diffs[len(diffs)/2]) / 2
	}
	s := med / 0.6744897501960817
	v := s * s / (2 * (1 - rho))
	if math.IsNaN(floor) || v > floor {
		return v
	}
	return floor
}
