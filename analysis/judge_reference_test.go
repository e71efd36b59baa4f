package analysis

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
)

// judgeNums is a vector of reference numbers.
type judgeNums []refNum

func (v judgeNums) floats() []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// judgeMatrix is a matrix of reference numbers, row by row.
type judgeMatrix []judgeNums

func (m judgeMatrix) floats() [][]float64 {
	out := make([][]float64, len(m))
	for i, r := range m {
		out[i] = r.floats()
	}
	return out
}

// loadJudgeRef reads testdata/ref/<name> into v.
func loadJudgeRef(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "ref", name))
	if err != nil {
		t.Fatalf("reading reference values: %v (regenerate with the R script in testdata/ref)", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decoding %s: %v", name, err)
	}
}

// judgeClose reports whether got agrees with want to 1e-9 relative (or
// 1e-12 absolute, for values that are zero up to rounding in R), treating
// NaN as equal to NaN and infinities as equal to themselves.
func judgeClose(got, want float64) bool {
	return judgeCloseTol(got, want, 1e-12, 1e-9)
}

func judgeCloseTol(got, want, abs, rel float64) bool {
	switch {
	case math.IsNaN(want):
		return math.IsNaN(got)
	case math.IsInf(want, 0):
		return got == want
	}
	return scalar.EqualWithinAbsOrRel(got, want, abs, rel)
}

// primitivesRef is testdata/ref/primitives.json, written by
// testdata/ref/primitives.R; each case's R field names the R call.
type primitivesRef struct {
	T []struct {
		R                   string
		T, DF, Upper, Lower refNum
	}
	QT []struct {
		R        string
		P, DF, Q refNum
	}
	Binom []struct {
		R                     string
		X, N, P, Upper, Lower refNum
	}
	Poisson []struct {
		R                       string
		X, Lambda, Upper, Lower refNum
	}
	CI []struct {
		R                         string
		X, N, Level, Lower, Upper refNum
	}
	Holm []struct {
		R           string
		P, Adjusted judgeNums
	}
	TwoWay []struct {
		R     string
		Y     judgeMatrix
		Mu, B judgeNums
		S2    refNum `json:"sigma2"`
		DF    refNum `json:"df"`
	}
	AR1 []struct {
		R      string
		W, Pos judgeNums
		Rho, V refNum
	}
	Quad []struct {
		R           string
		Kind        string
		Pos         judgeNums
		Rho, Tr, DF refNum
	}
	Lag1 []struct {
		R          string
		Res        judgeMatrix
		Rho, Pairs refNum
	}
	PodTest []struct {
		R                                    string
		Canary, VS, WC, WCDF, Prior, Nu0, C  refNum
		Ex, ExDF                             refNum
		Stable                               judgeNums
		Observed, Between, Pooled, SE, DF, T refNum
		Upper, Lower                         refNum
	}
	Strata []struct {
		R                                          string
		CanaryEvents, Canary, StableEvents, Stable judgeNums
		RR, N, X, Theta                            refNum
	}
	Dispersion []struct {
		R                  string
		Events, Exposure   judgeMatrix
		Prior, Phi, X2, DF refNum
	}
	Heterogeneity []struct {
		R                string
		Events, Exposure judgeNums
		Phi, Sigma2      refNum
	}
	Slope []struct {
		R     string
		X, Y  judgeNums
		Slope refNum
	}
	LoadFit []struct {
		R                                    string
		Y, X                                 judgeMatrix
		Tau                                  refNum
		Slope, Idle, MeanLoad, MeanValue     refNum
		Sigma2, DF, Rho, NoiseVar, SpreadVar refNum
	}
}

func loadPrimitives(t *testing.T) primitivesRef {
	var ref primitivesRef
	loadJudgeRef(t, "primitives.json", &ref)
	return ref
}

