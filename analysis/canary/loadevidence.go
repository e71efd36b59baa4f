package canary

import (
	"fmt"
	"math"

	"github.com/canary-analyzer/canary-analyzer/analysis"
)

// meanLoads returns the canary pods' and the stable pods' mean load at the
// judged timestamps.
func (f valueFrame) meanLoads(idx []int) (canary, stable float64) {
	var cs, ss float64
	var nc, ns int
	for _, t := range idx {
		for r := 0; r < f.c+f.k; r++ {
			if math.IsNaN(f.z[r][t]) || math.IsNaN(f.x[r][t]) {
				continue
			}
			if r < f.c {
				cs += f.x[r][t]
				nc++
			} else {
				ss += f.x[r][t]
				ns++
			}
		}
	}
	return cs / float64(nc), ss / float64(ns)
}

// loadEvidence describes the fit for the result.
func (f valueFrame) loadEvidence(idx []int, g, slopeVar float64) *analysis.LoadEvidence {
	fit := f.load
	cl, sl := f.meanLoads(idx)
	ev := &analysis.LoadEvidence{
		Slope: fit.Slope, SlopeSE: math.Sqrt(slopeVar), Idle: fit.Idle,
		StableLoad: sl, CanaryLoad: cl, LoadVariation: fit.LoadSpread,
		SlopeVariance: g * g * slopeVar, Samples: fit.N, Pods: fit.Pods,
	}
	left, unjudged := "", ""
	if fit.Outliers > 0 {
		left = fmt.Sprintf(" (%d more left out as outliers)", fit.Outliers)
	}
	if fit.Unjudged > 0 {
		unjudged = fmt.Sprintf(" (%d of them not compared with the canary: they only teach the model)", fit.Unjudged)
	}
	ev.Text = fmt.Sprintf("stable pods' model: %s + %s (± %s) per unit of load, fitted on %d samples%s of %d pods%s "+
		"whose load moved by %s; the canary's load %s against the stable pods' %s; each pod is judged "+
		"relative to the model at its own load",
		fmtNum(fit.Idle), fmtNum(fit.Slope), fmtNum(math.Sqrt(slopeVar)), fit.N, left, fit.Pods, unjudged,
		fmtSpread(fit.LoadSpread), fmtNum(cl), fmtNum(sl))
	return ev
}
