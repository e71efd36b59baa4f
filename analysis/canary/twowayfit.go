package canary

import "math"

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
