package stats

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"

	"gonum.org/v1/gonum/stat/distuv"
)

// ShiftEstimate is a Hodges-Lehmann estimate of the location shift of x
// against y (how much x must move to look like y, x - y) with a confidence
// interval from the Wilcoxon rank-sum test.
type ShiftEstimate struct {
	// Estimate is the median of the n·m differences x_i - y_j.
	Estimate float64
	// Lower and Upper bound the interval; a one-sided interval has an
	// infinite end.
	Lower, Upper float64
	// Level is the confidence level the interval has: the requested one,
	// or for exact intervals the achieved one when R would warn that the
	// requested level is not achievable.
	Level float64
	// Exact reports whether the interval comes from the exact Wilcoxon
	// distribution.
	Exact bool
}

// HodgesLehmannCI returns the Hodges-Lehmann shift estimate of x against y
// with the confidence interval of the normal approximation, the interval of
// R's wilcox.test(x, y, conf.int=TRUE, exact=FALSE, correct=correct,
// conf.level=level, alternative=alt) and of Kayenta's Mann-Whitney judge.
//
// R defines each end as a root in d of
//
//	f(d) = (W(d) - CC) / σ(d) - z_q,
//
// where W(d) = #{x_i - d > y_j} + #{x_i - d = y_j}/2 - nm/2 is the centred
// rank-sum statistic of x - d against y, CC its continuity correction (as in
// MannWhitney), σ(d) its tie-corrected standard deviation and z_q a normal
// quantile (z_{1-α/2} for the lower end, z_{α/2} for the upper end), and
// finds it with uniroot at tolerance 1e-4. Between consecutive distinct
// differences D the function is constant: with c = #{D ≤ d} the count of
// differences at or below d, W = nm/2 - c and σ = σ₀ (ties within x and
// within y only), so f is a non-increasing step function of c. This
// function returns the step where f changes sign, exactly:
//
//   - if f at the smallest difference D_(1) is ≤ 0 the end is D_(1), and if
//     f at the largest difference D_(nm) is ≥ 0 the end is D_(nm) (R's own
//     checks, with σ and W evaluated at those points as R does);
//   - otherwise, with c* the smallest c with f(c) ≤ 0, the end is the order
//     statistic D_(c*) (D_(1) when c* = 0, D_(nm) when no c qualifies);
//   - if f(c*) = 0 exactly, f is zero on a whole gap between differences and
//     the end is the middle of that gap, (D_(c*) + D_(c'+1))/2 with c' the
//     largest c with f(c) = 0.
//
// R's printed ends differ from these by at most about its root tolerance
// (1e-4 in d). Where R fails because σ(d) = 0 at an end point (every
// difference equal), this function still returns that common difference.
// The estimate is the median of the differences: the root of f with z = 0
// and no correction, which R also finds with uniroot and so reports as any
// point of the gap between the two middle differences (see
// HodgesLehmannCIUniroot for R's own values). It returns NaN ends
// and estimate when x or y is empty or holds a NaN or an infinity, and
// panics if level is not in (0, 1).
func HodgesLehmannCI(x, y []float64, level float64, alt Alternative, correct bool) ShiftEstimate {
	hlCheckLevel(level)
	alt.check()
	res := ShiftEstimate{Estimate: math.NaN(), Lower: math.NaN(), Upper: math.NaN(), Level: level}
	if !hlFinite(x, y) {
		return res
	}
	xs, ys := mwSorted(x), mwSorted(y)
	pd := newPairDiffs(xs, ys)
	n, m := float64(len(xs)), float64(len(ys))
	sigma0 := math.Sqrt((n * m / 12) * ((n + m + 1) - (hlTieTerm(xs)+hlTieTerm(ys))/((n+m)*(n+m-1))))
	ci := shiftRoots{xs: xs, ys: ys, pd: pd, sigma0: sigma0, alt: alt, correct: correct}
	alpha := 1 - level
	switch alt {
	case TwoSided:
		res.Lower = ci.root(distuv.UnitNormal.Quantile(1 - alpha/2))
		res.Upper = ci.root(distuv.UnitNormal.Quantile(alpha / 2))
	case Greater:
		res.Lower = ci.root(distuv.UnitNormal.Quantile(1 - alpha))
		res.Upper = math.Inf(1)
	case Less:
		res.Lower = math.Inf(-1)
		res.Upper = ci.root(distuv.UnitNormal.Quantile(alpha))
	}
	res.Estimate = pd.median()
	return res
}

