package stats

import (
	"math"

	"gonum.org/v1/gonum/mathext"
)

// BinomialUpper returns P(X ≥ x) for X ~ Binomial(n, p), continued to real x
// and n through the regularized incomplete beta function,
//
//	P(X ≥ x) = I_p(x, n − x + 1),
//
// which for whole numbers is R's binom.test(x, n, p, alternative =
// "greater")$p.value and in general R's pbeta(p, x, n − x + 1). It is 1
// for x ≤ 0, and 0 for x > n or p = 0 < x.
func BinomialUpper(x, n, p float64) float64 {
	switch {
	case math.IsNaN(x) || math.IsNaN(n) || math.IsNaN(p):
		return math.NaN()
	case x <= 0 || p >= 1:
		return 1
	case x > n || p <= 0:
		return 0
	}
	return mathext.RegIncBeta(x, n-x+1, p)
}

// BinomialLower returns P(X ≤ x) for X ~ Binomial(n, p), continued to real x
// and n,
//
//	P(X ≤ x) = I_{1−p}(n − x, x + 1),
//
// R's binom.test(x, n, p, alternative = "less")$p.value for whole numbers
// and pbeta(1 − p, n − x, x + 1) in general. It is 1 for x ≥ n and 0 for
// x < 0.
func BinomialLower(x, n, p float64) float64 {
	switch {
	case math.IsNaN(x) || math.IsNaN(n) || math.IsNaN(p):
		return math.NaN()
	case x >= n || p <= 0:
		return 1
	case x < 0 || p >= 1:
		return 0
	}
	return mathext.RegIncBeta(n-x, x+1, 1-p)
}

// PoissonUpper returns P(X ≥ x) for X ~ Poisson(lambda), continued to real
// x through the regularized lower incomplete gamma function,
//
//	P(X ≥ x) = P(x, lambda),
//
// which for whole x is R's poisson.test(x, T, r, alternative =
// "greater")$p.value with lambda = T·r, and in general R's pgamma(lambda,
// x). It is 1 for x ≤ 0 and 0 for lambda = 0 < x.
func PoissonUpper(x, lambda float64) float64 {
	switch {
	case math.IsNaN(x) || math.IsNaN(lambda):
		return math.NaN()
	case x <= 0:
		return 1
	case lambda <= 0:
		return 0
	}
	return mathext.GammaIncReg(x, lambda)
}

// PoissonLower returns P(X ≤ x) for X ~ Poisson(lambda), continued to real
// x: Q(x + 1, lambda), R's pgamma(lambda, x + 1, lower.tail = FALSE) (for
// whole x, ppois(x, lambda)). It is 0 for x < 0 and 1 for lambda = 0 ≤ x.
func PoissonLower(x, lambda float64) float64 {
	switch {
	case math.IsNaN(x) || math.IsNaN(lambda):
		return math.NaN()
	case x < 0:
		return 0
	case lambda <= 0:
		return 1
	}
	return mathext.GammaIncRegComp(x+1, lambda)
}

// betaQuantile returns the p-quantile of the Beta(a, b) distribution (R's
// qbeta(p, a, b)).
func betaQuantile(p, a, b float64) float64 {
	switch {
	case math.IsNaN(p) || math.IsNaN(a) || math.IsNaN(b):
		return math.NaN()
	case p <= 0:
		return 0
	case p >= 1:
		return 1
	}
	return mathext.InvRegIncBeta(a, b, p)
}

// ClopperPearson returns a Clopper–Pearson interval for a binomial
// probability from x successes out of n (real values allowed): the lower
// limit at one-sided level 1 − lo and the upper at 1 − hi,
//
//	lower = qbeta(lo, x, n − x + 1),  upper = qbeta(1 − hi, x + 1, n − x),
//
// as R's binom.test(x, n, conf.level = 1 − 2·lo)$conf.int when lo = hi.
// lower is 0 when x ≤ 0 and upper is 1 when x ≥ n.
func ClopperPearson(x, n, lo, hi float64) (lower, upper float64) {
	lower, upper = 0, 1
	if x > 0 {
		lower = betaQuantile(lo, x, n-x+1)
	}
	if x < n {
		upper = betaQuantile(1-hi, x+1, n-x)
	}
	return lower, upper
}
