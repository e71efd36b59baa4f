package stats

import (
	"math"
	"slices"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"

	"github.com/canary-analyzer/canary-analyzer/analysis/internal/refdata"
)

// describeReference is testdata/describe_reference.json, written by
// testdata/gen/describe_reference.R.
type describeReference struct {
	Samples []struct {
		Name         string
		X            []float64
		Mean, Median float64
		P, Quantile  []float64
		FenceLo      float64 `json:"fence_lo"`
		FenceHi      float64 `json:"fence_hi"`
		TukeyLo      float64 `json:"tukey_lo"`
		TukeyHi      float64 `json:"tukey_hi"`
	}
}

func TestDescribeMatchesR(t *testing.T) {
	t.Parallel()
	var ref describeReference
	refdata.Load(t, "describe_reference.json", &ref)
	for _, s := range ref.Samples {
		t.Run(s.Name, func(t *testing.T) {
			// Reference: mean(x) and median(x) in R 4.2.2.
			if got := Mean(s.X); !scalar.EqualWithinAbsOrRel(got, s.Mean, 1e-14, 1e-13) {
				t.Errorf("Mean = %.17g, R %.17g", got, s.Mean)
			}
			if got := Median(s.X); !scalar.EqualWithinAbsOrRel(got, s.Median, 1e-15, 1e-15) {
				t.Errorf("Median = %.17g, R %.17g", got, s.Median)
			}
			sorted := slices.Clone(s.X)
			slices.Sort(sorted)
			for i, p := range s.P {
				// Reference: quantile(x, p, type=7) in R 4.2.2.
				if got := Quantile7(p, sorted); !scalar.EqualWithinAbsOrRel(got, s.Quantile[i], 1e-15, 1e-14) {
					t.Errorf("Quantile7(%v) = %.17g, R %.17g", p, got, s.Quantile[i])
				}
			}
			// Reference: min(q01, q25 - 3 IQR) and max(q99, q75 + 3 IQR),
			// and q25 - 1.5 IQR, q75 + 1.5 IQR, from R-7 quantiles in R.
			lo, hi := IQRFences(s.X, 3, true)
			if !scalar.EqualWithinAbsOrRel(lo, s.FenceLo, 1e-13, 1e-13) || !scalar.EqualWithinAbsOrRel(hi, s.FenceHi, 1e-13, 1e-13) {
				t.Errorf("widened fences [%v, %v], R [%v, %v]", lo, hi, s.FenceLo, s.FenceHi)
			}
			lo, hi = IQRFences(s.X, 1.5, false)
			if !scalar.EqualWithinAbsOrRel(lo, s.TukeyLo, 1e-13, 1e-13) || !scalar.EqualWithinAbsOrRel(hi, s.TukeyHi, 1e-13, 1e-13) {
				t.Errorf("Tukey fences [%v, %v], R [%v, %v]", lo, hi, s.TukeyLo, s.TukeyHi)
			}
			kept := RemoveOutliersIQR(s.X, 3, true)
			for _, v := range s.X {
				inside := v >= s.FenceLo && v <= s.FenceHi
				if inside != slices.Contains(kept, v) {
					t.Errorf("value %v: inside fences %v but kept %v", v, inside, !inside)
				}
			}
		})
	}
}

func TestDescribeEdgeCases(t *testing.T) {
	t.Parallel()
	nan := math.NaN()
	if !math.IsNaN(Mean(nil)) || !math.IsNaN(Median(nil)) || !math.IsNaN(Quantile7(0.5, nil)) {
		t.Error("empty input must give NaN")
	}
	if !math.IsNaN(Median([]float64{1, nan, 3})) || !math.IsNaN(Mean([]float64{1, nan})) {
		t.Error("NaN input must give NaN")
	}
	x := []float64{3, 1, 2}
	if Median(x) != 2 || !slices.Equal(x, []float64{3, 1, 2}) {
		t.Error("Median must not reorder its input")
	}
	if got := DropNaN([]float64{nan, 1, nan, 2}); !slices.Equal(got, []float64{1, 2}) {
		t.Errorf("DropNaN = %v", got)
	}
	in := []float64{nan, 1}
	if got := ReplaceNaN(in, 0); !slices.Equal(got, []float64{0, 1}) || !math.IsNaN(in[0]) {
		t.Errorf("ReplaceNaN = %v (input now %v)", got, in)
	}
	if got := RemoveOutliersIQR(nil, 3, true); got != nil {
		t.Errorf("RemoveOutliersIQR(nil) = %v", got)
	}
	st := Summarize([]float64{4, 1, 3})
	if st.N != 3 || st.Mean != 8.0/3 || st.Median != 3 || st.Min != 1 || st.Max != 4 {
		t.Errorf("Summarize = %+v", st)
	}
	if st := Summarize(nil); st.N != 0 || !math.IsNaN(st.Min) || !math.IsNaN(st.Max) || !math.IsNaN(st.Median) {
		t.Errorf("Summarize(nil) = %+v", st)
	}
	for name, f := range map[string]func(){
		"p above 1":   func() { Quantile7(1.1, []float64{1}) },
		"p NaN":       func() { Quantile7(nan, []float64{1}) },
		"unsorted":    func() { Quantile7(0.5, []float64{2, 1}) },
		"zero factor": func() { IQRFences([]float64{1}, 0, false) },
	} {
		if !mwPanics(f) {
			t.Errorf("%s: no panic", name)
		}
	}
}
