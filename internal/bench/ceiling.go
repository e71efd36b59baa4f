package bench

import (
	"math"
	"sort"
)

// Ceiling is the most any judge could detect of the large regressions
// with the run's false-alarm rate α split between the metrics at its
// best: the split that maximises the mean over the large families'
// instances of BestWithData, each metric spending its part at the one
// look at DetectBy with its data window (Budget.Window). A judge that
// answers at several looks, or estimates the spreads that BestWithData
// knows, detects less; a family with no model (a memory leak) counts as
// always detected, so the ceiling is generous. The misfit families (a
// World) are left out: BestWithData does not model their physics.
type Ceiling struct {
	// Levels is each metric's part of α, and Detected the share of the
	// large regressions that metric sees which it then detects.
	Levels, Detected map[string]float64
	// Large is the ceiling over all large families' instances.
	Large float64
}

// ceilingGrid returns levels from 1e-4 to alpha, eight per decade. The
// smallest a metric may get is 1e-4: the metrics whose regressions are
// proof (a crash loop, a burst of 404s) need less, and the ceiling is
// lower by at most what they take from the others.
func ceilingGrid(alpha float64) []float64 {
	var out []float64
	for i := 0; ; i++ {
		a := 1e-4 * math.Pow(10, float64(i)/8)
		if a > alpha*(1+1e-9) {
			break
		}
		out = append(out, a)
	}
	return out
}

// BestCeiling computes the Ceiling of the large families in results (the
// instances of JudgeOurs) at the run's α alpha.
func BestCeiling(results []Result, b Budget, alpha float64) Ceiling {
	grid := ceilingGrid(alpha)
	power := map[string][]float64{}
	count := map[string]int{}
	var unmodelled, total int
	for _, r := range results {
		t := r.Truth
		if r.Judge != JudgeOurs || t.Healthy || ClassOf(t.Name, t.Healthy) != ClassLarge || t.World != nil {
			continue
		}
		total++
		m := oracleMetric(t.Effects)
		w, ok := b.Window[m]
		if m == "" || !ok {
			unmodelled++
			continue
		}
		// BestWithData is NaN at every level or at none.
		at := bestWithDataAt(t, DetectBy, w, grid, false)
		if math.IsNaN(at[0]) {
			unmodelled++
			continue
		}
		if power[m] == nil {
			power[m] = make([]float64, len(grid))
		}
		count[m]++
		for i, p := range at {
			power[m][i] += p
		}
	}
	c := Ceiling{Levels: map[string]float64{}, Detected: map[string]float64{}, Large: math.NaN()}
	if total == 0 {
		return c
	}
	pick, sum := allocate(power, grid, alpha)
	for m, i := range pick {
		c.Levels[m] = grid[i]
		c.Detected[m] = power[m][i] / float64(count[m])
	}
	c.Large = (sum + float64(unmodelled)) / float64(total)
	return c
}

// allocate returns the grid index of each metric's level that maximises
// the sum of the metrics' power with the levels summing to at most alpha,
// and that sum; every metric gets at least the grid's first level. power
// holds each metric's power (summed over its instances) at the grid's
// levels, which increase.
func allocate(power map[string][]float64, grid []float64, alpha float64) (map[string]int, float64) {
	metrics := make([]string, 0, len(power))
	for m := range power {
		metrics = append(metrics, m)
	}
	sort.Strings(metrics)
	best := math.Inf(-1)
	var bestIdx []int
	idx := make([]int, len(metrics))
	var search func(k int, left, acc float64)
	search = func(k int, left, acc float64) {
		if k == len(metrics) {
			if acc > best {
				best, bestIdx = acc, append([]int(nil), idx...)
			}
			return
		}
		// The metrics after k need at least the first level each.
		reserve := float64(len(metrics)-k-1) * grid[0]
		for i, a := range grid {
			if a+reserve > left*(1+1e-9) {
				break
			}
			idx[k] = i
			search(k+1, left-a, acc+power[metrics[k]][i])
		}
	}
	search(0, alpha, 0)
	out := map[string]int{}
	if bestIdx == nil {
		return out, math.NaN()
	}
	for k, m := range metrics {
		out[m] = bestIdx[k]
	}
	return out, best
}