// HodgesLehmannCIUniroot returns the interval and estimate exactly as R's
// wilcox.test(x, y, conf.int=TRUE, exact=FALSE, correct=correct,
// conf.level=level, alternative=alt) prints them, where HodgesLehmannCI
// returns the exact steps they approximate: each end, and the estimate, is
// the root R's uniroot finds (Brent's zeroin at tolerance 1e-4, at most 1000
// iterations) of R's step function evaluated as R evaluates it, after R's
// end-point checks. Where the step function changes sign the result lies
// within about 1e-4 of HodgesLehmannCI's, but where it is zero on a gap (the
// estimate for an even n·m) it can be anywhere in the gap, and where a large
// tie sits at the root (zero-inflated data) it lands up to 1e-4 off it.
// Kayenta's judge classifies on these values.
//
// Where R stops with an error (σ = 0 at an end point, when all differences
// are equal), the affected values are NaN. Degenerate samples give NaN as in
// HodgesLehmannCI, and it panics if level is not in (0, 1).
func HodgesLehmannCIUniroot(x, y []float64, level float64, alt Alternative, correct bool) ShiftEstimate {
	hlCheckLevel(level)
	alt.check()
	res := ShiftEstimate{Estimate: math.NaN(), Lower: math.NaN(), Upper: math.NaN(), Level: level}
	if !hlFinite(x, y) {
		return res
	}
	xs, ys := mwSorted(x), mwSorted(y)
	pd := newPairDiffs(xs, ys)
	ci := shiftRoots{xs: xs, ys: ys, pd: pd, alt: alt, correct: correct}
	alpha := 1 - level
	switch alt {
	case TwoSided:
		res.Lower = ci.uniroot(distuv.UnitNormal.Quantile(1-alpha/2), true)
		res.Upper = ci.uniroot(distuv.UnitNormal.Quantile(alpha/2), true)
	case Greater:
		res.Lower = ci.uniroot(distuv.UnitNormal.Quantile(1-alpha), true)
		res.Upper = math.Inf(1)
	case Less:
		res.Lower = math.Inf(-1)
		res.Upper = ci.uniroot(distuv.UnitNormal.Quantile(alpha), true)
	}
	// R sets correct <- FALSE before finding the estimate.
	ci.correct = false
	res.Estimate = ci.uniroot(0, false)
	return res
}

// uniroot follows R's root(zq) in wilcox.test: return an end point whose
// value already has the wanted sign (when checks is set), else uniroot on
// [min difference, max difference]. It returns NaN where R stops.
func (s *shiftRoots) uniroot(zq float64, checks bool) float64 {
	lo, hi := s.pd.kth(1), s.pd.kth(s.pd.size())
	fLo := s.at(lo, zq)
	if math.IsNaN(fLo) {
		return math.NaN()
	}
	if checks && fLo <= 0 {
		return lo
	}
	fHi := s.at(hi, zq)
	if math.IsNaN(fHi) {
		return math.NaN()
	}
	if checks && fHi >= 0 {
		return hi
	}
	// uniroot truncates infinite end values and refuses a bracket without
	// a sign change.
	fLo = max(min(fLo, math.MaxFloat64), -math.MaxFloat64)
	fHi = max(min(fHi, math.MaxFloat64), -math.MaxFloat64)
	if fLo*fHi > 0 {
		return math.NaN()
	}
	f := func(d float64) float64 {
		v := s.at(d, zq)
		switch {
		case math.IsInf(v, -1):
			return -math.MaxFloat64
		case math.IsInf(v, 1) || math.IsNaN(v):
			return math.MaxFloat64
		}
		return v
	}
	return rZeroin(lo, hi, fLo, fHi, f, 1e-4, 1000)
}

