package bench

import (
	"math"
	"testing"
	"time"

	"github.com/canary-analyzer/canary-analyzer/analysisrun"
)

// TestPoissonMixturePowerGH checks the log oracle's test against R 4.2.2.
// For σ = 0 the reference is the randomized Poisson test written with R's
// own quantile:
//
//	pw0 <- function(mu0, mu1, alpha) {
//	  k1 <- qpois(1 - alpha, mu0)
//	  g <- (alpha - ppois(k1, mu0, lower.tail=FALSE)) / dpois(k1, mu0)
//	  ppois(k1, mu1, lower.tail=FALSE) + g * dpois(k1, mu1)
//	}
//
// and for σ > 0 the same test on the mixture's probabilities from
// integrate():
//
//	pmf <- function(x, mu, s) integrate(function(z) dpois(x, mu*exp(s*z))*dnorm(z),
//	  -Inf, Inf, rel.tol=1e-13, subdivisions=1000L)$value
//	pwm <- function(mu0, mu1, s, alpha) {
//	  cdf0 <- 0; x <- 0
//	  repeat { p0 <- pmf(x, mu0, s); if (1 - (cdf0 + p0) <= alpha) break; cdf0 <- cdf0 + p0; x <- x + 1 }
//	  g <- (alpha - (1 - cdf0 - p0)) / p0
//	  cdf1 <- sum(sapply(0:x, function(y) pmf(y, mu1, s)))
//	  (1 - cdf1) + g * pmf(x, mu1, s)
//	}
//
// The mixtures are quadratures on both sides (100-point Gauss–Hermite
// here, adaptive in R), so they are compared to 1e-7.
func TestPoissonMixturePowerGH(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name                  string
		mu0, mu1, sigma, want float64
		tol                   float64
	}{
		{"pw0(1.5, 5.5, 0.01)", 1.5, 5.5, 0, 0.53837959152810566, 1e-9},
		{"pw0(12.25, 40.5, 0.01)", 12.25, 40.5, 0, 0.9995333727100707, 1e-9},
		{"1 - (1 - 0.01) * exp(-2.3)", 0, 2.3, 0, 0.90074374471442431, 1e-9},
		{"pwm(3, 13, 0.15, 0.01)", 3, 13, 0.15, 0.89752819646699733, 1e-7},
		{"pwm(20, 40, 0.15, 0.01)", 20, 40, 0.15, 0.74562090965197381, 1e-7},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := poissonMixturePowerGH(c.mu0, c.mu1, c.sigma, 0.01)
			if math.Abs(got-c.want) > c.tol*c.want {
				t.Errorf("power %.17g, R says %.17g", got, c.want)
			}
		})
	}
	t.Run("size", func(t *testing.T) {
		// Against the null itself the power is the level.
		for _, mu := range []float64{0.3, 4, 25} {
			for _, s := range []float64{0, 0.15} {
				if got := poissonMixturePowerGH(mu, mu, s, 0.01); math.Abs(got-0.01) > 1e-9 {
					t.Errorf("mu %g sigma %g: size %.12g, want 0.01", mu, s, got)
				}
			}
		}
	})
}

// TestLogBestPossible checks the oracle's cases on the log families.
func TestLogBestPossible(t *testing.T) {
	t.Parallel()
	l := analysisrun.Limits{InitialDelay: 4 * time.Minute, Interval: 2 * time.Minute, Count: 4}
	w := LogWindowFor(l, 30*time.Minute)
	for _, f := range LogFamilies() {
		t.Run(f.Name, func(t *testing.T) {
			c := f.Config(7, w)
			p := LogBestPossible(c, DetectBy, OracleAlpha)
			if f.Healthy {
				if !math.IsNaN(p) {
					t.Errorf("healthy family: best possible %g, want NaN", p)
				}
				return
			}
			if !(p >= OracleAlpha && p <= 1) {
				t.Fatalf("best possible %g", p)
			}
			if f.Name == "logs-latency-25" {
				// R 4.2.2: pnorm(log(1.25)/s - qnorm(0.99)) with the
				// instance's s; here checked by formula.
				want := 0.0
				if s := c.Variation.LatencySigma; s > 0 {
					want = normCDF(math.Log(1.25)/s - 2.3263478740408408)
				}
				if math.Abs(p-want) > 1e-9 {
					t.Errorf("latency: %g, want %g", p, want)
				}
			}
			// A longer look can only see more.
			if p10, p5 := p, LogBestPossible(c, 5*time.Minute, OracleAlpha); p5 > p10+1e-12 {
				t.Errorf("best possible by 5 min %g above by 10 min %g", p5, p10)
			}
		})
	}
}

func normCDF(x float64) float64 { return 0.5 * math.Erfc(-x/math.Sqrt2) }
