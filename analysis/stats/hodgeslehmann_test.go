package stats

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/canary-analyzer/canary-analyzer/analysis/internal/refdata"
)

// rUnirootTol bounds how far R's printed interval ends may lie from the
// exact step of the root function: wilcox.test calls uniroot with
// tol = 1e-4, and uniroot stops once the bracket around the sign change is
// within 2·(2ε|d| + tol/2) ≈ 1e-4 of its best end.
const rUnirootTol = 1e-4 + 1e-12

func TestHodgesLehmannCIMatchesReference(t *testing.T) {
	t.Parallel()
	var ref wilcoxReference
	refdata.Load(t, "wilcox_reference.json", &ref)
	for _, c := range ref.Cases {
		for _, ci := range c.CIs {
			name := fmt.Sprintf("%s/%s/correct=%v/%v", c.Name, ci.Alternative, ci.Correct, ci.Level)
			t.Run(name, func(t *testing.T) {
				got := HodgesLehmannCI(c.X, c.Y, ci.Level, mwParseAlt(t, ci.Alternative), ci.Correct)
				// Reference: bf_ci in wilcox_reference.R, which evaluates R's
				// root function W(d) - z_q in every gap between the sorted
				// outer(x, y, "-") and applies the definition documented on
				// HodgesLehmannCI; and median(outer(x, y, "-")).
				ex := ci.Exact
				if !refdata.Same(got.Lower, float64(ex.Lower), 1e-12, 1e-9) ||
					!refdata.Same(got.Upper, float64(ex.Upper), 1e-12, 1e-9) ||
					!refdata.Same(got.Estimate, float64(ex.Estimate), 1e-12, 1e-9) {
					t.Errorf("[%.17g, %.17g] est %.17g; exact reference [%.17g, %.17g] est %.17g",
						got.Lower, got.Upper, got.Estimate, float64(ex.Lower), float64(ex.Upper), float64(ex.Estimate))
				}
				if got.Level != ci.Level || got.Exact {
					t.Errorf("Level %v Exact %v", got.Level, got.Exact)
				}
				// Reference: wilcox.test(x, y, exact=FALSE, correct=...,
				// conf.int=TRUE, conf.level=..., alternative=...) in R 4.2.2;
				// nil where R stops with an error (all differences tied).
				r := ci.R
				if r == nil {
					return
				}
				if !refdata.Same(got.Lower, float64(r.Lower), rUnirootTol, 0) ||
					!refdata.Same(got.Upper, float64(r.Upper), rUnirootTol, 0) {
					t.Errorf("[%.17g, %.17g]; R printed [%.17g, %.17g]",
						got.Lower, got.Upper, float64(r.Lower), float64(r.Upper))
				}
				// R's estimate is a uniroot root of a function that is zero on
				// the whole gap between the two middle differences.
				lo, hi := float64(ex.MedianLo)-rUnirootTol, float64(ex.MedianHi)+rUnirootTol
				if est := float64(r.Estimate); !(est >= lo && est <= hi) {
					t.Errorf("R's estimate %v outside the middle gap [%v, %v]", est, lo, hi)
				}
			})
		}
	}
}

func TestHodgesLehmannCIUnirootMatchesR(t *testing.T) {
	t.Parallel()
	var ref wilcoxReference
	refdata.Load(t, "wilcox_reference.json", &ref)
	for _, c := range ref.Cases {
		for _, ci := range c.CIs {
			name := fmt.Sprintf("%s/%s/correct=%v/%v", c.Name, ci.Alternative, ci.Correct, ci.Level)
			t.Run(name, func(t *testing.T) {
				got := HodgesLehmannCIUniroot(c.X, c.Y, ci.Level, mwParseAlt(t, ci.Alternative), ci.Correct)
				// Reference: wilcox.test(x, y, exact=FALSE, correct=...,
				// conf.int=TRUE, conf.level=..., alternative=...) in R 4.2.2:
				// conf.int and estimate as R prints them; nil where R stops.
				r := ci.R
				if r == nil {
					if !math.IsNaN(got.Estimate) && !math.IsNaN(got.Lower) && !math.IsNaN(got.Upper) {
						t.Errorf("R fails here, got %+v", got)
					}
					return
				}
				if !refdata.Same(got.Lower, float64(r.Lower), 1e-12, 1e-12) ||
					!refdata.Same(got.Upper, float64(r.Upper), 1e-12, 1e-12) ||
					!refdata.Same(got.Estimate, float64(r.Estimate), 1e-12, 1e-12) {
					t.Errorf("[%.17g, %.17g] est %.17g; R [%.17g, %.17g] est %.17g",
						got.Lower, got.Upper, got.Estimate, float64(r.Lower), float64(r.Upper), float64(r.Estimate))
				}
			})
		}
	}
}

