package stats

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"

	"github.com/canary-analyzer/canary-analyzer/analysis/internal/refdata"
)

// wilcoxRefCI is one interval as R printed it or as the brute-force
// reference of wilcox_reference.R defines it.
type wilcoxRefCI struct {
	Lower, Upper, Estimate refdata.Num
	// MedianLo and MedianHi are the two middle differences (equal for an
	// odd count); only the brute-force reference has them.
	MedianLo refdata.Num `json:"median_lo"`
	MedianHi refdata.Num `json:"median_hi"`
}

// wilcoxReference is testdata/wilcox_reference.json, written by
// testdata/gen/wilcox_reference.R.
type wilcoxReference struct {
	Cases []struct {
		Name  string
		X, Y  []float64
		Tests []struct {
			Alternative string
			Correct     bool
			W, P        refdata.Num
		}
		CIs []struct {
			Alternative string
			Correct     bool
			Level       float64
			R           *wilcoxRefCI
			Exact       wilcoxRefCI
		}
		Exact []struct {
			Alternative                  string
			W, P, Lower, Upper, Estimate refdata.Num
			Level                        float64
		}
	}
	Distributions []struct {
		N, M                         int
		Q, CDF, SF, PMF, P, Quantile []float64
	}
}

// scipyReference is testdata/mannwhitney_scipy.json, written by
// testdata/gen/mannwhitney_scipy.py.
type scipyReference struct {
	Cases []struct {
		Name    string
		Results []struct {
			Alternative string
			Correct     bool
			Method      string
			U, P        refdata.Num
		}
	}
}

func mwParseAlt(t *testing.T, s string) Alternative {
	t.Helper()
	switch s {
	case "two.sided":
		return TwoSided
	case "greater":
		return Greater
	case "less":
		return Less
	}
	t.Fatalf("unknown alternative %q", s)
	return 0
}

func TestMannWhitneyMatchesR(t *testing.T) {
	t.Parallel()
	var ref wilcoxReference
	refdata.Load(t, "wilcox_reference.json", &ref)
	for _, c := range ref.Cases {
		for _, tc := range c.Tests {
			name := fmt.Sprintf("%s/%s/correct=%v", c.Name, tc.Alternative, tc.Correct)
			t.Run(name, func(t *testing.T) {
				// Reference: wilcox.test(x, y, exact=FALSE, correct=tc.Correct,
				// alternative=tc.Alternative) in R 4.2.2 (wilcox_reference.R).
				got := MannWhitney(c.X, c.Y, mwParseAlt(t, tc.Alternative), tc.Correct)
				if !refdata.Same(got.U, float64(tc.W), 1e-12, 1e-12) {
					t.Errorf("U = %v, R's W = %v", got.U, tc.W)
				}
				if !refdata.Same(got.PValue, float64(tc.P), 1e-300, 1e-9) {
					t.Errorf("p = %.17g, R's p = %.17g", got.PValue, float64(tc.P))
				}
				if got.Exact || got.NX != len(c.X) || got.NY != len(c.Y) {
					t.Errorf("Exact, NX, NY = %v, %d, %d", got.Exact, got.NX, got.NY)
				}
			})
		}
	}
}

func TestMannWhitneyExactMatchesR(t *testing.T) {
	t.Parallel()
	var ref wilcoxReference
	refdata.Load(t, "wilcox_reference.json", &ref)
	n := 0
	for _, c := range ref.Cases {
		for _, tc := range c.Exact {
			n++
			t.Run(c.Name+"/"+tc.Alternative, func(t *testing.T) {
				// Reference: wilcox.test(x, y, exact=TRUE,
				// alternative=tc.Alternative)$p.value in R 4.2.2.
				got, err := MannWhitneyExact(c.X, c.Y, mwParseAlt(t, tc.Alternative))
				if err != nil {
					t.Fatal(err)
				}
				if !got.Exact || !refdata.Same(got.U, float64(tc.W), 0, 0) {
					t.Errorf("U = %v (exact %v), R's W = %v", got.U, got.Exact, tc.W)
				}
				if !refdata.Same(got.PValue, float64(tc.P), 1e-300, 1e-9) {
					t.Errorf("p = %.17g, R's p = %.17g", got.PValue, float64(tc.P))
				}
			})
		}
	}
	if n < 15 {
		t.Fatalf("only %d exact reference rows", n)
	}
}