// rZeroin is Brent's root finder as R's R_zeroin2 implements it (netlib's
// zeroin.c): a root of f in [a, b] given fa = f(a) and fb = f(b) of opposite
// signs, accepted once the bracket is within 2ε|b| + tol/2 of b, after at
// most maxit+1 evaluations.
func rZeroin(a, b, fa, fb float64, f func(float64) float64, tol float64, maxit int) float64 {
	const eps = 2.220446049250313e-16
	c, fc := a, fa
	if fa == 0 {
		return a
	}
	if fb == 0 {
		return b
	}
	for it := maxit + 1; it > 0; it-- {
		prev := b - a
		if math.Abs(fc) < math.Abs(fb) {
			a, b, c = b, c, b
			fa, fb, fc = fb, fc, fb
		}
		tolAct := 2*eps*math.Abs(b) + tol/2
		step := (c - b) / 2
		if math.Abs(step) <= tolAct || fb == 0 {
			return b
		}
		if math.Abs(prev) >= tolAct && math.Abs(fa) > math.Abs(fb) {
			var p, q float64
			cb := c - b
			if a == c {
				t1 := fb / fa
				p = cb * t1
				q = 1 - t1
			} else {
				q = fa / fc
				t1 := fb / fc
				t2 := fb / fa
				p = t2 * (cb*q*(q-t1) - (b-a)*(t1-1))
				q = (q - 1) * (t1 - 1) * (t2 - 1)
			}
			if p > 0 {
				q = -q
			} else {
				p = -p
			}
			if p < 0.75*cb*q-math.Abs(tolAct*q)/2 && p < math.Abs(prev*q/2) {
				step = p / q
			}
		}
		if math.Abs(step) < tolAct {
			if step > 0 {
				step = tolAct
			} else {
				step = -tolAct
			}
		}
		a, fa = b, fb
		b += step
		fb = f(b)
		if (fb > 0 && fc > 0) || (fb < 0 && fc < 0) {
			c, fc = a, fa
		}
	}
	return b
}

// shiftRoots finds the ends of the normal-approximation interval.
type shiftRoots struct {
	xs, ys  []float64
	pd      *pairDiffs
	sigma0  float64
	alt     Alternative
	correct bool
}

// cc returns the continuity correction for a centred statistic dz.
func (s *shiftRoots) cc(dz float64) float64 {
	if !s.correct {
		return 0
	}
	return mwContinuity(s.alt, dz)
}

// between returns f on the open gap where c differences lie at or below d.
func (s *shiftRoots) between(c int, zq float64) float64 {
	dz := float64(s.pd.size())/2 - float64(c)
	return (dz-s.cc(dz))/s.sigma0 - zq
}

// at returns f at the point d, computed as R does: the ranks and ties of
// the pooled sample (x - d, y).
func (s *shiftRoots) at(d, zq float64) float64 {
	shifted := make([]float64, len(s.xs))
	for i, v := range s.xs {
		shifted[i] = v - d
	}
	u, ties := mwRankSumU(shifted, s.ys)
	n, m := float64(len(s.xs)), float64(len(s.ys))
	dz := u - n*m/2
	sigma := math.Sqrt((n * m / 12) * ((n + m + 1) - ties/((n+m)*(n+m-1))))
	return (dz-s.cc(dz))/sigma - zq
}

// root returns the end of the interval for the quantile zq.
func (s *shiftRoots) root(zq float64) float64 {
	nm := s.pd.size()
	lo, hi := s.pd.kth(1), s.pd.kth(nm)
	if s.at(lo, zq) <= 0 {
		return lo
	}
	if s.at(hi, zq) >= 0 {
		return hi
	}
	c := sort.Search(nm+1, func(c int) bool { return s.between(c, zq) <= 0 })
	if c > nm {
		return hi
	}
	left := s.pd.kth(max(c, 1))
	if s.between(c, zq) < 0 {
		return left
	}
	last := sort.Search(nm+1, func(c int) bool { return s.between(c, zq) < 0 }) - 1
	return (left + s.pd.kth(min(last+1, nm))) / 2
}

// pairDiffs selects order statistics of the multiset {x_i - y_j}.
type pairDiffs struct {
	x   []float64 // ascending
	yd  []float64 // descending: row i, x_i - yd_j, ascends in j
	rng *rand.Rand
}

// newPairDiffs takes x and y sorted ascending.
func newPairDiffs(xs, ys []float64) *pairDiffs {
	yd := slices.Clone(ys)
	slices.Reverse(yd)
	return &pairDiffs{x: xs, yd: yd, rng: rand.New(rand.NewPCG(0x5eed, 0x4c))}
}

