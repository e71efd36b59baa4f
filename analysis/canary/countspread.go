package canary

import (
	"math"

	"github.com/canary-analyzer/canary-analyzer/analysis"
)

// countSpreads are the stable pods' over-dispersion and spread.
type countSpreads struct {
	// phi is the over-dispersion within pods; het the persistent spread
	// between pods the data show (on dataDF degrees of freedom), prior the
	// metric's, and sb2 the two pooled; luck is the variance the spread
	// adds to the canary's rate ratio.
	phi, het, dataDF, prior, sb2, luck float64
	// pods and podRates describe each stable pod at the judged steps.
	pods     []analysis.PodEvidence
	podRates []float64
}

// countSpread estimates the over-dispersion within pods (clumped events)
// from all stable steps, and the persistent spread between pods from their
// totals, pooled with the metric's prior.
func (j *Judge) countSpread(m analysis.Metric, f countFrame, t countTotals) countSpreads {
	stablePods := make([]podCounts, 0, f.k)
	for r := f.c; r < f.c+f.k; r++ {
		stablePods = append(stablePods, podCounts{events: f.events[r], exposure: f.trials[r]})
	}
	var sp countSpreads
	sp.phi, _, _ = dispersion(stablePods, rowRange(0, f.g.len()), j.DispersionPrior)
	var podX, podE []float64
	stableRate := t.stableRate()
	for r := f.c; r < f.c+f.k; r++ {
		var x, e float64
		n := 0
		for _, t := range f.idx {
			if f.present[r][t] {
				x += f.events[r][t]
				e += f.trials[r][t]
				n++
			}
		}
		if e <= 0 {
			continue
		}
		podX = append(podX, x)
		podE = append(podE, e)
		sp.pods = append(sp.pods, analysis.PodEvidence{Pod: f.g.pods[r], Relative: ratioOf(x, e)/stableRate - 1,
			Points: n, Events: x, Trials: e})
	}
	sp.podRates = make([]float64, len(podX))
	for i := range podX {
		sp.podRates[i] = podX[i] / podE[i]
	}
	// The persistent spread between the stable pods' rates is estimated from
	// all their steps in the window (more events than the canary's steps
	// alone: a pod's rate factor does not change when the canary arrives).
	var allX, allE []float64
	for r := f.c; r < f.c+f.k; r++ {
		var x, e float64
		for t := 0; t < f.g.len(); t++ {
			if f.present[r][t] {
				x += f.events[r][t]
				e += f.trials[r][t]
			}
		}
		if e > 0 {
			allX = append(allX, x)
			allE = append(allE, e)
		}
	}
	sp.het = podHeterogeneity(allX, allE, sp.phi)
	sp.prior = j.spreadFor(m, m.Kind)
	sp.dataDF = float64(len(allX) - 1)
	if math.IsNaN(sp.het) || sp.dataDF < 1 {
		sp.het, sp.dataDF = 0, 0
	}
	sp.sb2 = sp.prior * sp.prior
	if j.PriorPods+sp.dataDF > 0 {
		sp.sb2 = (j.PriorPods*sp.prior*sp.prior + sp.dataDF*sp.het) / (j.PriorPods + sp.dataDF)
	}
	sp.luck = sp.sb2 * (1/float64(f.c) + 1/float64(max(len(podX), 1)))
	return sp
}

// evidence describes the spread between pods.
func (sp countSpreads) evidence(priorPods float64) *analysis.SpreadEvidence {
	ev := &analysis.SpreadEvidence{Observed: math.NaN(), Between: math.Sqrt(sp.het), Prior: sp.prior,
		PriorPods: priorPods, Used: math.Sqrt(sp.sb2), Noise: math.NaN()}
	if sp.dataDF == 0 {
		ev.Between = math.NaN()
	}
	return ev
}
