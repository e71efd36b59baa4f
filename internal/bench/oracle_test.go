package bench

import (
	"math"
	"testing"
	"time"

	"github.com/canary-analyzer/canary-analyzer/internal/scenario"
)

func close9(a, b float64) bool {
	return math.Abs(a-b) <= 1e-9*math.Max(math.Abs(a), math.Abs(b))
}

func TestPoissonTailMatchesR(t *testing.T) {
	t.Parallel()
	cases := []struct {
		k    int
		m    float64
		want float64
	}{
		{5, 2.5, 0.10882198108584877},      // R: ppois(4, 2.5, lower.tail = FALSE)
		{30, 12.3, 1.3991942913253104e-05}, // R: ppois(29, 12.3, lower.tail = FALSE)
		{0, 3, 1},
		{1, 0, 0},
	}
	for _, c := range cases {
		if got := poissonTail(c.k, c.m); !close9(got, c.want) && !(got == c.want) {
			t.Errorf("poissonTail(%d, %g) = %.17g, R gives %.17g", c.k, c.m, got, c.want)
		}
	}
}

func TestPoissonMixturePower(t *testing.T) {
	t.Parallel()
	t.Run("matches R without pod spread", func(t *testing.T) {
		// R: mu <- 3; f <- 5; a <- 0.01; k is the smallest k with
		// ppois(k-1, mu, lower.tail = FALSE) <= a (9), randomized at k-1
		// with g = (a - P0(X>=k)) / (P0(X>=k-1) - P0(X>=k)); the power is
		// P1(X>=k) + g*(P1(X>=k-1) - P1(X>=k)) with P1 at mu*f:
		// 0.97742683961732846.
		if got := poissonMixturePower(3, 5, 0, 0, 0.01); !close9(got, 0.97742683961732846) {
			t.Errorf("power %.17g, R gives 0.97742683961732846", got)
		}
	})
	t.Run("size is alpha", func(t *testing.T) {
		for _, sigma := range []float64{0, 0.15, 0.5} {
			for _, mu := range []float64{0.7, 4, 60} {
				if got := poissonMixturePower(mu, 1, 0, sigma, 0.01); !close9(got, 0.01) {
					t.Errorf("mu %g sigma %g: power under the null %g, want the level 0.01", mu, sigma, got)
				}
			}
		}
	})
	t.Run("pod spread costs power", func(t *testing.T) {
		if a, b := poissonMixturePower(10, 2, 0, 0, 0.01), poissonMixturePower(10, 2, 0, 0.3, 0.01); !(b < a) {
			t.Errorf("power with spread %g, without %g", b, a)
		}
	})
	t.Run("new events are proof", func(t *testing.T) {
		// With no events possible under the null, one event rejects:
		// R: 1 - exp(-0.005 * 800) = 0.98168436111126578.
		if got := poissonMixturePower(0, 1, 0.005*800, 0.15, 0.01); !close9(got, 0.98168436111126578) {
			t.Errorf("power %.17g, want 0.98168436111126578", got)
		}
	})
}

func TestBestPossible(t *testing.T) {
	t.Parallel()
	truth := func(family string, seed uint64) scenario.Truth {
		f, ok := scenario.LookupFamily(family)
		if !ok {
			t.Fatalf("no family %s", family)
		}
		s := f.Scenario(seed)
		s.CanaryAge = 11 * time.Minute
		tr := scenario.Truth{Name: s.Name, Healthy: s.Healthy, Scenario: s, Effects: s.Effects, Seed: seed,
			CanaryStart: time.Unix(0, 0)}
		tr.Spread.LatencyPodSigma = 0.065
		tr.Spread.ErrorPodSigma = s.PodErrorSpread
		tr.Spread.CPUPodSigma = s.CPUSpread
		tr.Pods = []scenario.PodTruth{{Canary: true, Requests: 1100}}
		return tr
	}
	t.Run("latency", func(t *testing.T) {
		// R: pnorm(log(1.25)/0.065 - qnorm(0.99)) = 0.86577299945560071.
		if got := BestPossible(truth("latency-25", 1), DetectBy, 0.01); !close9(got, 0.86577299945560071) {
			t.Errorf("latency-25 limit %.17g, R gives 0.86577299945560071", got)
		}
	})
	t.Run("new errors", func(t *testing.T) {
		// 1000 of the 1100 requests come by age 10 of 11 min: 1 - exp(-0.005*1000).
		want := 1 - math.Exp(-5)
		if got := BestPossible(truth("errors-new", 1), DetectBy, 0.01); !close9(got, want) {
			t.Errorf("errors-new limit %.17g, want %.17g", got, want)
		}
	})
	t.Run("healthy has none", func(t *testing.T) {
		if got := BestPossible(truth("healthy", 1), DetectBy, 0.01); !math.IsNaN(got) {
			t.Errorf("healthy limit %g, want NaN", got)
		}
	})
	t.Run("crash loop", func(t *testing.T) {
		tr := truth("crash-loop", 1)
		tr.CanaryRestarts = []time.Time{tr.CanaryStart.Add(70 * time.Second)}
		if got := BestPossible(tr, DetectBy, 0.01); got != 1 {
			t.Errorf("crash-loop limit %g, want 1", got)
		}
		tr.CanaryRestarts = nil
		if got := BestPossible(tr, DetectBy, 0.01); got != 0 {
			t.Errorf("crash-loop without restarts %g, want 0", got)
		}
	})
	t.Run("CPU without the idle share keeps its size for every idle share", func(t *testing.T) {
		// A stable pod spends 0.036 cores at 4 req/s. All idle, a canary
		// serving 1 req/s is rejected about alpha of the time; with no
		// idle, one serving 10 req/s is; any other split rejects less.
		for _, c := range []struct{ b, kappa, rate float64 }{{0.036, 0, 1}, {0, 0.009, 10}, {0.02, 0.004, 1}, {0.02, 0.004, 10}} {
			got := cpuMinimaxPower(c.b, c.kappa, c.rate, 4, 1, 0.08, 0.01, 5)
			if got > 0.014 {
				t.Errorf("%+v: size %g, want at most about 0.01", c, got)
			}
		}
	})
	t.Run("CPU test has its size", func(t *testing.T) {
		// Monte Carlo with 20000 draws: the null rejects at about alpha.
		for _, rate := range []float64{0.5, 5, 50} {
			if got := cpuLevelPower(0.02, 0.004, rate, 1, 0.08, 0, 0.01, 3); math.Abs(got-0.01) > 0.004 {
				t.Errorf("rate %g: size %g, want about 0.01", rate, got)
			}
		}
		if lo, hi := cpuLevelPower(0.02, 0.004, 0.5, 1.5, 0.08, 0, 0.01, 3), cpuLevelPower(0.02, 0.004, 50, 1.5, 0.08, 0, 0.01, 3); !(lo < 0.5 && hi > 0.99) {
			t.Errorf("power %g at 0.5 req/s (idle dominates), %g at 50 req/s", lo, hi)
		}
	})
}