func (p *pairDiffs) size() int { return len(p.x) * len(p.yd) }

// median returns the median of the differences.
func (p *pairDiffs) median() float64 {
	nm := p.size()
	if nm%2 == 1 {
		return p.kth(nm/2 + 1)
	}
	a := p.kth(nm / 2)
	return (a + p.after(a, nm/2)) / 2
}

// after returns the (k+1)-th smallest difference given that v is the k-th:
// v itself when more than k differences are ≤ v, else the smallest
// difference above v. It runs in O(n+m).
func (p *pairDiffs) after(v float64, k int) float64 {
	n, m := len(p.x), len(p.yd)
	leq := 0
	next := math.Inf(1)
	j := m
	for i := range n {
		for j > 0 && p.x[i]-p.yd[j-1] > v {
			j--
		}
		leq += j
		if j < m {
			next = math.Min(next, p.x[i]-p.yd[j])
		}
	}
	if leq > k {
		return v
	}
	return next
}

// kth returns the k-th smallest difference, 1 ≤ k ≤ size().
func (p *pairDiffs) kth(k int) float64 {
	n, m := len(p.x), len(p.yd)
	switch k {
	case 1:
		return p.x[0] - p.yd[0]
	case n * m:
		return p.x[n-1] - p.yd[m-1]
	}
	// Row i's candidates are columns lo[i] ≤ j < hi[i]. Columns below lo
	// hold values below the answer, columns from hi on values above it.
	lo := make([]int, n)
	hi := make([]int, n)
	below := make([]int, n)
	atOrBelow := make([]int, n)
	for i := range hi {
		hi[i] = m
	}
	active := n * m
	for {
		if active <= 2*(n+m) {
			return p.smallActive(k, lo, hi, active)
		}
		// Draw a pivot uniformly from the candidates.
		r := p.rng.IntN(active)
		var pivot float64
		for i := range n {
			if w := hi[i] - lo[i]; r < w {
				pivot = p.x[i] - p.yd[lo[i]+r]
				break
			} else {
				r -= w
			}
		}
		// Count the differences below and at or below the pivot.
		less, leq := 0, 0
		ja, jb := m, m
		for i := range n {
			for ja > 0 && p.x[i]-p.yd[ja-1] >= pivot {
				ja--
			}
			for jb > 0 && p.x[i]-p.yd[jb-1] > pivot {
				jb--
			}
			below[i], atOrBelow[i] = ja, jb
			less += ja
			leq += jb
		}
		switch {
		case k <= less:
			for i := range n {
				hi[i] = min(hi[i], below[i])
				lo[i] = min(lo[i], hi[i])
			}
		case k > leq:
			for i := range n {
				lo[i] = max(lo[i], atOrBelow[i])
				hi[i] = max(hi[i], lo[i])
			}
		default:
			return pivot
		}
		active = 0
		for i := range n {
			active += hi[i] - lo[i]
		}
	}
}

// smallActive sorts the remaining candidates and picks the answer among them.
func (p *pairDiffs) smallActive(k int, lo, hi []int, active int) float64 {
	vals := make([]float64, 0, active)
	skipped := 0
	for i := range p.x {
		skipped += lo[i]
		for j := lo[i]; j < hi[i]; j++ {
			vals = append(vals, p.x[i]-p.yd[j])
		}
	}
	slices.Sort(vals)
	return vals[k-skipped-1]
}

// hlTieTerm returns Σ(t³-t) over groups of t equal values of a sorted sample.
func hlTieTerm(s []float64) float64 {
	var sum float64
	for i := 0; i < len(s); {
		j := i + 1
		for j < len(s) && s[j] == s[i] {
			j++
		}
		if t := float64(j - i); t > 1 {
			sum += t*t*t - t
		}
		i = j
	}
	return sum
}

// hlFinite reports whether x and y are non-empty and hold only finite
// values.
func hlFinite(x, y []float64) bool {
	if len(x) == 0 || len(y) == 0 {
		return false
	}
	for _, s := range [][]float64{x, y} {
		for _, v := range s {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return false
			}
		}
	}
	return true
}

func hlCheckLevel(level float64) {
	if !(level > 0 && level < 1) {
		panic("stats: confidence level must be in (0, 1)")
	}
}
