package stats

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// Satterthwaite returns the Welch–Satterthwaite degrees of freedom of a sum
// of variance components v_i estimated with df_i degrees of freedom,
//
//	df = (Σ v_i)² / Σ (v_i² / df_i),
//
// skipping zero components. It returns +Inf when every non-zero component
// has infinite degrees of freedom and NaN when all components are zero.
func Satterthwaite(v, df []float64) float64 {
	var s, d float64
	for i := range v {
		if v[i] == 0 {
			continue
		}
		s += v[i]
		if !math.IsInf(df[i], 1) {
			d += v[i] * v[i] / df[i]
		}
	}
	switch {
	case s == 0:
		return math.NaN()
	case d == 0:
		return math.Inf(1)
	}
	return s * s / d
}

// TTails returns P(T ≥ t) and P(T ≤ t) for Student's t with df degrees of
// freedom (the standard normal for infinite df), as R's
// pt(t, df, lower.tail = FALSE) and pt(t, df).
func TTails(t, df float64) (upper, lower float64) {
	if math.IsNaN(t) || math.IsNaN(df) || df <= 0 {
		return math.NaN(), math.NaN()
	}
	if math.IsInf(df, 1) {
		return normalTails(t)
	}
	d := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}
	return d.Survival(t), d.CDF(t)
}

// normalTails returns P(Z ≥ z) and P(Z ≤ z) for the standard normal Z,
// both as lower tails: P(Z ≥ z) = Φ(−z) = erfc(z/√2)/2. The form
// 1 − Φ(z) (gonum's Normal.Survival, (1 − erf(z/√2))/2) subtracts two
// numbers near 1 and loses the upper tail's relative precision as z grows:
// 2e-8 relatively wrong at z = 6.6, 2% at z = 8 and exactly 0 from
// z ≈ 8.4, where Φ(−z) is still 2e-17.
func normalTails(z float64) (upper, lower float64) {
	return distuv.UnitNormal.CDF(-z), distuv.UnitNormal.CDF(z)
}

// TQuantile returns the p-quantile of Student's t with df degrees of
// freedom (R's qt(p, df)), the normal one for infinite df.
func TQuantile(p, df float64) float64 {
	if math.IsNaN(p) || math.IsNaN(df) || df <= 0 {
		return math.NaN()
	}
	if math.IsInf(df, 1) {
		return distuv.UnitNormal.Quantile(p)
	}
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.Quantile(p)
}

// Variance returns Σ (x − x̄)² / (n − 1), NaN for n < 2.
func Variance(x []float64) float64 {
	if len(x) < 2 {
		return math.NaN()
	}
	m := Mean(x)
	var s float64
	for _, v := range x {
		s += (v - m) * (v - m)
	}
	return s / float64(len(x)-1)
}