// TestStudentTMatchesR checks tTails and tQuantile against R's pt and qt,
// including infinite degrees of freedom and far tails.
func TestStudentTMatchesR(t *testing.T) {
	t.Parallel()
	ref := loadPrimitives(t)
	if len(ref.T) == 0 || len(ref.QT) == 0 {
		t.Fatal("no reference cases")
	}
	for _, c := range ref.T {
		t.Run(c.R, func(t *testing.T) {
			up, lo := tTails(float64(c.T), float64(c.DF))
			if !judgeClose(up, float64(c.Upper)) || !judgeClose(lo, float64(c.Lower)) {
				t.Errorf("tTails(%g, %g) = %.17g, %.17g; R gives %.17g, %.17g", c.T, c.DF, up, lo, c.Upper, c.Lower)
			}
		})
	}
	for _, c := range ref.QT {
		t.Run(c.R, func(t *testing.T) {
			if got := tQuantile(float64(c.P), float64(c.DF)); !judgeClose(got, float64(c.Q)) {
				t.Errorf("tQuantile(%g, %g) = %.17g; R gives %.17g", c.P, c.DF, got, c.Q)
			}
		})
	}
}

// TestBinomialAndPoissonTailsMatchR checks the count tails against R's
// binom.test, poisson.test, pbeta and pgamma (real counts), with x = 0,
// x = n and n = 0.
func TestBinomialAndPoissonTailsMatchR(t *testing.T) {
	t.Parallel()
	ref := loadPrimitives(t)
	for _, c := range ref.Binom {
		t.Run(c.R, func(t *testing.T) {
			x, n, p := float64(c.X), float64(c.N), float64(c.P)
			if got := binomUpper(x, n, p); !judgeClose(got, float64(c.Upper)) {
				t.Errorf("binomUpper(%g, %g, %g) = %.17g; R gives %.17g", x, n, p, got, c.Upper)
			}
			if got := binomLower(x, n, p); !judgeClose(got, float64(c.Lower)) {
				t.Errorf("binomLower(%g, %g, %g) = %.17g; R gives %.17g", x, n, p, got, c.Lower)
			}
		})
	}
	for _, c := range ref.Poisson {
		t.Run(c.R, func(t *testing.T) {
			x, l := float64(c.X), float64(c.Lambda)
			if got := poissonUpper(x, l); !judgeClose(got, float64(c.Upper)) {
				t.Errorf("poissonUpper(%g, %g) = %.17g; R gives %.17g", x, l, got, c.Upper)
			}
			if got := poissonLower(x, l); !judgeClose(got, float64(c.Lower)) {
				t.Errorf("poissonLower(%g, %g) = %.17g; R gives %.17g", x, l, got, c.Lower)
			}
		})
	}
	for _, c := range ref.CI {
		t.Run(c.R, func(t *testing.T) {
			a := (1 - float64(c.Level)) / 2
			lo, hi := shareInterval(float64(c.X), float64(c.N), a, a)
			if !judgeClose(lo, float64(c.Lower)) || !judgeClose(hi, float64(c.Upper)) {
				t.Errorf("shareInterval = [%.17g, %.17g]; R gives [%.17g, %.17g]", lo, hi, c.Lower, c.Upper)
			}
		})
	}
}

// TestHolmMatchesR checks Holm against R's p.adjust(p, "holm"), with ties
// and NA, and that holmLevels rejects exactly what the adjusted p-values
// reject.
func TestHolmMatchesR(t *testing.T) {
	t.Parallel()
	ref := loadPrimitives(t)
	for i, c := range ref.Holm {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			p := c.P.floats()
			got := Holm(p)
			for k, want := range c.Adjusted.floats() {
				if !judgeClose(got[k], want) {
					t.Errorf("Holm(%v)[%d] = %.17g; R gives %.17g", p, k, got[k], want)
				}
			}
			for _, alpha := range []float64{0.001, 0.01, 0.05, 0.2} {
				lv := holmLevels(p, alpha)
				for k := range p {
					if math.IsNaN(p[k]) {
						continue
					}
					if rej, want := p[k] <= lv[k], got[k] <= alpha; rej != want {
						t.Errorf("alpha %g, p[%d] = %g: holmLevels rejects %v, adjusted p %g says %v", alpha, k, p[k], rej, got[k], want)
					}
				}
			}
		})
	}
}

