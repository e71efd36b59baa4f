package stats

import "math"

// AR1Variance returns the variance of the linear statistic Σ_i w_i e_i when
// e is a stationary AR(1) process with unit variance and lag-one
// autocorrelation rho, observed at the grid positions pos (in steps, gaps
// allowed):
//
//	Var = Σ_i Σ_j w_i w_j rho^|pos_i − pos_j|.
//
// With rho = 0 it is Σ w_i². It panics if the lengths of w and pos differ.
func AR1Variance(w, pos []float64, rho float64) float64 {
	if len(w) != len(pos) {
		panic("stats: slice length mismatch")
	}
	var v float64
	for i := range w {
		v += w[i] * w[i]
		if rho == 0 {
			continue
		}
		for j := i + 1; j < len(w); j++ {
			v += 2 * w[i] * w[j] * math.Pow(rho, math.Abs(pos[i]-pos[j]))
		}
	}
	return v
}

// PooledLag1 returns the pooled lag-one autocorrelation of residual series
// on a common grid (NaN marks a missing step): every series is centred on
// its own mean, then
//
//	rho = Σ_k Σ_t r_k,t · r_k,t+1 / Σ_k Σ_t r_k,t²
//
// where the numerator runs over pairs of neighbouring steps that are both
// present and the denominator over all present steps. It returns the
// number of neighbouring pairs too; rho is NaN when there are none or all
// residuals are zero.
func PooledLag1(res [][]float64) (rho float64, pairs int) {
	var num, den float64
	for _, r := range res {
		var s float64
		var n int
		for _, v := range r {
			if !math.IsNaN(v) {
				s += v
				n++
			}
		}
		if n == 0 {
			continue
		}
		m := s / float64(n)
		for t, v := range r {
			if math.IsNaN(v) {
				continue
			}
			den += (v - m) * (v - m)
			if t+1 < len(r) && !math.IsNaN(r[t+1]) {
				num += (v - m) * (r[t+1] - m)
				pairs++
			}
		}
	}
	if pairs == 0 || den == 0 {
		return math.NaN(), pairs
	}
	return num / den, pairs
}

// MeanWeights returns the weights 1/n of a mean of n values.
func MeanWeights(n int) []float64 {
	w := make([]float64, n)
	for i := range w {
		w[i] = 1 / float64(n)
	}
	return w
}

// SlopeWeights returns the weights of the least-squares slope of y on x,
// w_i = (x_i − x̄) / Σ (x_j − x̄)², so that the slope is Σ w_i y_i. It is
// nil when x has fewer than two distinct values.
func SlopeWeights(x []float64) []float64 {
	if len(x) < 2 {
		return nil
	}
	m := Mean(x)
	var sxx float64
	for _, v := range x {
		sxx += (v - m) * (v - m)
	}
	if sxx == 0 {
		return nil
	}
	w := make([]float64, len(x))
	for i, v := range x {
		w[i] = (v - m) / sxx
	}
	return w
}

// centredMoments returns tr(S) and the Satterthwaite degrees of freedom
// tr(S)²/tr(S²) of S = C·G·C, with C = I − 11ᵀ/m the centring matrix and
// G the m×m symmetric matrix whose entries g(a, b) returns. For a quadratic
// form uᵀu of u = C·v with Cov(v) = σ²·G,
//
//	E[uᵀu] = σ²·tr(S),   Var(uᵀu) = 2σ⁴·tr(S²)   (Gaussian v),
//
// so σ̂² = uᵀu / tr(S) is unbiased for σ² and approximately σ²·χ²_df/df.
// With u the deviations of AR(1) values from their mean, G is the AR(1)
// correlation matrix and, for independent values, df = m − 1. It works in
// O(m²) time and O(m) memory:
//
//	tr(S)  = tr(G) − 1ᵀG1/m,
//	tr(S²) = Σ_ab g_ab² − 2·‖G1‖²/m + (1ᵀG1/m)².
func centredMoments(m int, g func(a, b int) float64) (tr, df float64) {
	if m == 0 {
		return 0, math.NaN()
	}
	var trG, sq, tot, rowSq float64
	for a := 0; a < m; a++ {
		var row float64
		for b := 0; b < m; b++ {
			v := g(a, b)
			row += v
			sq += v * v
		}
		trG += g(a, a)
		tot += row
		rowSq += row * row
	}
	fm := float64(m)
	tr = trG - tot/fm
	tr2 := sq - 2*rowSq/fm + (tot/fm)*(tot/fm)
	if tr2 <= 0 {
		return tr, math.NaN()
	}
	return tr, tr * tr / tr2
}