func TestMannWhitneyMatchesSciPy(t *testing.T) {
	t.Parallel()
	var ref wilcoxReference
	refdata.Load(t, "wilcox_reference.json", &ref)
	var sp scipyReference
	refdata.Load(t, "mannwhitney_scipy.json", &sp)
	if len(sp.Cases) != len(ref.Cases) {
		t.Fatalf("%d SciPy cases for %d R cases", len(sp.Cases), len(ref.Cases))
	}
	for i, c := range sp.Cases {
		x, y := ref.Cases[i].X, ref.Cases[i].Y
		for _, r := range c.Results {
			name := fmt.Sprintf("%s/%s/%s/correct=%v", c.Name, r.Method, r.Alternative, r.Correct)
			t.Run(name, func(t *testing.T) {
				if c.Name == "all-equal" && r.Alternative == "two.sided" && r.Correct {
					// SciPy 1.10 gives p = 1 here (it corrects max(U1, U2)
					// and clips); R gives NaN, and we follow R
					// (TestMannWhitneyMatchesR checks it).
					t.Skip("SciPy and R disagree; R is the reference")
				}
				// Reference: scipy.stats.mannwhitneyu(x, y, alternative=...,
				// method=r.Method, use_continuity=r.Correct), SciPy 1.10.1.
				alt := mwParseAlt(t, r.Alternative)
				var got MannWhitneyResult
				if r.Method == "exact" {
					var err error
					if got, err = MannWhitneyExact(x, y, alt); err != nil {
						t.Fatal(err)
					}
				} else {
					got = MannWhitney(x, y, alt, r.Correct)
				}
				if !refdata.Same(got.U, float64(r.U), 1e-12, 1e-12) {
					t.Errorf("U = %v, SciPy's U = %v", got.U, r.U)
				}
				if !refdata.Same(got.PValue, float64(r.P), 1e-300, 1e-9) {
					t.Errorf("p = %.17g, SciPy's p = %.17g", got.PValue, float64(r.P))
				}
			})
		}
	}
}

func TestWilcoxonRankSumMatchesR(t *testing.T) {
	t.Parallel()
	var ref wilcoxReference
	refdata.Load(t, "wilcox_reference.json", &ref)
	for _, d := range ref.Distributions {
		t.Run(fmt.Sprintf("n=%d,m=%d", d.N, d.M), func(t *testing.T) {
			w := NewWilcoxonRankSum(d.N, d.M)
			for i, q := range d.Q {
				// Reference: pwilcox(q, n, m), pwilcox(q, n, m,
				// lower.tail=FALSE) and dwilcox(q, n, m) in R 4.2.2.
				if got := w.CDF(q); !refdata.Same(got, d.CDF[i], 1e-300, 1e-9) {
					t.Errorf("CDF(%v) = %.17g, R %.17g", q, got, d.CDF[i])
				}
				if got := w.Survival(q); !refdata.Same(got, d.SF[i], 1e-300, 1e-9) {
					t.Errorf("Survival(%v) = %.17g, R %.17g", q, got, d.SF[i])
				}
				if got := w.Prob(q); !refdata.Same(got, d.PMF[i], 1e-300, 1e-9) {
					t.Errorf("Prob(%v) = %.17g, R %.17g", q, got, d.PMF[i])
				}
			}
			for i, p := range d.P {
				// Reference: qwilcox(p, n, m) in R 4.2.2.
				if got := w.Quantile(p); got != d.Quantile[i] {
					t.Errorf("Quantile(%v) = %v, R %v", p, got, d.Quantile[i])
				}
			}
		})
	}
}

func TestWilcoxonRankSumSumsToOne(t *testing.T) {
	t.Parallel()
	for _, sz := range [][2]int{{1, 1}, {1, 9}, {9, 1}, {8, 13}, {50, 50}} {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			w := NewWilcoxonRankSum(sz[0], sz[1])
			var s float64
			nm := sz[0] * sz[1]
			for u := 0; u <= nm; u++ {
				s += w.Prob(float64(u))
				// The distribution is symmetric about nm/2.
				if !scalar.EqualWithinAbsOrRel(w.Prob(float64(u)), w.Prob(float64(nm-u)), 1e-300, 1e-12) {
					t.Fatalf("P(%d) != P(%d)", u, nm-u)
				}
			}
			if !scalar.EqualWithinAbs(s, 1, 1e-12) {
				t.Errorf("probabilities sum to %v", s)
			}
		})
	}
}

