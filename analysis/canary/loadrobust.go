package canary

import (
	"math"
	"slices"

	"github.com/canary-analyzer/canary-analyzer/analysis/stats"
)

// A stable pod's value in one step is sometimes no measurement of how its
// value follows its load: a counter sample stamped seconds early, a lost
// scrape or a Prometheus outage puts a half or a double step's increase
// into one step of {{.Rate}}; a container restart starts a new series. One
// such sample at a load far from its pod's mean turns that pod's slope
// around, and since the slope's variance comes from how the pods' own
// slopes disagree (robustSlopeVar), a single glitch could leave a canary
// at another load with nothing the test can detect.
//
// So the load model is fitted in two steps, as a reweighted least squares
// with hard rejection (Rousseeuw and Leroy, Robust Regression and Outlier
// Detection, 1987, ch. 1.2): the least-squares fit of fitLoad, then the
// same fit without the samples whose residual exceeds 2.5 robust standard
// deviations, s = median|e|/Φ⁻¹(0.75) (R's mad(e, center = 0): the
// within-pod residuals have mean zero). Under normal noise 1.2% of the
// samples lie beyond the cut, which costs the fit almost nothing; a
// glitch lies far beyond it. The rejected samples leave the model only:
// every pod, the canary included, is still judged on all of its samples.
const outlierCut = 2.5

// madScale is 1/Φ⁻¹(0.75), which makes the median absolute deviation a
// consistent estimate of a normal standard deviation (R's mad constant).
const madScale = 1.482602218505602

// fitLoadRobust fits the load model to the stable pods' values y and
// loads x, leaving out the samples whose least-squares residual lies
// beyond outlierCut robust standard deviations (see above); the fit's
// Outliers counts them. It falls back to the least-squares fit when none
// is rejected or the fit without them fails.
func fitLoadRobust(y, x [][]float64, spread float64) (loadFit, bool) {
	f, ok := fitLoad(y, x, spread)
	if !ok {
		return f, ok
	}
	var abs []float64
	for _, row := range f.residuals {
		for _, e := range row {
			if !math.IsNaN(e) {
				abs = append(abs, math.Abs(e))
			}
		}
	}
	limit := outlierCut * madScale * stats.Median(abs)
	if !(limit > 0) {
		// Half the residuals or more are exactly zero (values that follow
		// their load exactly, a constant series): no scale to judge the
		// others by; every nonzero one would be cut.
		return f, ok
	}
	var clean [][]float64
	n := 0
	for r := range y {
		for t, e := range f.residuals[r] {
			if !(math.Abs(e) > limit) { // NaN: a missing sample
				continue
			}
			if clean == nil {
				clean = make([][]float64, len(y))
				for i := range y {
					clean[i] = slices.Clone(y[i])
				}
			}
			clean[r][t] = math.NaN()
			n++
		}
	}
	if n == 0 {
		return f, ok
	}
	g, ok := fitLoad(clean, x, spread)
	if !ok {
		return f, true
	}
	g.Outliers = n
	return g, true
}
