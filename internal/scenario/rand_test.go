package scenario

import (
	"fmt"
	"math"
	"regexp"
	"testing"
)

// poissonPMF is e^-λ λ^k / k!.
func poissonPMF(k int, lambda float64) float64 {
	lg, _ := math.Lgamma(float64(k) + 1)
	return math.Exp(float64(k)*math.Log(lambda) - lambda - lg)
}

func poissonCDF(k int, lambda float64) float64 {
	var s float64
	for i := 0; i <= k; i++ {
		s += poissonPMF(i, lambda)
	}
	return s
}

func TestPoissonPMFReference(t *testing.T) {
	// Values from R 4: ppois(c(5, 30), 15) and ppois(10, 3.5), printed with digits=15.
	cases := []struct {
		k      int
		lambda float64
		want   float64
	}{
		{5, 15, 0.00279242933270092},
		{30, 15, 0.99980268685031171},
		{10, 3.5, 0.998980605562383},
	}
	for _, c := range cases {
		if got := poissonCDF(c.k, c.lambda); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("poissonCDF(%d, %v) = %.15g, want %.15g", c.k, c.lambda, got, c.want)
		}
	}
}

// TestPoissonMoments checks the sampler's mean and variance (both λ) on
// both of its paths, within five standard errors.
func TestPoissonMoments(t *testing.T) {
	const n = 200000
	for _, lambda := range []float64{0.02, 0.5, 3.5, 9.9, 10, 15, 60, 500, 20000} {
		t.Run(fmt.Sprintf("lambda=%v", lambda), func(t *testing.T) {
			r := newRand(1, uint64(lambda*100))
			var sum, sum2 float64
			for range n {
				x := float64(poisson(r, lambda))
				sum += x
				sum2 += x * x
			}
			mean := sum / n
			variance := sum2/n - mean*mean
			seMean := math.Sqrt(lambda / n)
			// Var of the sample variance of a Poisson: (μ4 - σ⁴)/n with
			// μ4 = λ(1+3λ), σ⁴ = λ².
			seVar := math.Sqrt((lambda*(1+3*lambda) - lambda*lambda) / n)
			if math.Abs(mean-lambda) > 5*seMean {
				t.Errorf("λ=%v: mean %v, want %v ± %v", lambda, mean, lambda, 5*seMean)
			}
			if math.Abs(variance-lambda) > 5*seVar {
				t.Errorf("λ=%v: variance %v, want %v ± %v", lambda, variance, lambda, 5*seVar)
			}
		})
	}
	if got := poisson(newRand(1, 1), 0); got != 0 {
		t.Errorf("poisson(0) = %d", got)
	}
}

// TestPoissonGoodnessOfFit runs Pearson's chi-square test of the sampled
// frequencies against the Poisson pmf on both sampler paths.
func TestPoissonGoodnessOfFit(t *testing.T) {
	cases := []struct {
		lambda   float64
		lo, hi   int     // bins: k <= lo, each k in (lo, hi), k >= hi
		critical float64 // R: qchisq(1-1e-6, df) with df = hi-lo
	}{
		{3.5, 0, 11, 48.86564276}, // qchisq(1-1e-6, 11)
		{15, 5, 31, 75.54740535},  // qchisq(1-1e-6, 26)
	}
	const n = 100000
	for _, c := range cases {
		r := newRand(2, 7)
		counts := make([]float64, c.hi-c.lo+1)
		for range n {
			k := int(poisson(r, c.lambda))
			counts[min(max(k, c.lo), c.hi)-c.lo]++
		}
		var chi2 float64
		for i := range counts {
			k := c.lo + i
			var p float64
			switch {
			case k == c.lo:
				p = poissonCDF(c.lo, c.lambda)
			case k == c.hi:
				p = 1 - poissonCDF(c.hi-1, c.lambda)
			default:
				p = poissonPMF(k, c.lambda)
			}
			e := n * p
			chi2 += (counts[i] - e) * (counts[i] - e) / e
		}
		if chi2 > c.critical {
			t.Errorf("λ=%v: chi-square %v exceeds %v", c.lambda, chi2, c.critical)
		}
	}
}

func TestAR1Stationary(t *testing.T) {
	r := newRand(3, 3)
	const n = 200000
	a := newAR1(r, 0.9, 0.2)
	var sum, sum2, lag float64
	prev := a.x
	for range n {
		x := a.next(r)
		sum += x
		sum2 += x * x
		lag += x * prev
		prev = x
	}
	sd := math.Sqrt(sum2 / n)
	corr := lag / sum2
	if math.Abs(sum/n) > 0.01 || math.Abs(sd-0.2) > 0.005 || math.Abs(corr-0.9) > 0.01 {
		t.Errorf("AR(1) mean %v sd %v lag-1 correlation %v, want 0, 0.2, 0.9", sum/n, sd, corr)
	}
}

func TestPodNames(t *testing.T) {
	r := newRand(4, streamNames)
	hash := randomString(r, hashLen)
	if !regexp.MustCompile(`^[bcdfghjklmnpqrstvwxz2456789]{10}$`).MatchString(hash) {
		t.Fatalf("hash %q is not 10 characters of Kubernetes' alphabet", hash)
	}
	taken := map[string]bool{}
	names := podNames(r, "web", hash, 8, taken)
	re := regexp.MustCompile(`^web-` + hash + `-[bcdfghjklmnpqrstvwxz2456789]{5}$`)
	seen := map[string]bool{}
	for _, n := range names {
		if !re.MatchString(n) {
			t.Errorf("pod name %q does not match %s", n, re)
		}
		if seen[n] {
			t.Errorf("duplicate pod name %q", n)
		}
		seen[n] = true
	}
}

func TestLatencyDist(t *testing.T) {
	d := latencyDist{m: 0.06, sigma: 0.5, q: 0.01, tailMin: 4, alpha: 2.5}
	r := newRand(5, 5)
	const n = 400000
	var sum float64
	below := make([]float64, len(bucketBounds))
	for range n {
		x := d.draw(r)
		sum += x
		for b, bound := range bucketBounds {
			if x <= bound {
				below[b]++
			}
		}
	}
	// The sample mean converges to mean() (finite variance for α > 2).
	if got, want := sum/n, d.mean(); math.Abs(got/want-1) > 0.01 {
		t.Errorf("sample mean %v, model mean %v", got, want)
	}
	for b, bound := range bucketBounds {
		p := d.cdf(bound)
		se := math.Sqrt(p * (1 - p) / n)
		if got := below[b] / n; math.Abs(got-p) > 5*se+1e-9 {
			t.Errorf("P(X <= %v) sampled %v, cdf %v", bound, got, p)
		}
	}
}
