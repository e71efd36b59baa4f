package canary

import (
	"fmt"
	"testing"

	"github.com/canary-analyzer/canary-analyzer/analysis/internal/refdata"
)

// TestTwoWayFitMatchesLm checks the stable pods' common level and offsets
// against R's lm with sum-to-zero contrasts, with gaps, one pod and
// all-equal values.
func TestTwoWayFitMatchesLm(t *testing.T) {
	t.Parallel()
	ref := refdata.LoadPrimitives(t)
	for i, c := range ref.TwoWay {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			y := c.Y.Floats()
			mu, b := twoWayFit(y)
			for k, want := range c.Mu.Floats() {
				if !refdata.Close(mu[k], want) {
					t.Errorf("mu[%d] = %.17g; lm gives %.17g", k, mu[k], want)
				}
			}
			for k, want := range c.B.Floats() {
				if !refdata.Close(b[k], want) {
					t.Errorf("b[%d] = %.17g; lm gives %.17g", k, b[k], want)
				}
			}
			s2, _, df := residualVariance(y, mu, b)
			if !refdata.Close(s2, float64(c.S2)) || df != float64(c.DF) {
				t.Errorf("residual variance %.17g on %g df; lm gives %.17g on %g", s2, df, c.S2, c.DF)
			}
		})
	}
}

// TestPodTestMatchesR checks the one-against-many test against the same
// formulas evaluated in R (var, pt), including one stable pod, two canary
// pods and a zero prior.
func TestPodTestMatchesR(t *testing.T) {
	t.Parallel()
	ref := refdata.LoadPrimitives(t)
	for i, c := range ref.PodTest {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			got := podTestInput{
				Canary: float64(c.Canary), Stable: c.Stable.Floats(), StableNoise: float64(c.VS),
				CanaryNoise: float64(c.WC), CanaryNoiseDF: float64(c.WCDF),
				Prior: float64(c.Prior), PriorPods: float64(c.Nu0), CanaryPods: int(c.C),
				Extra: float64(c.Ex), ExtraDF: float64(c.ExDF),
			}.run()
			pairs := []struct {
				name      string
				got, want float64
			}{
				{"observed", got.Observed, float64(c.Observed)}, {"between", got.Between, float64(c.Between)},
				{"pooled", got.Pooled, float64(c.Pooled)}, {"se", got.SE, float64(c.SE)},
				{"df", got.DF, float64(c.DF)}, {"t", got.T, float64(c.T)},
				{"upper", got.Upper, float64(c.Upper)}, {"lower", got.Lower, float64(c.Lower)},
			}
			for _, p := range pairs {
				if !refdata.Close(p.got, p.want) {
					t.Errorf("%s = %.17g; R gives %.17g", p.name, p.got, p.want)
				}
			}
		})
	}
}

// TestCountStrataMatchR checks the Mantel–Haenszel rate ratio, the
// conditional share, the over-dispersion and the pod heterogeneity
// against R.
func TestCountStrataMatchR(t *testing.T) {
	t.Parallel()
	ref := refdata.LoadPrimitives(t)
	for i, c := range ref.Strata {
		t.Run(fmt.Sprint("strata/", i), func(t *testing.T) {
			var steps []countStep
			for k := range c.Canary {
				steps = append(steps, countStep{
					canaryEvents: float64(c.CanaryEvents[k]), canary: float64(c.Canary[k]),
					stableEvents: float64(c.StableEvents[k]), stable: float64(c.Stable[k]),
				})
			}
			if got := mantelHaenszel(steps); !refdata.Close(got, float64(c.RR)) {
				t.Errorf("mantelHaenszel = %.17g; R gives %.17g", got, c.RR)
			}
			n, x, theta := conditionalShare(steps)
			if !refdata.Close(n, float64(c.N)) || !refdata.Close(x, float64(c.X)) || !refdata.Close(theta, float64(c.Theta)) {
				t.Errorf("conditionalShare = %g, %g, %.17g; R gives %g, %g, %.17g", n, x, theta, c.N, c.X, c.Theta)
			}
		})
	}
	for i, c := range ref.Dispersion {
		t.Run(fmt.Sprint("dispersion/", i), func(t *testing.T) {
			ev, ex := c.Events.Floats(), c.Exposure.Floats()
			pods := make([]podCounts, len(ev))
			for k := range ev {
				pods[k] = podCounts{events: ev[k], exposure: ex[k]}
			}
			phi, x2, df := dispersion(pods, rowRange(0, len(ev[0])), float64(c.Prior))
			if !refdata.Close(phi, float64(c.Phi)) || !refdata.Close(x2, float64(c.X2)) || df != float64(c.DF) {
				t.Errorf("dispersion = %.17g, %.17g, %g; R gives %.17g, %.17g, %g", phi, x2, df, c.Phi, c.X2, c.DF)
			}
		})
	}
	for i, c := range ref.Heterogeneity {
		t.Run(fmt.Sprint("heterogeneity/", i), func(t *testing.T) {
			if got := podHeterogeneity(c.Events.Floats(), c.Exposure.Floats(), float64(c.Phi)); !refdata.Close(got, float64(c.Sigma2)) {
				t.Errorf("podHeterogeneity = %.17g; R gives %.17g", got, c.Sigma2)
			}
		})
	}
}

