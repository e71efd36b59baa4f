package stats

import (
	"math"
	"testing"

	"github.com/canary-analyzer/canary-analyzer/analysis/internal/refdata"
)

// TestWeightedHolmLevels checks the weighted Holm procedure on worked
// examples: equal weights give Holm's levels, and a heavier hypothesis is
// tested at a larger share of the budget.
func TestWeightedHolmLevels(t *testing.T) {
	t.Parallel()
	nan := math.NaN()
	cases := []struct {
		name string
		p, w []float64
		want []float64
	}{
		// Equal weights: Holm's alpha/3, alpha/2, then it stops at 0.06 > 0.05/1.
		{"equal weights are Holm", []float64{0.001, 0.06, 0.02}, []float64{1, 1, 1}, []float64{0.05 / 3, 0.05, 0.05 / 2}},
		// p/w: 0.004/3, 0.003/1, 0.02/1. First 0.004 ≤ 0.05·3/5 = 0.03;
		// then 0.003 ≤ 0.05·1/2; then 0.02 ≤ 0.05·1/1.
		{"weights", []float64{0.003, 0.004, 0.02}, []float64{1, 3, 1}, []float64{0.025, 0.03, 0.05}},
		// 0.2/2 is the smallest ratio but above 0.05·2/3: nothing is
		// rejected and every level is computed on the full weight.
		{"stops at once", []float64{0.2, 0.3, 0.9}, []float64{2, 0.5, 0.5}, []float64{0.05 * 2 / 3, 0.05 * 0.5 / 3, 0.05 * 0.5 / 3}},
		{"NaN does not count", []float64{nan, 0.01}, []float64{5, 1}, []float64{nan, 0.05}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := WeightedHolmLevels(c.p, c.w, 0.05)
			for i := range got {
				if math.IsNaN(c.want[i]) != math.IsNaN(got[i]) || (!math.IsNaN(got[i]) && !refdata.Close(got[i], c.want[i])) {
					t.Errorf("levels %v, want %v", got, c.want)
					break
				}
			}
			if eq := WeightedHolmLevels(c.p, []float64{1, 1, 1, 1}[:len(c.p)], 0.05); c.name == "equal weights are Holm" {
				h := holmLevels(c.p, 0.05)
				for i := range eq {
					if !refdata.Close(eq[i], h[i]) {
						t.Errorf("equal weights %v, Holm %v", eq, h)
					}
				}
			}
		})
	}
}
