package stats

import (
	"math"
	"slices"
)

// Alternative is the alternative hypothesis of a two-sample test about x
// (the canary) against y (the stable pods).
type Alternative int

// Alternatives.
const (
	// TwoSided: x and y differ in location.
	TwoSided Alternative = iota
	// Greater: x is shifted to the right of y (x tends to be larger).
	Greater
	// Less: x is shifted to the left of y (x tends to be smaller).
	Less
)

func (a Alternative) check() {
	if a != TwoSided && a != Greater && a != Less {
		panic("stats: unknown alternative")
	}
}

// MannWhitneyResult is the outcome of a Mann-Whitney U (Wilcoxon rank-sum)
// test of x against y.
type MannWhitneyResult struct {
	// U is the statistic of x: the number of pairs with x_i > y_j plus half
	// the number of pairs with x_i = y_j. It equals R's W
	// (sum of x's ranks - n(n+1)/2) and SciPy's U for its first sample.
	U float64
	// Z is the standardised statistic of the normal approximation, after
	// the continuity correction if one was applied; NaN for exact tests.
	Z float64
	// PValue is the p-value for the alternative.
	PValue float64
	// Exact reports whether PValue comes from the exact distribution.
	Exact bool
	// NX and NY are the sample sizes.
	NX, NY int
}

// MannWhitney tests whether x is shifted against y with the normal
// approximation of the Mann-Whitney U statistic, as R's
// wilcox.test(x, y, exact=FALSE, correct=correct, alternative=alt) and
// SciPy's mannwhitneyu(x, y, method="asymptotic", use_continuity=correct) do:
//
//	z = (U - nm/2 - CC) / σ,
//	σ² = nm/12 · ((n+m+1) - Σ(t³-t) / ((n+m)(n+m-1))),
//
// where the sum runs over groups of t tied values in the pooled sample and
// CC is the continuity correction: sign(U - nm/2)/2 for TwoSided, +1/2 for
// Greater, -1/2 for Less, and 0 when correct is false. The p-value is
// 2·min(Φ(z), Φ(-z)) for TwoSided, Φ(-z) for Greater and Φ(z) for Less
// (each tail from the lower tail, so that far tails keep their precision).
//
// Degenerate inputs give NaN rather than a panic: an empty x or y, or a NaN
// in either, gives NaN U, Z and PValue. When all n+m values are equal, σ is
// 0 and the arithmetic follows R: z = 0/0 = NaN (TwoSided, or no correction)
// gives a NaN p-value, and a one-sided corrected z = ∓∞ gives p = 1.
// Infinite values are ranked like any other value.
func MannWhitney(x, y []float64, alt Alternative, correct bool) MannWhitneyResult {
	alt.check()
	res := MannWhitneyResult{U: math.NaN(), Z: math.NaN(), PValue: math.NaN(), NX: len(x), NY: len(y)}
	if len(x) == 0 || len(y) == 0 || hasNaN(x) || hasNaN(y) {
		return res
	}
	xs, ys := mwSorted(x), mwSorted(y)
	u, ties := mwRankSumU(xs, ys)
	n, m := float64(len(x)), float64(len(y))
	sigma := math.Sqrt((n * m / 12) * ((n + m + 1) - ties/((n+m)*(n+m-1))))
	z := u - n*m/2
	var cc float64
	if correct {
		cc = mwContinuity(alt, z)
	}
	z = (z - cc) / sigma
	res.U, res.Z = u, z
	res.PValue = mwNormalP(z, alt)
	return res
}

// mwRankSumU returns U = #{x_i > y_j} + #{x_i = y_j}/2 and the tie term
// Σ(t³-t) over groups of equal values in the pooled sample. xs and ys must
// be sorted ascending.
func mwRankSumU(xs, ys []float64) (u, ties float64) {
	i, j := 0, 0
	var below int // number of y values < the current x group's value
	for i < len(xs) || j < len(ys) {
		var v float64
		switch {
		case i == len(xs):
			v = ys[j]
		case j == len(ys):
			v = xs[i]
		default:
			v = math.Min(xs[i], ys[j])
		}
		a, b := 0, 0
		for i < len(xs) && xs[i] == v {
			a++
			i++
		}
		for j < len(ys) && ys[j] == v {
			b++
			j++
		}
		u += float64(a) * (float64(below) + float64(b)/2)
		below += b
		if t := float64(a + b); t > 1 {
			ties += t*t*t - t
		}
	}
	return u, ties
}

// mwContinuity returns the continuity correction for z = U - nm/2.
func mwContinuity(alt Alternative, z float64) float64 {
	switch alt {
	case Greater:
		return 0.5
	case Less:
		return -0.5
	}
	switch {
	case z > 0:
		return 0.5
	case z < 0:
		return -0.5
	}
	return 0
}

// mwNormalP returns the p-value of a standard normal z for alt.
func mwNormalP(z float64, alt Alternative) float64 {
	upper, lower := normalTails(z)
	switch alt {
	case Greater:
		return upper
	case Less:
		return lower
	}
	return 2 * math.Min(upper, lower)
}

func mwSorted(x []float64) []float64 {
	s := slices.Clone(x)
	slices.Sort(s)
	return s
}
