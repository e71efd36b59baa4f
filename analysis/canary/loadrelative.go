package canary

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/canary-analyzer/canary-analyzer/analysis"
)

// applyLoad turns the frame's raw values into values relative to the
// stable pods' load model (see load.go): it fits the model,
// chooses the scale and fills f.z, f.raw and f.dz. present marks the
// values that survived the warm-up cut. The model is fitted on the stable
// pods' samples in the window, and on their history before it when d has
// one (without the first warmup of the stable pods that started in it).
// It returns a reason when the model cannot be fitted.
func (f *valueFrame) applyLoad(x [][]float64, present, fitPresent [][]bool, spread float64, d analysis.Data, warmup time.Duration) string {
	n := len(f.g.y)
	y := make([][]float64, n)
	for r := range y {
		y[r] = make([]float64, len(f.g.y[r]))
		for i, v := range f.g.y[r] {
			y[r][i] = math.NaN()
			if present[r][i] && !math.IsNaN(x[r][i]) {
				y[r][i] = v
			}
		}
	}
	fy, fx := y[f.c:], x[f.c:]
	if fitPresent != nil {
		fy = make([][]float64, n-f.c)
		for r := range fy {
			fy[r] = make([]float64, len(f.g.y[f.c+r]))
			for i, v := range f.g.y[f.c+r] {
				fy[r][i] = math.NaN()
				if fitPresent[f.c+r][i] && !math.IsNaN(x[f.c+r][i]) {
					fy[r][i] = v
				}
			}
		}
	}
	var fitPods []string
	if hy, hx, pods, ok := historyGrid(f.g.step, d, warmup); ok {
		fy, fx, fitPods = hy, hx, pods
	}
	fit, ok := fitLoadRobust(fy, fx, spread)
	fit.Unjudged = unjudgedRows(fy, fitPods, f.g.pods[f.c:])
	f.load = &fit
	if !ok {
		if len(f.peers) > 0 && fit.DF <= 0 {
			return fmt.Sprintf("%d of the %d stable pods started with the canary, and the load model leaves out every "+
				"young pod's first %s (a start-up bends the slope): %d samples of %d pods remain, too few to learn "+
				"the value per unit of load", len(f.peers), f.k, roundDuration(warmup), fit.N, fit.Pods)
		}
		return fmt.Sprintf("the stable pods' load does not vary within pods (%d samples of %d pods): "+
			"the value per unit of load cannot be estimated", fit.N, fit.Pods)
	}
	f.log = true
	for r := range y {
		for i, v := range y[r] {
			if !math.IsNaN(v) && (v <= 0 || fit.at(x[r][i]) <= 0) {
				f.log = false
			}
		}
	}
	if fit.MeanValue <= 0 {
		f.log = false
	}
	f.z, f.raw, f.dz = make([][]float64, n), make([][]float64, n), make([][]float64, n)
	for r := range y {
		f.z[r], f.raw[r], f.dz[r] = make([]float64, len(y[r])), make([]float64, len(y[r])), make([]float64, len(y[r]))
		for i, v := range y[r] {
			switch {
			case math.IsNaN(v):
				f.z[r][i], f.raw[r][i], f.dz[r][i] = math.NaN(), math.NaN(), math.NaN()
			case f.log:
				p := fit.at(x[r][i])
				f.z[r][i] = math.Log(v) - math.Log(p) + math.Log(fit.MeanValue)
				f.raw[r][i] = math.Exp(f.z[r][i])
				f.dz[r][i] = -(x[r][i] - fit.MeanLoad) / p
			default:
				f.z[r][i] = v - fit.Slope*(x[r][i]-fit.MeanLoad)
				f.raw[r][i] = f.z[r][i]
				f.dz[r][i] = -(x[r][i] - fit.MeanLoad)
			}
		}
	}
	f.x = x
	return ""
}

// unjudgedRows counts the rows of y (named by pods; nil: the judged stable
// pods' own rows) that have a sample and are not among judged.
func unjudgedRows(y [][]float64, pods, judged []string) int {
	n := 0
	for r, name := range pods {
		if slices.Contains(judged, name) || !slices.ContainsFunc(y[r], func(v float64) bool { return !math.IsNaN(v) }) {
			continue
		}
		n++
	}
	return n
}

// loadSensitivity returns g, the derivative of the canary's mean
// difference from the stable centre with respect to the slope, over the
// judged timestamps idx: the mean over timestamps of the canary pods' mean
// ∂z/∂β minus the stable pods' mean ∂z/∂β at the same timestamp.
func (f valueFrame) loadSensitivity(idx []int) float64 {
	var g float64
	var n int
	for _, t := range idx {
		var c, s float64
		var nc, ns int
		for r := 0; r < f.c+f.k; r++ {
			v := f.dz[r][t]
			if math.IsNaN(v) || math.IsNaN(f.z[r][t]) {
				continue
			}
			if r < f.c {
				c += v
				nc++
			} else {
				s += v
				ns++
			}
		}
		if nc == 0 {
			continue
		}
		d := c / float64(nc)
		if ns > 0 {
			d -= s / float64(ns)
		}
		g += d
		n++
	}
	if n == 0 {
		return 0
	}
	return g / float64(n)
}