// TestLoadFitWithoutOutliersMatchesR checks fitLoadRobust against R: the
// samples whose lm(y ~ x + factor(pod)) residual exceeds 2.5 times
// mad(e, center = 0) are left out and the model is fitted again (slope,
// residual variance, degrees of freedom, autocorrelation, the three slope
// variances), on data with two and three glitched steps (a half, a double).
func TestLoadFitWithoutOutliersMatchesR(t *testing.T) {
	t.Parallel()
	ref := refdata.LoadPrimitives(t)
	if len(ref.LoadFitRobust) == 0 {
		t.Fatal("no reference values for the load fit without outliers")
	}
	for i, c := range ref.LoadFitRobust {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			f, ok := fitLoadRobust(c.Y.Floats(), c.X.Floats(), float64(c.Tau))
			if !ok {
				t.Fatal("fitLoadRobust failed")
			}
			if f.Outliers != c.Outliers {
				t.Errorf("outliers = %d; R leaves out %d", f.Outliers, c.Outliers)
			}
			checkLoadFit(t, f, c.LoadFitCase, nil)
		})
	}
}

// TestLoadFitMatchesLm checks the stable pods' load model against R: the
// within-pod slope, residual variance and degrees of freedom of
// lm(y ~ x + factor(pod)), the residuals' pooled lag-one autocorrelation,
// the AR(1) variance of the slope from the full correlation matrices, the
// spread term and the cluster-robust variance (the sandwich with the pods
// as clusters), with gaps in either series.
func TestLoadFitMatchesLm(t *testing.T) {
	t.Parallel()
	ref := refdata.LoadPrimitives(t)
	if len(ref.LoadFit) == 0 {
		t.Fatal("no load-fit reference values")
	}
	for i, c := range ref.LoadFit {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			f, ok := fitLoad(c.Y.Floats(), c.X.Floats(), float64(c.Tau))
			if !ok {
				t.Fatal("fitLoad failed")
			}
			// Inside the loads the pods' variance replaces the model's only
			// beyond qchisq(0.95, K − 1)/(K − 1) times it; the fixtures have
			// three pods, and R's qchisq(0.95, 2) is 5.991464547107979.
			model, pods := float64(c.NoiseVar+c.SpreadVar), float64(c.PodSlopeVar)
			want := model
			if pods > 5.991464547107979/2*model {
				want = pods
			}
			inside, _ := f.slopeVariance(f.MeanLoad)
			below, _ := f.slopeVariance(f.LoadLow / 2)
			checkLoadFit(t, f, c, []refPair{
				{"slope variance inside the loads", inside, want},
				{"slope variance below the loads", below, model},
			})
		})
	}
}

// refPair is one value compared with its reference.
type refPair struct {
	name      string
	got, want float64
}

// checkLoadFit compares a load fit with R's values in c, and the extra
// pairs too.
func checkLoadFit(t *testing.T, f loadFit, c refdata.LoadFitCase, extra []refPair) {
	t.Helper()
	pairs := append([]refPair{
		{"slope", f.Slope, float64(c.Slope)}, {"idle", f.Idle, float64(c.Idle)},
		{"meanLoad", f.MeanLoad, float64(c.MeanLoad)}, {"meanValue", f.MeanValue, float64(c.MeanValue)},
		{"sigma2", f.Sigma2, float64(c.Sigma2)}, {"df", f.DF, float64(c.DF)}, {"rho", f.Rho, float64(c.Rho)},
		{"noiseVar", f.NoiseVar, float64(c.NoiseVar)}, {"spreadVar", f.SpreadVar, float64(c.SpreadVar)},
		{"podSlopeVar", f.PodSlopeVar, float64(c.PodSlopeVar)}, {"podDF", f.PodDF, float64(c.PodDF)},
	}, extra...)
	for _, p := range pairs {
		if !refdata.Close(p.got, p.want) {
			t.Errorf("%s = %.17g; R gives %.17g", p.name, p.got, p.want)
		}
	}
}