func TestHodgesLehmannExactCIMatchesR(t *testing.T) {
	t.Parallel()
	var ref wilcoxReference
	refdata.Load(t, "wilcox_reference.json", &ref)
	for _, c := range ref.Cases {
		for _, ex := range c.Exact {
			t.Run(c.Name+"/"+ex.Alternative, func(t *testing.T) {
				// Reference: wilcox.test(x, y, exact=TRUE, conf.int=TRUE,
				// conf.level=0.95, alternative=...) in R 4.2.2: conf.int,
				// attr(conf.int, "conf.level") and estimate.
				got, err := HodgesLehmannExactCI(c.X, c.Y, 0.95, mwParseAlt(t, ex.Alternative))
				if err != nil {
					t.Fatal(err)
				}
				if !refdata.Same(got.Lower, float64(ex.Lower), 1e-12, 1e-9) ||
					!refdata.Same(got.Upper, float64(ex.Upper), 1e-12, 1e-9) ||
					!refdata.Same(got.Estimate, float64(ex.Estimate), 1e-12, 1e-9) {
					t.Errorf("[%.17g, %.17g] est %.17g; R [%.17g, %.17g] est %.17g",
						got.Lower, got.Upper, got.Estimate, float64(ex.Lower), float64(ex.Upper), float64(ex.Estimate))
				}
				if !refdata.Same(got.Level, ex.Level, 1e-12, 1e-9) || !got.Exact {
					t.Errorf("level %.17g exact %v; R's level %.17g", got.Level, got.Exact, ex.Level)
				}
			})
		}
	}
}

func TestHodgesLehmannKayentaVector(t *testing.T) {
	t.Parallel()
	// Kayenta's published vector (kayenta-mannwhitney MannWhitneySuite), the
	// same as R: wilcox.test(c(10,20,30,40), c(1,2,3,4), conf.int=TRUE,
	// exact=FALSE, correct=TRUE, conf.level=0.95) gives [6, 39] and 22.5.
	got := HodgesLehmannCI([]float64{10, 20, 30, 40}, []float64{1, 2, 3, 4}, 0.95, TwoSided, true)
	if got.Lower != 6 || got.Upper != 39 || got.Estimate != 22.5 {
		t.Errorf("got %+v, want [6, 39] and 22.5", got)
	}
}

// hlBruteDiffs returns the sorted n·m differences.
func hlBruteDiffs(x, y []float64) []float64 {
	d := make([]float64, 0, len(x)*len(y))
	for _, a := range x {
		for _, b := range y {
			d = append(d, a-b)
		}
	}
	slices.Sort(d)
	return d
}

func TestPairwiseDifferenceOrderMatchesBruteForce(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	sizes := [][2]int{{1, 1}, {1, 30}, {30, 1}, {2, 3}, {7, 7}, {13, 40}, {40, 13}, {64, 64}, {150, 90}}
	for _, sz := range sizes {
		for _, kind := range []string{"continuous", "ties", "constant-x", "mixed-sign"} {
			x := make([]float64, sz[0])
			y := make([]float64, sz[1])
			fill := func(s []float64, shift float64) {
				for i := range s {
					switch kind {
					case "continuous":
						s[i] = rng.NormFloat64() + shift
					case "ties":
						s[i] = math.Round(2*rng.NormFloat64()) + shift
					case "constant-x":
						s[i] = 1 + shift
					case "mixed-sign":
						s[i] = (rng.Float64() - 0.5) * 1e3 * float64(1+i%3)
					}
				}
			}
			fill(x, 0.3)
			if kind == "constant-x" {
				kind = "ties" // y still varies, with ties
			}
			fill(y, 0)
			t.Run(fmt.Sprintf("%dx%d/%s", sz[0], sz[1], kind), func(t *testing.T) {
				want := hlBruteDiffs(x, y)
				ks := []int{1, len(want), (len(want) + 1) / 2, len(want)/2 + 1}
				for range 6 {
					ks = append(ks, 1+rng.IntN(len(want)))
				}
				for _, k := range ks {
					if got := PairwiseDifferenceOrder(x, y, k); got != want[k-1] {
						t.Fatalf("k=%d: got %v, want %v", k, got, want[k-1])
					}
				}
				n := len(want)
				med := want[n/2]
				if n%2 == 0 {
					med = (want[n/2-1] + want[n/2]) / 2
				}
				if got := HodgesLehmann(x, y); got != med {
					t.Errorf("HodgesLehmann = %v, brute-force median %v", got, med)
				}
			})
		}
	}
}

