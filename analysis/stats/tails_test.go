package stats

import (
	"math"
	"testing"

	"github.com/canary-analyzer/canary-analyzer/analysis/internal/refdata"
)

// TestMannWhitneyFarTailsMatchR checks the normal approximation far in
// both tails, where an upper tail taken as 1 − Φ(z) loses its precision
// (2% wrong at z = 8, 0 beyond 8.4): the rows are R 4.2.2's
// wilcox.test(x, y, exact = FALSE, correct = correct, alternative = alt),
// {name, alternative, correct, W, p.value}, printed by
// testdata/gen/far_tails.R (which defines the samples: x and y that do not
// overlap put |z| at 6.6 to 12.2; "-swapped" exchanges them).
func TestMannWhitneyFarTailsMatchR(t *testing.T) {
	t.Parallel()
	separated := func(n, from int) []float64 {
		out := make([]float64, n)
		for i := range out {
			out[i] = float64(from + i)
		}
		return out
	}
	repeat := func(v []float64, each int) []float64 {
		var out []float64
		for _, x := range v {
			for range each {
				out = append(out, x)
			}
		}
		return out
	}
	samples := map[string][2][]float64{
		"separated-30-30":           {separated(30, 101), separated(30, 1)},
		"separated-30-30-swapped":   {separated(30, 1), separated(30, 101)},
		"separated-37-37":           {separated(37, 101), separated(37, 1)},
		"separated-43-43":           {separated(43, 101), separated(43, 1)},
		"separated-43-43-swapped":   {separated(43, 1), separated(43, 101)},
		"separated-50-50":           {separated(50, 101), separated(50, 1)},
		"separated-50-50-swapped":   {separated(50, 1), separated(50, 101)},
		"separated-100-100":         {separated(100, 201), separated(100, 1)},
		"separated-100-100-swapped": {separated(100, 1), separated(100, 201)},
		"tied-separated-40-40":      {repeat([]float64{50, 60}, 20), repeat([]float64{1, 2}, 20)},
		"overlap-ties-60-40": {
			append(repeat([]float64{5}, 10), separated(50, 6)...),
			append(separated(35, 1), repeat([]float64{5}, 5)...),
		},
	}
	for _, c := range []struct {
		name, alt string
		correct   bool
		w, p      float64
	}{
		{"separated-30-30", "two.sided", true, 900, 3.0198593591621506e-11},
		{"separated-30-30", "two.sided", false, 900, 2.8719490663203293e-11},
		{"separated-30-30", "greater", true, 900, 1.5099296795810753e-11},
		{"separated-30-30", "greater", false, 900, 1.4359745331601646e-11},
		{"separated-30-30", "less", true, 900, 0.99999999998634437},
		{"separated-30-30", "less", false, 900, 0.99999999998564026},
		{"separated-30-30-swapped", "two.sided", true, 0, 3.0198593591621506e-11},
		{"separated-30-30-swapped", "two.sided", false, 0, 2.8719490663203293e-11},
		{"separated-30-30-swapped", "greater", true, 0, 0.99999999998634437},
		{"separated-30-30-swapped", "greater", false, 0, 0.99999999998564026},
		{"separated-30-30-swapped", "less", true, 0, 1.5099296795810753e-11},
		{"separated-30-30-swapped", "less", false, 0, 1.4359745331601646e-11},
		{"separated-37-37", "two.sided", true, 1369, 1.4184035096127342e-13},
		{"separated-37-37", "two.sided", false, 1369, 1.3618449781240034e-13},
		{"separated-37-37", "greater", true, 1369, 7.0920175480636708e-14},
		{"separated-37-37", "greater", false, 1369, 6.8092248906200168e-14},
		{"separated-37-37", "less", true, 1369, 0.99999999999993461},
		{"separated-37-37", "less", false, 1369, 0.99999999999993194},
		{"separated-43-43", "two.sided", true, 1849, 1.4564603168028847e-15},
		{"separated-43-43", "two.sided", false, 1849, 1.4063678950771506e-15},
		{"separated-43-43", "greater", true, 1849, 7.2823015840144237e-16},
		{"separated-43-43", "greater", false, 1849, 7.031839475385753e-16},
		{"separated-43-43", "less", true, 1849, 0.99999999999999933},
		{"separated-43-43", "less", false, 1849, 0.99999999999999933},
		{"separated-43-43-swapped", "two.sided", true, 0, 1.4564603168028847e-15},
		{"separated-43-43-swapped", "two.sided", false, 0, 1.4063678950771506e-15},
		{"separated-43-43-swapped", "greater", true, 0, 0.99999999999999933},
		{"separated-43-43-swapped", "greater", false, 0, 0.99999999999999933},
		{"separated-43-43-swapped", "less", true, 0, 7.2823015840144237e-16},
		{"separated-43-43-swapped", "less", false, 0, 7.031839475385753e-16},
		{"separated-50-50", "two.sided", true, 2500, 7.0660719303889642e-18},
		{"separated-50-50", "two.sided", false, 2500, 6.8566414474757157e-18},
		{"separated-50-50", "greater", true, 2500, 3.5330359651944821e-18},
		{"separated-50-50", "greater", false, 2500, 3.4283207237378579e-18},
		{"separated-50-50", "less", true, 2500, 1},
		{"separated-50-50", "less", false, 2500, 1},
		{"separated-50-50-swapped", "two.sided", true, 0, 7.0660719303889642e-18},
		{"separated-50-50-swapped", "two.sided", false, 0, 6.8566414474757157e-18},
		{"separated-50-50-swapped", "greater", true, 0, 1},
		{"separated-50-50-swapped", "greater", false, 0, 1},
		{"separated-50-50-swapped", "less", true, 0, 3.5330359651944821e-18},
		{"separated-50-50-swapped", "less", false, 0, 3.4283207237378579e-18},
		{"separated-100-100", "two.sided", true, 10000, 2.5621436691634213e-34},
		{"separated-100-100", "two.sided", false, 10000, 2.5239394239903431e-34},
		{"separated-100-100", "greater", true, 10000, 1.2810718345817107e-34},
		{"separated-100-100", "greater", false, 10000, 1.2619697119951716e-34},
		{"separated-100-100", "less", true, 10000, 1},
		{"separated-100-100", "less", false, 10000, 1},
		{"separated-100-100-swapped", "two.sided", true, 0, 2.5621436691634213e-34},
		{"separated-100-100-swapped", "two.sided", false, 0, 2.5239394239903431e-34},
		{"separated-100-100-swapped", "greater", true, 0, 1},
		{"separated-100-100-swapped", "greater", false, 0, 1},
		{"separated-100-100-swapped", "less", true, 0, 1.2810718345817107e-34},
		{"separated-100-100-swapped", "less", false, 0, 1.2619697119951716e-34},
		{"tied-separated-40-40", "two.sided", true, 1600, 1.9438809307372585e-15},
		{"tied-separated-40-40", "two.sided", false, 1600, 1.8674838551407346e-15},
		{"tied-separated-40-40", "greater", true, 1600, 9.7194046536862927e-16},
		{"tied-separated-40-40", "greater", false, 1600, 9.3374192757036729e-16},
		{"tied-separated-40-40", "less", true, 1600, 0.99999999999999911},
		{"tied-separated-40-40", "less", false, 1600, 0.99999999999999911},
		{"overlap-ties-60-40", "two.sided", true, 1620, 0.0030974321105216272},
		{"overlap-ties-60-40", "two.sided", false, 1620, 0.0030621917549641105},
		{"overlap-ties-60-40", "greater", true, 1620, 0.0015487160552608136},
		{"overlap-ties-60-40", "greater", false, 1620, 0.0015310958774820552},
		{"overlap-ties-60-40", "less", true, 1620, 0.99848634129366065},
		{"overlap-ties-60-40", "less", false, 1620, 0.99846890412251799},
	} {
		t.Run(c.name+"/"+c.alt+"/"+map[bool]string{true: "correct", false: "uncorrected"}[c.correct], func(t *testing.T) {
			xy, ok := samples[c.name]
			if !ok {
				t.Fatalf("no samples named %s", c.name)
			}
			got := MannWhitney(xy[0], xy[1], mwParseAlt(t, c.alt), c.correct)
			if got.U != c.w {
				t.Errorf("U = %v, R's W = %v", got.U, c.w)
			}
			if !refdata.Same(got.PValue, c.p, 1e-300, 1e-12) {
				t.Errorf("p = %.17g, R's p = %.17g (relative error %.2g)", got.PValue, c.p, (got.PValue-c.p)/c.p)
			}
		})
	}
}

