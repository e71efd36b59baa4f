package canary

import (
	"math"
	"slices"
)

// grid places the samples of several pods on one regular time grid, so
// that the canary can be compared with the stable pods at the same
// timestamps. Row r of y is pod pods[r]; y[r][i] is its value at time
// start + i·step (Unix milliseconds), NaN where the pod has no sample.
type grid struct {
	start, step int64
	pods        []string
	y           [][]float64
}

// inferStep returns the smallest positive difference between the sorted
// distinct timestamps ts, or 0 when there are fewer than two.
func inferStep(ts []int64) int64 {
	var step int64
	for i := 1; i < len(ts); i++ {
		if d := ts[i] - ts[i-1]; d > 0 && (step == 0 || d < step) {
			step = d
		}
	}
	return step
}

// newGrid builds the grid of the given rows (each a pod's timestamps and
// values). step is the sample spacing in milliseconds; 0 infers it from the
// data. A timestamp off the grid goes to the nearest grid point; when two
// samples of one pod land on the same point the later one wins. Infinite
// values count as missing.
func newGrid(step int64, pods []string, times [][]int64, values [][]float64) grid {
	var all []int64
	for _, ts := range times {
		all = append(all, ts...)
	}
	slices.Sort(all)
	all = slices.Compact(all)
	if step <= 0 {
		step = inferStep(all)
	}
	if step <= 0 {
		step = 1
	}
	g := grid{step: step, pods: pods, y: make([][]float64, len(pods))}
	if len(all) == 0 {
		for r := range g.y {
			g.y[r] = []float64{}
		}
		return g
	}
	g.start = all[0]
	n := int((all[len(all)-1]-g.start+step/2)/step) + 1
	for r := range pods {
		row := make([]float64, n)
		for i := range row {
			row[i] = math.NaN()
		}
		for i, t := range times[r] {
			v := values[r][i]
			if math.IsInf(v, 0) {
				v = math.NaN()
			}
			row[int((t-g.start+step/2)/step)] = v
		}
		g.y[r] = row
	}
	return g
}

// len returns the number of grid points.
func (g grid) len() int {
	if len(g.y) == 0 {
		return 0
	}
	return len(g.y[0])
}

// twoWayFit fits the additive model y[k][t] = mu[t] + b[k] + e to the rows
// of y (NaN = missing) by least squares with Σ b = 0 over the rows that have
// data, the model of R's lm(y ~ factor(t) + factor(pod)) with sum-to-zero
// contrasts for pod. mu[t] is the level of the average pod at time t: the
// movement every pod shares. It is NaN where no row has data; b[k] is NaN
// for a row without data. The fit alternates the two sets of means until
// they stop changing; with complete data one pass is exact.
func twoWayFit(y [][]float64) (mu, b []float64) {
	k := len(y)
	if k == 0 {
		return nil, nil
	}
	n := len(y[0])
	mu = make([]float64, n)
	b = make([]float64, k)
	has := make([]bool, k)
	for r, row := range y {
		for _, v := range row {
			if !math.IsNaN(v) {
				has[r] = true
				break
			}
		}
		if !has[r] {
			b[r] = math.NaN()
		}
	}
	scale := 0.0
	for _, row := range y {
		for _, v := range row {
			if !math.IsNaN(v) {
				scale = math.Max(scale, math.Abs(v))
			}
		}
	}
	tol := 1e-13 * math.Max(scale, 1e-300)
	for iter := 0; iter < 5000; iter++ {
		for t := 0; t < n; t++ {
			var s float64
			var c int
			for r := range y {
				if v := y[r][t]; !math.IsNaN(v) {
					s += v - b[r]
					c++
				}
			}
			if c == 0 {
				mu[t] = math.NaN()
			} else {
				mu[t] = s / float64(c)
			}
		}
		var change, mb float64
		var nb int
		for r, row := range y {
			if !has[r] {
				continue
			}
			var s float64
			var c int
			for t, v := range row {
				if !math.IsNaN(v) {
					s += v - mu[t]
					c++
				}
			}
			nv := s / float64(c)
			change = math.Max(change, math.Abs(nv-b[r]))
			b[r] = nv
			mb += nv
			nb++
		}
		mb /= float64(nb)
		for r := range b {
			if has[r] {
				b[r] -= mb
			}
		}
		for t := range mu {
			mu[t] += mb
		}
		if change <= tol {
			break
		}
	}
	return mu, b
}

// residualVariance returns the residual variance of a two-way fit,
//
//	s² = Σ (y − mu − b)² / (N − T − K + 1),
//
// with N the observations, T the time points with data and K the rows with
// data (R's summary(lm(...))$sigma²), the residuals themselves (NaN where y
// is missing) and the residual degrees of freedom. The variance is NaN when
// the degrees of freedom are not positive.
func residualVariance(y [][]float64, mu, b []float64) (s2 float64, res [][]float64, df float64) {
	var rss float64
	var nObs int
	times := make(map[int]bool)
	rows := 0
	res = make([][]float64, len(y))
	for r, row := range y {
		res[r] = make([]float64, len(row))
		any := false
		for t, v := range row {
			if math.IsNaN(v) {
				res[r][t] = math.NaN()
				continue
			}
			e := v - mu[t] - b[r]
			res[r][t] = e
			rss += e * e
			nObs++
			times[t] = true
			any = true
		}
		if any {
			rows++
		}
	}
	df = float64(nObs - len(times) - rows + 1)
	if df <= 0 {
		return math.NaN(), res, df
	}
	return rss / df, res, df
}