func TestHodgesLehmannDegenerate(t *testing.T) {
	t.Parallel()
	nan := math.NaN()
	tests := []struct {
		name string
		x, y []float64
	}{
		{"empty x", nil, []float64{1}},
		{"empty y", []float64{1}, nil},
		{"NaN", []float64{1, nan}, []float64{1}},
		{"infinity", []float64{1}, []float64{math.Inf(1)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := HodgesLehmann(tc.x, tc.y); !math.IsNaN(got) {
				t.Errorf("HodgesLehmann = %v, want NaN", got)
			}
			ci := HodgesLehmannCI(tc.x, tc.y, 0.95, TwoSided, true)
			if !math.IsNaN(ci.Lower) || !math.IsNaN(ci.Upper) || !math.IsNaN(ci.Estimate) {
				t.Errorf("CI = %+v, want NaN", ci)
			}
			ex, err := HodgesLehmannExactCI(tc.x, tc.y, 0.95, TwoSided)
			if err != nil || !math.IsNaN(ex.Estimate) {
				t.Errorf("exact CI = %+v, %v, want NaN and no error", ex, err)
			}
		})
	}
	t.Run("all differences tied", func(t *testing.T) {
		// R's wilcox.test(rep(10, 5), rep(1, 5), conf.int=TRUE,
		// exact=FALSE) stops: σ is 0 at the only difference, 9. The step
		// function is positive left of 9 and negative right of it.
		got := HodgesLehmannCI([]float64{10, 10, 10, 10, 10}, []float64{1, 1, 1, 1, 1}, 0.98, TwoSided, true)
		if got.Lower != 9 || got.Upper != 9 || got.Estimate != 9 {
			t.Errorf("got %+v, want [9, 9] and 9", got)
		}
	})
	t.Run("panics", func(t *testing.T) {
		for _, f := range []func(){
			func() { HodgesLehmannCI([]float64{1}, []float64{2}, 1, TwoSided, true) },
			func() { HodgesLehmannCI([]float64{1}, []float64{2}, 0, TwoSided, true) },
			func() { PairwiseDifferenceOrder([]float64{1}, []float64{2}, 2) },
			func() { PairwiseDifferenceOrder([]float64{1}, []float64{2}, 0) },
		} {
			if !mwPanics(f) {
				t.Error("no panic")
			}
		}
	})
}

func TestHodgesLehmannCIContainsEstimate(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range 40 {
		n, m := 1+rng.IntN(60), 1+rng.IntN(60)
		x, y := make([]float64, n), make([]float64, m)
		for j := range x {
			x[j] = math.Round(rng.ExpFloat64()*4) / 4
		}
		for j := range y {
			y[j] = math.Round(rng.ExpFloat64()*4)/4 + 0.25
		}
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			for _, level := range []float64{0.5, 0.9, 0.98} {
				ci := HodgesLehmannCI(x, y, level, TwoSided, true)
				if !(ci.Lower <= ci.Estimate && ci.Estimate <= ci.Upper) {
					t.Errorf("level %v: estimate %v outside [%v, %v]", level, ci.Estimate, ci.Lower, ci.Upper)
				}
				wider := HodgesLehmannCI(x, y, (1+level)/2, TwoSided, true)
				if wider.Lower > ci.Lower || wider.Upper < ci.Upper {
					t.Errorf("level %v interval [%v, %v] not inside the higher level's [%v, %v]",
						level, ci.Lower, ci.Upper, wider.Lower, wider.Upper)
				}
			}
		})
	}
}

// BenchmarkHodgesLehmann10k times the estimate and the 98% interval (four
// order statistics of 10^8 implicit differences, plus the sorts).
func BenchmarkHodgesLehmann10k(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	x, y := make([]float64, 10000), make([]float64, 10000)
	for i := range x {
		x[i] = rng.NormFloat64() + 0.1
		y[i] = rng.NormFloat64()
	}
	b.Run("estimate", func(b *testing.B) {
		for b.Loop() {
			HodgesLehmann(x, y)
		}
	})
	b.Run("estimate+CI", func(b *testing.B) {
		for b.Loop() {
			HodgesLehmannCI(x, y, 0.98, TwoSided, true)
		}
	})
}

func ExampleHodgesLehmannCI() {
	canary := []float64{0.231, 0.245, 0.219, 0.262, 0.240, 0.251}
	stable := []float64{0.171, 0.166, 0.180, 0.159, 0.175, 0.169, 0.162}
	ci := HodgesLehmannCI(canary, stable, 0.98, TwoSided, true)
	fmt.Printf("shift %.4f, 98%% CI [%.3f, %.3f]\n", ci.Estimate, ci.Lower, ci.Upper)
	// Output:
	// shift 0.0730, 98% CI [0.051, 0.092]
}

func ExampleHodgesLehmann() {
	// Kayenta's published vector: the median of the 16 differences.
	fmt.Println(HodgesLehmann([]float64{10, 20, 30, 40}, []float64{1, 2, 3, 4}))
	// Output:
	// 22.5
}