// TestTwoWayFitMatchesLm checks the stable pods' common level and offsets
// against R's lm with sum-to-zero contrasts, with gaps, one pod and
// all-equal values.
func TestTwoWayFitMatchesLm(t *testing.T) {
	t.Parallel()
	ref := loadPrimitives(t)
	for i, c := range ref.TwoWay {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			y := c.Y.floats()
			mu, b := twoWayFit(y)
			for k, want := range c.Mu.floats() {
				if !judgeClose(mu[k], want) {
					t.Errorf("mu[%d] = %.17g; lm gives %.17g", k, mu[k], want)
				}
			}
			for k, want := range c.B.floats() {
				if !judgeClose(b[k], want) {
					t.Errorf("b[%d] = %.17g; lm gives %.17g", k, b[k], want)
				}
			}
			s2, _, df := residualVariance(y, mu, b)
			if !judgeClose(s2, float64(c.S2)) || df != float64(c.DF) {
				t.Errorf("residual variance %.17g on %g df; lm gives %.17g on %g", s2, df, c.S2, c.DF)
			}
		})
	}
}

// TestAutocorrelationMatchesR checks the AR(1) variance of linear
// statistics, the moments of quadratic forms and the pooled lag-one
// autocorrelation against R.
func TestAutocorrelationMatchesR(t *testing.T) {
	t.Parallel()
	ref := loadPrimitives(t)
	for i, c := range ref.AR1 {
		t.Run(fmt.Sprint("ar1/", i), func(t *testing.T) {
			if got := ar1QuadForm(c.W.floats(), c.Pos.floats(), float64(c.Rho)); !judgeClose(got, float64(c.V)) {
				t.Errorf("ar1QuadForm = %.17g; R gives %.17g", got, c.V)
			}
		})
	}
	for i, c := range ref.Quad {
		t.Run(fmt.Sprint("quad/", i), func(t *testing.T) {
			pos := c.Pos.floats()
			tr, df := meanMoments(pos, float64(c.Rho))
			if c.Kind == "diff" {
				tr, df = differenceMoments(pos, differencePairs(pos), float64(c.Rho))
			}
			if !judgeClose(tr, float64(c.Tr)) || !judgeClose(df, float64(c.DF)) {
				t.Errorf("moments = %.17g, %.17g; R gives %.17g, %.17g", tr, df, c.Tr, c.DF)
			}
		})
	}
	for i, c := range ref.Lag1 {
		t.Run(fmt.Sprint("lag1/", i), func(t *testing.T) {
			rho, pairs := pooledLag1(c.Res.floats())
			if !judgeClose(rho, float64(c.Rho)) || pairs != int(c.Pairs) {
				t.Errorf("pooledLag1 = %.17g (%d pairs); R gives %.17g (%g)", rho, pairs, c.Rho, c.Pairs)
			}
		})
	}
	for _, c := range ref.Slope {
		w := slopeWeights(c.X.floats())
		if got := dot(w, c.Y.floats()); !judgeClose(got, float64(c.Slope)) {
			t.Errorf("slope = %.17g; lm gives %.17g", got, c.Slope)
		}
	}
}

