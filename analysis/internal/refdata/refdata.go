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
