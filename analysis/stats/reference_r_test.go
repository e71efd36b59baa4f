package stats

import (
	"fmt"
	"math"
	"testing"

	"gonum.org/v1/gonum/floats"

	"github.com/canary-analyzer/canary-analyzer/analysis/internal/refdata"
)

// TestStudentTMatchesR checks TTails and TQuantile against R's pt and qt,
// including infinite degrees of freedom and far tails.
func TestStudentTMatchesR(t *testing.T) {
	t.Parallel()
	ref := refdata.LoadPrimitives(t)
	if len(ref.T) == 0 || len(ref.QT) == 0 {
		t.Fatal("no reference cases")
	}
	for _, c := range ref.T {
		t.Run(c.R, func(t *testing.T) {
			up, lo := TTails(float64(c.T), float64(c.DF))
			if !refdata.Close(up, float64(c.Upper)) || !refdata.Close(lo, float64(c.Lower)) {
				t.Errorf("TTails(%g, %g) = %.17g, %.17g; R gives %.17g, %.17g", c.T, c.DF, up, lo, c.Upper, c.Lower)
			}
		})
	}
	for _, c := range ref.QT {
		t.Run(c.R, func(t *testing.T) {
			if got := TQuantile(float64(c.P), float64(c.DF)); !refdata.Close(got, float64(c.Q)) {
				t.Errorf("TQuantile(%g, %g) = %.17g; R gives %.17g", c.P, c.DF, got, c.Q)
			}
		})
	}
}

// TestBinomialAndPoissonTailsMatchR checks the count tails against R's
// binom.test, poisson.test, pbeta and pgamma (real counts), with x = 0,
// x = n and n = 0.
func TestBinomialAndPoissonTailsMatchR(t *testing.T) {
	t.Parallel()
	ref := refdata.LoadPrimitives(t)
	for _, c := range ref.Binom {
		t.Run(c.R, func(t *testing.T) {
			x, n, p := float64(c.X), float64(c.N), float64(c.P)
			if got := BinomialUpper(x, n, p); !refdata.Close(got, float64(c.Upper)) {
				t.Errorf("BinomialUpper(%g, %g, %g) = %.17g; R gives %.17g", x, n, p, got, c.Upper)
			}
			if got := BinomialLower(x, n, p); !refdata.Close(got, float64(c.Lower)) {
				t.Errorf("BinomialLower(%g, %g, %g) = %.17g; R gives %.17g", x, n, p, got, c.Lower)
			}
		})
	}
	for _, c := range ref.Poisson {
		t.Run(c.R, func(t *testing.T) {
			x, l := float64(c.X), float64(c.Lambda)
			if got := PoissonUpper(x, l); !refdata.Close(got, float64(c.Upper)) {
				t.Errorf("PoissonUpper(%g, %g) = %.17g; R gives %.17g", x, l, got, c.Upper)
			}
			if got := PoissonLower(x, l); !refdata.Close(got, float64(c.Lower)) {
				t.Errorf("PoissonLower(%g, %g) = %.17g; R gives %.17g", x, l, got, c.Lower)
			}
		})
	}
	for _, c := range ref.CI {
		t.Run(c.R, func(t *testing.T) {
			a := (1 - float64(c.Level)) / 2
			lo, hi := ClopperPearson(float64(c.X), float64(c.N), a, a)
			if !refdata.Close(lo, float64(c.Lower)) || !refdata.Close(hi, float64(c.Upper)) {
				t.Errorf("ClopperPearson = [%.17g, %.17g]; R gives [%.17g, %.17g]", lo, hi, c.Lower, c.Upper)
			}
		})
	}
}

// TestHolmMatchesR checks Holm against R's p.adjust(p, "holm"), with ties
// and NA, and that holmLevels rejects exactly what the adjusted p-values
// reject.
func TestHolmMatchesR(t *testing.T) {
	t.Parallel()
	ref := refdata.LoadPrimitives(t)
	for i, c := range ref.Holm {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			p := c.P.Floats()
			got := Holm(p)
			for k, want := range c.Adjusted.Floats() {
				if !refdata.Close(got[k], want) {
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

// TestAutocorrelationMatchesR checks the AR(1) variance of linear
// statistics, the moments of quadratic forms and the pooled lag-one
// autocorrelation against R.
func TestAutocorrelationMatchesR(t *testing.T) {
	t.Parallel()
	ref := refdata.LoadPrimitives(t)
	for i, c := range ref.AR1 {
		t.Run(fmt.Sprint("ar1/", i), func(t *testing.T) {
			if got := AR1Variance(c.W.Floats(), c.Pos.Floats(), float64(c.Rho)); !refdata.Close(got, float64(c.V)) {
				t.Errorf("AR1Variance = %.17g; R gives %.17g", got, c.V)
			}
		})
	}
	for i, c := range ref.Quad {
		t.Run(fmt.Sprint("quad/", i), func(t *testing.T) {
			pos := c.Pos.Floats()
			tr, df := MeanMoments(pos, float64(c.Rho))
			switch c.Kind {
			case "diff":
				tr, df = DifferenceMoments(pos, DifferencePairs(pos), float64(c.Rho))
			case "line":
				tr, df = LineMoments(pos, float64(c.Rho))
			}
			if !refdata.Close(tr, float64(c.Tr)) || !refdata.Close(df, float64(c.DF)) {
				t.Errorf("moments = %.17g, %.17g; R gives %.17g, %.17g", tr, df, c.Tr, c.DF)
			}
		})
	}
	for i, c := range ref.Lag1 {
		t.Run(fmt.Sprint("lag1/", i), func(t *testing.T) {
			rho, pairs := PooledLag1(c.Res.Floats())
			if !refdata.Close(rho, float64(c.Rho)) || pairs != int(c.Pairs) {
				t.Errorf("PooledLag1 = %.17g (%d pairs); R gives %.17g (%g)", rho, pairs, c.Rho, c.Pairs)
			}
		})
	}
	for _, c := range ref.Slope {
		w := SlopeWeights(c.X.Floats())
		if got := floats.Dot(w, c.Y.Floats()); !refdata.Close(got, float64(c.Slope)) {
			t.Errorf("slope = %.17g; lm gives %.17g", got, c.Slope)
		}
	}
}