func TestMannWhitneyEdgeCases(t *testing.T) {
	t.Parallel()
	nan := math.NaN()
	tests := []struct {
		name    string
		x, y    []float64
		alt     Alternative
		correct bool
		wantU   float64
		wantP   float64
	}{
		// No data on a side, or a NaN: everything NaN, no panic.
		{"empty x", nil, []float64{1, 2}, TwoSided, true, nan, nan},
		{"empty y", []float64{1, 2}, []float64{}, TwoSided, true, nan, nan},
		{"NaN in x", []float64{1, nan}, []float64{1, 2}, TwoSided, true, nan, nan},
		{"NaN in y", []float64{1, 2}, []float64{nan}, Greater, false, nan, nan},
		// All values tied: σ = 0. R: wilcox.test(c(3,3,3), c(3,3),
		// exact=FALSE) gives W = 3 and p = NaN two-sided, and p = 1 for
		// alternative="greater" with correct=TRUE (z = -0.5/0 = -Inf).
		{"all tied two-sided", []float64{3, 3, 3}, []float64{3, 3}, TwoSided, true, 3, nan},
		{"all tied greater", []float64{3, 3, 3}, []float64{3, 3}, Greater, true, 3, 1},
		{"all tied uncorrected", []float64{3, 3, 3}, []float64{3, 3}, Less, false, 3, nan},
		// Infinities rank like values. R: wilcox.test(c(Inf, 2), c(1, -Inf),
		// exact=FALSE)$p.value = 0.24527811680677283, W = 4.
		{"infinities", []float64{math.Inf(1), 2}, []float64{1, math.Inf(-1)}, TwoSided, true, 4, 0.24527811680677283},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := MannWhitney(tc.x, tc.y, tc.alt, tc.correct)
			if !refdata.Same(got.U, tc.wantU, 0, 0) || !refdata.Same(got.PValue, tc.wantP, 1e-15, 1e-9) {
				t.Errorf("U, p = %v, %v; want %v, %v", got.U, got.PValue, tc.wantU, tc.wantP)
			}
		})
	}
}

func TestMannWhitneyExactUnavailable(t *testing.T) {
	t.Parallel()
	big := make([]float64, 60)
	for i := range big {
		big[i] = float64(i) + 0.5
	}
	tests := []struct {
		name string
		x, y []float64
	}{
		{"ties across samples", []float64{1, 2, 3}, []float64{3, 4}},
		{"ties within a sample", []float64{1, 1, 2}, []float64{5, 6}},
		{"too many pairs", big, big[:50]},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := MannWhitneyExact(tc.x, tc.y, TwoSided); !errors.Is(err, ErrExactUnavailable) {
				t.Errorf("err = %v, want ErrExactUnavailable", err)
			}
			if _, err := HodgesLehmannExactCI(tc.x, tc.y, 0.95, TwoSided); !errors.Is(err, ErrExactUnavailable) {
				t.Errorf("CI err = %v, want ErrExactUnavailable", err)
			}
		})
	}
	t.Run("empty gives NaN without error", func(t *testing.T) {
		got, err := MannWhitneyExact(nil, []float64{1}, Less)
		if err != nil || !math.IsNaN(got.PValue) {
			t.Errorf("got %+v, %v", got, err)
		}
	})
}

func TestMannWhitneyPanicsOnUnknownAlternative(t *testing.T) {
	t.Parallel()
	if !mwPanics(func() { MannWhitney([]float64{1}, []float64{2}, Alternative(7), true) }) {
		t.Error("no panic for an unknown alternative")
	}
	if !mwPanics(func() { NewWilcoxonRankSum(0, 3) }) {
		t.Error("no panic for an empty sample size")
	}
}

func mwPanics(f func()) (panicked bool) {
	defer func() {
		if recover() != nil {
			panicked = true
		}
	}()
	f()
	return false
}

func ExampleMannWhitney() {
	canary := []float64{0.231, 0.245, 0.219, 0.262, 0.240, 0.251}
	stable := []float64{0.171, 0.166, 0.180, 0.159, 0.175, 0.169, 0.162}
	// R: wilcox.test(canary, stable, alternative="greater", exact=FALSE)
	// gives W = 42, p-value = 0.0017026179106473815; z = (42 - 21 - 0.5)/7.
	r := MannWhitney(canary, stable, Greater, true)
	fmt.Printf("U = %.0f, z = %.3f, p = %.5f\n", r.U, r.Z, r.PValue)

	// Output:
	// U = 42, z = 2.929, p = 0.00170
}
