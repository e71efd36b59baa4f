package stats

import (
	"math"
	"sort"
)

// WeightedHolmLevels returns, for each p-value, the level the weighted Holm
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
func WeightedHolmLevels(p, w []float64, alpha float64) []float64 {
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