// TestPodTestMatchesR checks the one-against-many test against the same
// formulas evaluated in R (var, pt), including one stable pod, two canary
// pods and a zero prior.
func TestPodTestMatchesR(t *testing.T) {
	t.Parallel()
	ref := loadPrimitives(t)
	for i, c := range ref.PodTest {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			got := podTestInput{
				Canary: float64(c.Canary), Stable: c.Stable.floats(), StableNoise: float64(c.VS),
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
				if !judgeClose(p.got, p.want) {
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
	ref := loadPrimitives(t)
	for i, c := range ref.Strata {
		t.Run(fmt.Sprint("strata/", i), func(t *testing.T) {
			var steps []countStep
			for k := range c.Canary {
				steps = append(steps, countStep{
					canaryEvents: float64(c.CanaryEvents[k]), canary: float64(c.Canary[k]),
					stableEvents: float64(c.StableEvents[k]), stable: float64(c.Stable[k]),
				})
			}
			if got := mantelHaenszel(steps); !judgeClose(got, float64(c.RR)) {
				t.Errorf("mantelHaenszel = %.17g; R gives %.17g", got, c.RR)
			}
			n, x, theta := conditionalShare(steps)
			if !judgeClose(n, float64(c.N)) || !judgeClose(x, float64(c.X)) || !judgeClose(theta, float64(c.Theta)) {
				t.Errorf("conditionalShare = %g, %g, %.17g; R gives %g, %g, %.17g", n, x, theta, c.N, c.X, c.Theta)
			}
		})
	}
	for i, c := range ref.Dispersion {
		t.Run(fmt.Sprint("dispersion/", i), func(t *testing.T) {
			ev, ex := c.Events.floats(), c.Exposure.floats()
			pods := make([]podCounts, len(ev))
			for k := range ev {
				pods[k] = podCounts{events: ev[k], exposure: ex[k]}
			}
			phi, x2, df := dispersion(pods, rowRange(0, len(ev[0])), float64(c.Prior))
			if !judgeClose(phi, float64(c.Phi)) || !judgeClose(x2, float64(c.X2)) || df != float64(c.DF) {
				t.Errorf("dispersion = %.17g, %.17g, %g; R gives %.17g, %.17g, %g", phi, x2, df, c.Phi, c.X2, c.DF)
			}
		})
	}
	for i, c := range ref.Heterogeneity {
		t.Run(fmt.Sprint("heterogeneity/", i), func(t *testing.T) {
			if got := podHeterogeneity(c.Events.floats(), c.Exposure.floats(), float64(c.Phi)); !judgeClose(got, float64(c.Sigma2)) {
				t.Errorf("podHeterogeneity = %.17g; R gives %.17g", got, c.Sigma2)
			}
		})
	}
}

// TestLoadFitMatchesLm checks the stable pods' load model against R: the
// within-pod slope, residual variance and degrees of freedom of
// lm(y ~ x + factor(pod)), the residuals' pooled lag-one autocorrelation,
// the AR(1) variance of the slope from the full correlation matrices and
// the spread term, with gaps in either series.
func TestLoadFitMatchesLm(t *testing.T) {
	t.Parallel()
	ref := loadPrimitives(t)
	if len(ref.LoadFit) == 0 {
		t.Fatal("no load-fit reference values")
	}
	for i, c := range ref.LoadFit {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			f, ok := fitLoad(c.Y.floats(), c.X.floats(), float64(c.Tau))
			if !ok {
				t.Fatal("fitLoad failed")
			}
			pairs := []struct {
				name      string
				got, want float64
			}{
				{"slope", f.Slope, float64(c.Slope)}, {"idle", f.Idle, float64(c.Idle)},
				{"meanLoad", f.MeanLoad, float64(c.MeanLoad)}, {"meanValue", f.MeanValue, float64(c.MeanValue)},
				{"sigma2", f.Sigma2, float64(c.Sigma2)}, {"df", f.DF, float64(c.DF)}, {"rho", f.Rho, float64(c.Rho)},
				{"noiseVar", f.NoiseVar, float64(c.NoiseVar)}, {"spreadVar", f.SpreadVar, float64(c.SpreadVar)},
			}
			for _, p := range pairs {
				if !judgeClose(p.got, p.want) {
					t.Errorf("%s = %.17g; R gives %.17g", p.name, p.got, p.want)
				}
			}
		})
	}
}
