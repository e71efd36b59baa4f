// Package refdata reads the reference values that the R and SciPy generators in
// analysis/testdata write, for the tests of the analysis packages.
package refdata

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
)

// Num is a reference number written by the R and SciPy generators in
// analysis/testdata: a JSON number, or one of the strings "NaN", "Inf",
// "-Inf" (JSON has no such numbers).
type Num float64

// UnmarshalJSON implements json.Unmarshaler.
func (r *Num) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		switch s {
		case "NaN":
			*r = Num(math.NaN())
		case "Inf":
			*r = Num(math.Inf(1))
		case "-Inf":
			*r = Num(math.Inf(-1))
		default:
			return fmt.Errorf("unknown reference number %q", s)
		}
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	*r = Num(f)
	return nil
}

// Load decodes analysis/testdata/<name> into v; the test runs in a package
// directory directly under analysis/.
func Load(tb testing.TB, name string, v any) {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", name))
	if err != nil {
		tb.Fatalf("reading reference values: %v (the generators in analysis/testdata write them)", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		tb.Fatalf("decoding %s: %v", name, err)
	}
}

// Same reports whether got equals a reference value want within the
// absolute or relative tolerance (scalar.EqualWithinAbsOrRel); a NaN only
// equals a NaN and an infinity only itself.
func Same(got, want, abs, rel float64) bool {
	if math.IsNaN(want) || math.IsNaN(got) {
		return math.IsNaN(want) && math.IsNaN(got)
	}
	if math.IsInf(want, 0) || math.IsInf(got, 0) {
		return got == want
	}
	return scalar.EqualWithinAbsOrRel(got, want, abs, rel)
}

// Close is Same at the tolerances of the R references: 1e-9 relative, or
// 1e-12 absolute for values that are zero up to rounding in R.
func Close(got, want float64) bool { return Same(got, want, 1e-12, 1e-9) }

// Nums is a vector of reference numbers.
type Nums []Num

// Floats returns the numbers as float64.
func (v Nums) Floats() []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// Matrix is a matrix of reference numbers, row by row.
type Matrix []Nums

// Floats returns the rows as float64.
func (m Matrix) Floats() [][]float64 {
	out := make([][]float64, len(m))
	for i, r := range m {
		out[i] = r.Floats()
	}
	return out
}

// Primitives is analysis/testdata/ref/primitives.json, written by
// analysis/testdata/ref/primitives.R: the R values of the statistics the
// canary judge is built on; each case's R field names the R call.
type Primitives struct {
	T []struct {
		R                   string
		T, DF, Upper, Lower Num
	}
	QT []struct {
		R        string
		P, DF, Q Num
	}
	Binom []struct {
		R                     string
		X, N, P, Upper, Lower Num
	}
	Poisson []struct {
		R                       string
		X, Lambda, Upper, Lower Num
	}
	CI []struct {
		R                         string
		X, N, Level, Lower, Upper Num
	}
	Holm []struct {
		R           string
		P, Adjusted Nums
	}
	TwoWay []struct {
		R     string
		Y     Matrix
		Mu, B Nums
		S2    Num `json:"sigma2"`
		DF    Num `json:"df"`
	}
	AR1 []struct {
		R      string
		W, Pos Nums
		Rho, V Num
	}
	Quad []struct {
		R           string
		Kind        string
		Pos         Nums
		Rho, Tr, DF Num
	}
	Lag1 []struct {
		R          string
		Res        Matrix
		Rho, Pairs Num
	}
	PodTest []struct {
		R                                    string
		Canary, VS, WC, WCDF, Prior, Nu0, C  Num
		Ex, ExDF                             Num
		Stable                               Nums
		Observed, Between, Pooled, SE, DF, T Num
		Upper, Lower                         Num
	}
	Strata []struct {
		R                                          string
		CanaryEvents, Canary, StableEvents, Stable Nums
		RR, N, X, Theta                            Num
	}
	Dispersion []struct {
		R                  string
		Events, Exposure   Matrix
		Prior, Phi, X2, DF Num
	}
	Heterogeneity []struct {
		R                string
		Events, Exposure Nums
		Phi, Sigma2      Num
	}
	Slope []struct {
		R     string
		X, Y  Nums
		Slope Num
	}
	LoadFit []LoadFitCase
	// LoadFitRobust are load fits without the outliers: Outliers counts
	// the samples R left out.
	LoadFitRobust []struct {
		LoadFitCase
		Outliers int
	}
}

// LoadFitCase is one reference fit of the stable pods' load model.
type LoadFitCase struct {
	R                                    string
	Y, X                                 Matrix
	Tau                                  Num
	Slope, Idle, MeanLoad, MeanValue     Num
	Sigma2, DF, Rho, NoiseVar, SpreadVar Num
	PodSlopeVar, PodDF                   Num
}

// LoadPrimitives reads Primitives.
func LoadPrimitives(tb testing.TB) Primitives {
	var p Primitives
	Load(tb, "ref/primitives.json", &p)
	return p
}
