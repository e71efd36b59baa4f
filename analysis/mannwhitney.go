package analysis

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/stat/distuv"
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

// String returns R's name of the alternative.
func (a Alternative) String() string {
	switch a {
	case TwoSided:
		return "two.sided"
	case Greater:
		return "greater"
	case Less:
		return "less"
	}
	return fmt.Sprintf("Alternative(%d)", int(a))
}

func (a Alternative) check() {
	if a != TwoSided && a != Greater && a != Less {
		panic("analysis: unknown alternative")
	}
}

// ErrExactUnavailable is returned (wrapped) by the exact Wilcoxon procedures
// when the samples have ties or are too large for the exact distribution.
var ErrExactUnavailable = errors.New("analysis: exact Wilcoxon distribution unavailable")

// MaxExactPairs is the largest len(x)·len(y) for which the exact Wilcoxon
// rank-sum distribution is computed. Building it costs about
// (len(x)·len(y))²/4 operations.
const MaxExactPairs = 2500

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
// 2·min(Φ(z), 1-Φ(z)) for TwoSided, 1-Φ(z) for Greater and Φ(z) for Less.
//
// Degenerate inputs give NaN rather than a panic: an empty x or y, or a NaN
// in either, gives NaN U, Z and PValue. When all n+m values are equal, σ is
// 0 and the arithmetic follows R: z = 0/0 = NaN (TwoSided, or no correction)
// gives a NaN p-value, and a one-sided corrected z = ∓∞ gives p = 1.
// Infinite values are ranked like any other value.
func MannWhitney(x, y []float64, alt Alternative, correct bool) MannWhitneyResult {
	alt.check()
	res := MannWhitneyResult{U: math.NaN(), Z: math.NaN(), PValue: math.NaN(), NX: len(x), NY: len(y)}
	if len(x) == 0 || len(y) == 0 || descHasNaN(x) || descHasNaN(y) {
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

// MannWhitneyExact tests whether x is shifted against y with the exact null
// distribution of U, as R's wilcox.test(x, y, exact=TRUE, alternative=alt)
// does for samples without ties: for TwoSided p = min(1, 2·P(U ≥ u)) when
// u > nm/2 and min(1, 2·P(U ≤ u)) otherwise; Greater p = P(U ≥ u); Less
// p = P(U ≤ u). The probabilities come from WilcoxonRankSum.
//
// It returns an error wrapping ErrExactUnavailable when the pooled sample has
// ties or len(x)·len(y) exceeds MaxExactPairs; use MannWhitney then. An empty
// sample or a NaN gives a NaN result and no error.
func MannWhitneyExact(x, y []float64, alt Alternative) (MannWhitneyResult, error) {
	alt.check()
	res := MannWhitneyResult{U: math.NaN(), Z: math.NaN(), PValue: math.NaN(), Exact: true, NX: len(x), NY: len(y)}
	if len(x) == 0 || len(y) == 0 || descHasNaN(x) || descHasNaN(y) {
		return res, nil
	}
	if len(x)*len(y) > MaxExactPairs {
		return res, fmt.Errorf("%w: %d×%d pairs exceed %d", ErrExactUnavailable, len(x), len(y), MaxExactPairs)
	}
	xs, ys := mwSorted(x), mwSorted(y)
	u, ties := mwRankSumU(xs, ys)
	if ties != 0 {
		return res, fmt.Errorf("%w: the samples have ties", ErrExactUnavailable)
	}
	w := NewWilcoxonRankSum(len(x), len(y))
	nm := float64(len(x) * len(y))
	var p float64
	switch alt {
	case TwoSided:
		if u > nm/2 {
			p = w.Survival(u - 1)
		} else {
			p = w.CDF(u)
		}
		p = math.Min(2*p, 1)
	case Greater:
		p = w.Survival(u - 1)
	case Less:
		p = w.CDF(u)
	}
	res.U, res.PValue = u, p
	return res, nil
}

// WilcoxonRankSum is the null distribution of the Mann-Whitney statistic U
// for samples of sizes N and M without ties: U takes the values 0..N·M. It
// matches R's dwilcox, pwilcox and qwilcox with m = N and n = M.
type WilcoxonRankSum struct {
	N, M int
	pmf  []float64
}

// NewWilcoxonRankSum builds the distribution for sample sizes n and m by the
// recursion on the largest observation of the pooled sample,
//
//	P_{n,m}(u) = n/(n+m) · P_{n-1,m}(u-m) + m/(n+m) · P_{n,m-1}(u),
//
// which adds only positive terms. It panics if n or m is below 1 or n·m
// exceeds MaxExactPairs.
func NewWilcoxonRankSum(n, m int) WilcoxonRankSum {
	if n < 1 || m < 1 {
		panic("analysis: Wilcoxon sample sizes must be positive")
	}
	if n*m > MaxExactPairs {
		panic("analysis: Wilcoxon sample sizes too large for the exact distribution")
	}
	// prev[j] is the distribution for sizes (i-1, j); cur[j] for (i, j).
	prev := make([][]float64, m+1)
	for j := range prev {
		prev[j] = []float64{1}
	}
	for i := 1; i <= n; i++ {
		cur := make([][]float64, m+1)
		cur[0] = []float64{1}
		for j := 1; j <= m; j++ {
			a := float64(i) / float64(i+j)
			b := float64(j) / float64(i+j)
			p := make([]float64, i*j+1)
			for k, v := range prev[j] {
				p[k+j] += a * v
			}
			for k, v := range cur[j-1] {
				p[k] += b * v
			}
			cur[j] = p
		}
		prev = cur
	}
	return WilcoxonRankSum{N: n, M: m, pmf: prev[m]}
}

// Prob returns P(U = u); it is 0 unless u is an integer in [0, N·M].
func (w WilcoxonRankSum) Prob(u float64) float64 {
	if u != math.Floor(u) || u < 0 || u > float64(len(w.pmf)-1) {
		return 0
	}
	return w.pmf[int(u)]
}

// CDF returns P(U ≤ u). The smaller tail is summed directly, as R's pwilcox
// does, so that small tail probabilities keep their relative accuracy.
func (w WilcoxonRankSum) CDF(u float64) float64 {
	top := len(w.pmf) - 1
	q := math.Floor(u + 1e-7) // R's pwilcox fuzz: q = floor(q + 1e-7).
	switch {
	case q < 0:
		return 0
	case q >= float64(top):
		return 1
	}
	k := int(q)
	if 2*k <= top {
		return mwSumRange(w.pmf, 0, k)
	}
	return 1 - mwSumRange(w.pmf, k+1, top)
}

// Survival returns P(U > u), summing the smaller tail directly.
func (w WilcoxonRankSum) Survival(u float64) float64 {
	top := len(w.pmf) - 1
	q := math.Floor(u + 1e-7)
	switch {
	case q < 0:
		return 1
	case q >= float64(top):
		return 0
	}
	k := int(q)
	if 2*k <= top {
		return 1 - mwSumRange(w.pmf, 0, k)
	}
	return mwSumRange(w.pmf, k+1, top)
}

// Quantile returns the smallest u with P(U ≤ u) ≥ p, with R's qwilcox
// tolerance of 10 machine epsilons. It panics if p is outside [0, 1].
func (w WilcoxonRankSum) Quantile(p float64) float64 {
	if !(p >= 0 && p <= 1) {
		panic("analysis: quantile probability out of range")
	}
	top := len(w.pmf) - 1
	switch p {
	case 0:
		return 0
	case 1:
		return float64(top)
	}
	const fuzz = 10 * 2.220446049250313e-16
	var cum float64
	if p <= 0.5 {
		x := p - fuzz
		for q := 0; ; q++ {
			cum += w.pmf[q]
			if cum >= x || q == top {
				return float64(q)
			}
		}
	}
	x := 1 - p + fuzz
	for q := 0; ; q++ {
		cum += w.pmf[q]
		if cum > x || q == top {
			return float64(top - q)
		}
	}
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
	switch alt {
	case Greater:
		return distuv.UnitNormal.Survival(z)
	case Less:
		return distuv.UnitNormal.CDF(z)
	}
	return 2 * math.Min(distuv.UnitNormal.CDF(z), distuv.UnitNormal.Survival(z))
}

func mwSorted(x []float64) []float64 {
	s := slices.Clone(x)
	slices.Sort(s)
	return s
}

func mwSumRange(p []float64, from, to int) float64 {
	var s float64
	for k := from; k <= to; k++ {
		s += p[k]
	}
	return s
}
