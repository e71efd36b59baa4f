package analysis

import (
	"math"
	"sort"
)

// Holm returns Holm's step-down adjusted p-values of p, as R's
// p.adjust(p, "holm"): with the m non-NaN p-values sorted ascending,
//
//	p̃_(i) = max_{j ≤ i} min(1, (m − j + 1)·p_(j)).
//
// Rejecting every hypothesis with p̃ ≤ α keeps the chance of one or more
// false rejections at most α whatever the dependence between the tests.
// NaN entries stay NaN and do not count in m. p is not modified.
func Holm(p []float64) []float64 {
	out := make([]float64, len(p))
	idx := make([]int, 0, len(p))
	for i, v := range p {
		out[i] = math.NaN()
		if !math.IsNaN(v) {
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool { return p[idx[a]] < p[idx[b]] })
	m := len(idx)
	run := 0.0
	for j, i := range idx {
		run = math.Max(run, math.Min(1, float64(m-j)*p[i]))
		out[i] = run
	}
	return out
}

// holmLevels returns, for each p-value, the significance level Holm's
// procedure at family level alpha compares it with: alpha/(m − j + 1) for
// the j-th smallest (1-based) while the procedure is still rejecting, and
// for the rest the level at which it stopped. NaN p-values get NaN. A
// hypothesis is rejected exactly when its adjusted p-value is at most alpha.
func holmLevels(p []float64, alpha float64) []float64 {
	out := make([]float64, len(p))
	idx := make([]int, 0, len(p))
	for i, v := range p {
		out[i] = math.NaN()
		if !math.IsNaN(v) {
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool { return p[idx[a]] < p[idx[b]] })
	m := len(idx)
	stopped := false
	var level float64
	for j, i := range idx {
		if !stopped {
			level = alpha / float64(m-j)
			if p[i] > level {
				stopped = true
			}
		}
		out[i] = level
	}
	return out
}

// weightedHolmLevels returns, for each p-value, the level the weighted Holm
// procedure at family level alpha compares it with (Holm 1979, section 4):
// with weights w > 0 and R the hypotheses not yet rejected, the hypothesis
// with the smallest p_i/w_i is rejected when
//
//	p_i ≤ alpha · w_i / Σ_{j ∈ R} w_j,
//
// and the procedure stops at the first that is not; the rest keep the
// level computed at that step. The chance of one or more false rejections
// stays at most alpha whatever the dependence between the tests. Equal
// weights give holmLevels. NaN p-values get NaN and do not count.
func weightedHolmLevels(p, w []float64, alpha float64) []float64 {
	out := make([]float64, len(p))
	idx := make([]int, 0, len(p))
	var total float64
	for i, v := range p {
		out[i] = math.NaN()
		if !math.IsNaN(v) {
			idx = append(idx, i)
			total += w[i]
		}
	}
	sort.SliceStable(idx, func(a, b int) bool { return p[idx[a]]/w[idx[a]] < p[idx[b]]/w[idx[b]] })
	stopped := false
	for _, i := range idx {
		level := alpha * w[i] / total
		if !stopped && p[i] > level {
			stopped = true
		}
		out[i] = level
		if !stopped {
			total -= w[i]
		}
	}
	return out
}