// MeanMoments returns centredMoments for the deviations from their mean of
// AR(1) values at the grid positions pos.
func MeanMoments(pos []float64, rho float64) (tr, df float64) {
	return centredMoments(len(pos), func(a, b int) float64 { return math.Pow(rho, math.Abs(pos[a]-pos[b])) })
}

// DifferencePairs returns the indexes i of the values at pos whose next
// value is exactly one step later; nil when there are fewer than two.
func DifferencePairs(pos []float64) []int {
	var out []int
	for i := 0; i+1 < len(pos); i++ {
		if pos[i+1]-pos[i] == 1 {
			out = append(out, i)
		}
	}
	if len(out) < 2 {
		return nil
	}
	return out
}

// DifferenceMoments returns centredMoments for the deviations of the
// one-step differences v_{i+1} − v_i (i in pairs) of AR(1) values at pos
// from their mean difference. A linear trend adds the same amount to every
// difference and so leaves these deviations alone. The entries of G are
//
//	g(a, b) = r(i+1, j+1) − r(i+1, j) − r(i, j+1) + r(i, j),   r(i, j) = rho^|pos_i − pos_j|.
func DifferenceMoments(pos []float64, pairs []int, rho float64) (tr, df float64) {
	r := func(i, j int) float64 { return math.Pow(rho, math.Abs(pos[i]-pos[j])) }
	return centredMoments(len(pairs), func(a, b int) float64 {
		i, j := pairs[a], pairs[b]
		return r(i+1, j+1) - r(i+1, j) - r(i, j+1) + r(i, j)
	})
}

// LineMoments returns the moments tr(S) and tr(S)²/tr(S²) of S = M·R·M,
// where M = I − X(XᵀX)⁻¹Xᵀ takes the residuals of a least-squares line
// through values at the grid positions pos (X = [1, pos]) and R is the
// AR(1) correlation ρ^|pos_i − pos_j|: under AR(1) noise of variance σ²
// and a straight-line mean, E[Σ r²] = σ²·tr(S), so Σ r²/tr(S) estimates
// σ² without bias with about tr(S)²/tr(S²) degrees of freedom
// (Satterthwaite). tr is 0 and df NaN with fewer than three positions or
// when they do not spread.
func LineMoments(pos []float64, rho float64) (tr, df float64) {
	n := len(pos)
	if n < 3 {
		return 0, math.NaN()
	}
	var mx float64
	for _, p := range pos {
		mx += p / float64(n)
	}
	var sxx float64
	for _, p := range pos {
		sxx += (p - mx) * (p - mx)
	}
	if sxx <= 0 {
		return 0, math.NaN()
	}
	m := make([][]float64, n)
	for i := range m {
		m[i] = make([]float64, n)
		for j := range m[i] {
			h := 1/float64(n) + (pos[i]-mx)*(pos[j]-mx)/sxx
			m[i][j] = -h
			if i == j {
				m[i][j] += 1
			}
		}
	}
	r := func(i, j int) float64 { return math.Pow(rho, math.Abs(pos[i]-pos[j])) }
	// S = M R M.
	mr := make([][]float64, n)
	for i := range mr {
		mr[i] = make([]float64, n)
		for j := range mr[i] {
			for k := range n {
				mr[i][j] += m[i][k] * r(k, j)
			}
		}
	}
	var tr2 float64
	for i := range n {
		for j := range n {
			var sij float64
			for k := range n {
				sij += mr[i][k] * m[k][j]
			}
			if i == j {
				tr += sij
			}
			tr2 += sij * sij
		}
	}
	if tr2 <= 0 {
		return tr, math.NaN()
	}
	return tr, tr * tr / tr2
}

// CentredDifferences returns the deviations of the one-step differences
// of d (at the given pairs) from their mean.
func CentredDifferences(d []float64, pairs []int) []float64 {
	out := make([]float64, len(pairs))
	var m float64
	for a, i := range pairs {
		out[a] = d[i+1] - d[i]
		m += out[a]
	}
	m /= float64(len(pairs))
	for a := range out {
		out[a] -= m
	}
	return out
}