// TestNormalTailsMatchR checks TTails at infinite degrees of freedom (the
// one-against-many test's normal limit) far in both tails: {z,
// pnorm(z, lower.tail = FALSE), pnorm(z)} from R 4.2.2, printed by
// testdata/gen/far_tails.R.
func TestNormalTailsMatchR(t *testing.T) {
	t.Parallel()
	inf := math.Inf(1)
	for _, c := range []struct{ z, upper, lower float64 }{
		{-37, 1, 5.7255712225245771e-300},
		{-20, 1, 2.7536241186062337e-89},
		{-12, 1, 1.776482112077679e-33},
		{-8.5, 1, 9.4795348222033192e-18},
		{-8, 0.99999999999999933, 6.2209605742717849e-16},
		{-6.6, 0.99999999997944211, 2.0557889093995229e-11},
		{-3, 0.9986501019683699, 0.0013498980316300946},
		{0, 0.5, 0.5},
		{3, 0.0013498980316300946, 0.9986501019683699},
		{6.6, 2.0557889093995229e-11, 0.99999999997944211},
		{8, 6.2209605742717849e-16, 0.99999999999999933},
		{8.5, 9.4795348222033192e-18, 1},
		{12, 1.776482112077679e-33, 1},
		{20, 2.7536241186062337e-89, 1},
		{37, 5.7255712225245771e-300, 1},
	} {
		up, lo := TTails(c.z, inf)
		if !refdata.Same(up, c.upper, 1e-300, 1e-12) || !refdata.Same(lo, c.lower, 1e-300, 1e-12) {
			t.Errorf("TTails(%g, Inf) = %.17g, %.17g; R gives %.17g, %.17g", c.z, up, lo, c.upper, c.lower)
		}
	}
}
