package stats

import (
	"math"
	"slices"
)

// Mean returns the arithmetic mean of x,
//
//	mean = Σ x_i / n,
//
// or NaN when x is empty. A NaN in x gives NaN.
func Mean(x []float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	var s float64
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

// Median returns the median of x as R's median does: the middle order
// statistic for odd n, the mean of the two middle ones for even n. It returns
// NaN when x is empty or holds a NaN. x is not modified.
func Median(x []float64) float64 {
	n := len(x)
	if n == 0 || hasNaN(x) {
		return math.NaN()
	}
	s := slices.Clone(x)
	slices.Sort(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// Quantile7 returns the p-quantile of the ascending sorted sample x by
// Hyndman and Fan's definition 7, the default of R's quantile and of numpy:
//
//	h = (n-1)p, j = floor(h), Q(p) = (1-(h-j)) x_(j) + (h-j) x_(j+1)
//
// with 0-based order statistics x_(j). It returns NaN for an empty x. It
// panics if p is outside [0, 1] or x is not sorted (caller bugs).
func Quantile7(p float64, x []float64) float64 {
	if !(p >= 0 && p <= 1) {
		panic("stats: quantile probability out of range")
	}
	if !slices.IsSorted(x) {
		panic("stats: quantile input not sorted")
	}
	n := len(x)
	if n == 0 {
		return math.NaN()
	}
	h := float64(n-1) * p
	j := math.Floor(h)
	lo := int(j)
	if lo >= n-1 {
		return x[n-1]
	}
	f := h - j
	if f == 0 || x[lo+1] == x[lo] {
		return x[lo]
	}
	return (1-f)*x[lo] + f*x[lo+1]
}

// IQRFences returns the outlier fences of Tukey's rule with the given factor,
//
//	lo = Q1 - factor·IQR, hi = Q3 + factor·IQR, IQR = Q3 - Q1,
//
// with R-7 quartiles. With widen set (Kayenta's IQRDetector with
// reduceSensitivity), the fences are widened to at least the 1st and 99th
// percentiles: lo = min(lo, P1), hi = max(hi, P99). x need not be sorted and
// must not hold NaN. An empty x gives NaN fences. It panics if factor is not
// positive.
func IQRFences(x []float64, factor float64, widen bool) (lo, hi float64) {
	if !(factor > 0) {
		panic("stats: IQR factor must be positive")
	}
	if len(x) == 0 {
		return math.NaN(), math.NaN()
	}
	s := slices.Clone(x)
	slices.Sort(s)
	q1, q3 := Quantile7(0.25, s), Quantile7(0.75, s)
	iqr := q3 - q1
	lo, hi = q1-factor*iqr, q3+factor*iqr
	if widen {
		lo = math.Min(lo, Quantile7(0.01, s))
		hi = math.Max(hi, Quantile7(0.99, s))
	}
	return lo, hi
}

// RemoveOutliersIQR returns the values of x inside the fences of IQRFences
// (a value equal to a fence is kept), in their original order. x must not
// hold NaN; remove NaN first with DropNaN.
func RemoveOutliersIQR(x []float64, factor float64, widen bool) []float64 {
	if len(x) == 0 {
		return nil
	}
	lo, hi := IQRFences(x, factor, widen)
	out := make([]float64, 0, len(x))
	for _, v := range x {
		if v >= lo && v <= hi {
			out = append(out, v)
		}
	}
	return out
}

// DropNaN returns the values of x that are not NaN, in their original order.
func DropNaN(x []float64) []float64 {
	out := make([]float64, 0, len(x))
	for _, v := range x {
		if !math.IsNaN(v) {
			out = append(out, v)
		}
	}
	return out
}

// ReplaceNaN returns a copy of x with every NaN replaced by v.
func ReplaceNaN(x []float64, v float64) []float64 {
	out := slices.Clone(x)
	for i, e := range out {
		if math.IsNaN(e) {
			out[i] = v
		}
	}
	return out
}

// Summary describes a sample.
type Summary struct {
	N                      int
	Mean, Median, Min, Max float64
}

// Summarize returns the sample's size, Mean, Median, minimum and maximum
// (NaN for an empty sample).
func Summarize(x []float64) Summary {
	s := Summary{N: len(x), Mean: Mean(x), Median: Median(x), Min: math.NaN(), Max: math.NaN()}
	if len(x) > 0 {
		s.Min, s.Max = slices.Min(x), slices.Max(x)
	}
	return s
}

// hasNaN reports whether x holds a NaN.
func hasNaN(x []float64) bool {
	for _, v := range x {
		if math.IsNaN(v) {
			return true
		}
	}
	return false
}
