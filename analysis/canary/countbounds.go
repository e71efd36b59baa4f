package canary

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mathext"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/analysis/stats"
)

// countBounds adds the tests of the absolute bounds on the canary's ratio
// (exact binomial) or rate (exact Poisson), with its events and trials
// divided by the over-dispersion phi.
func (j *Judge) countBounds(a *metricAnalysis, m analysis.Metric, xc, ec, phi float64) {
	hasMax, hasMin := !math.IsNaN(m.Max), !math.IsNaN(m.Min)
	if !hasMax && !hasMin {
		return
	}
	_, rateWord := countWords(m.Kind)
	value := xc / ec
	xe, ee := xc/phi, ec/phi
	test := "exact binomial on the canary's counts"
	if m.Kind == analysis.KindRate {
		test = "exact Poisson on the canary's counts"
	}
	tails := func(b float64) (up, lo float64) {
		if m.Kind == analysis.KindRate {
			return stats.PoissonUpper(xe, b*ee), stats.PoissonLower(xe, b*ee)
		}
		return stats.BinomialUpper(xe, ee, b), stats.BinomialLower(xe, ee, b)
	}
	interval := func(al float64) *analysis.Interval {
		var lo, hi float64
		if m.Kind == analysis.KindRate {
			if xe > 0 {
				lo = mathext.GammaIncRegInv(xe, al) / ee
			}
			hi = mathext.GammaIncRegInv(xe+1, 1-al) / ee
		} else {
			lo, hi = stats.ClopperPearson(xe, ee, al, al)
		}
		return &analysis.Interval{Lower: lo, Upper: hi, Level: 1 - 2*al, Of: "canary " + rateWord}
	}
	bound := func(name string, b float64, upper bool) {
		up, lo := tails(b)
		p, side := up, analysis.High
		if !upper {
			p, side = lo, analysis.Low
		}
		a.addBound(&hypothesis{
			p: p, side: side, gate: true, interval: interval,
			ev: analysis.TestEvidence{
				Name: name, Test: test, Estimate: value, Statistic: xc,
				Text: fmt.Sprintf("canary %s %s is %s the bound %s", rateWord, countSide(m.Kind, xc, ec), relation(upper), fmtBound(m, b)),
			},
		}, rateWord, value, b, upper)
	}
	if hasMax {
		bound("max", m.Max, true)
	}
	if hasMin {
		bound("min", m.Min, false)
	}
}
