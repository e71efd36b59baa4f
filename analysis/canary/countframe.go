package canary

import (
	"math"

	"github.com/canary-analyzer/canary-analyzer/analysis"
)

// countFrame is a count metric on its grid after the warm-up cut: rows
// 0..C-1 are the canary's pods, rows C.. the stable pods.
type countFrame struct {
	g       grid
	events  [][]float64 // NaN = missing or cut
	trials  [][]float64
	c, k    int
	cut     warmupCut
	idx     []int // judged grid points
	steps   []countStep
	present [][]bool
}

// countFrame builds the count grids, cuts the warm-up and lists the judged
// steps.
func (j *Judge) countFrame(m analysis.Metric, d analysis.Data, s analysis.Settings) countFrame {
	var f countFrame
	f.c, f.k = len(d.CanaryCounts), len(d.StableCounts)
	all := append(append([]analysis.CountSeries{}, d.CanaryCounts...), d.StableCounts...)
	pods := make([]string, 0, len(all))
	var times [][]int64
	var ev, tr [][]float64
	last := int64(math.MinInt64)
	for _, cs := range all {
		pods = append(pods, cs.Pod)
		ts := make([]int64, len(cs.Points))
		e := make([]float64, len(cs.Points))
		t := make([]float64, len(cs.Points))
		for i, p := range cs.Points {
			ts[i], e[i], t[i] = p.T, p.Events, p.Trials
			last = max(last, p.T)
		}
		times = append(times, ts)
		ev = append(ev, e)
		tr = append(tr, t)
	}
	step := s.Step.Milliseconds()
	f.g = newGrid(step, pods, times, ev)
	tg := newGrid(f.g.step, pods, times, tr)
	f.events, f.trials = f.g.y, tg.y
	f.present = make([][]bool, len(all))
	for r := range all {
		f.present[r] = make([]bool, f.g.len())
		for i := range f.present[r] {
			e, t := f.events[r][i], f.trials[r][i]
			f.present[r][i] = !math.IsNaN(e) && !math.IsNaN(t) && t >= 0 && e >= 0
		}
	}
	f.cut = cutWarmup(f.present, rowRange(0, f.c), rowRange(f.c, f.c+f.k), f.g.start, f.g.step,
		warmupFor(m, s), endOf(s, last), s.Start)
	// Reference pods that started with the canary (a baseline) lose the
	// same first minutes of counts as the canary: their start-up errors
	// would otherwise stay in the reference that the canary's were cut from.
	cutPeers(f.present, peerRows(f.present, rowRange(f.c, f.c+f.k), f.g.start, f.g.step, f.cut),
		f.g.start, f.g.step, f.cut.Start, f.cut.Warmup)
	for r := range all {
		for i, ok := range f.present[r] {
			if !ok {
				f.events[r][i], f.trials[r][i] = math.NaN(), math.NaN()
			}
		}
	}
	for i := 0; i < f.g.len(); i++ {
		var st countStep
		st.pos = float64(i)
		hasCanary := false
		for r := 0; r < f.c; r++ {
			if f.present[r][i] {
				st.canaryEvents += f.events[r][i]
				st.canary += f.trials[r][i]
				hasCanary = true
			}
		}
		for r := f.c; r < f.c+f.k; r++ {
			if f.present[r][i] {
				st.stableEvents += f.events[r][i]
				st.stable += f.trials[r][i]
			}
		}
		if hasCanary && st.stable > 0 {
			f.idx = append(f.idx, i)
			f.steps = append(f.steps, st)
		}
	}
	return f
}

// wholeStable returns the stable pods' events and exposure over every step
// of the window, before and after the canary's judged steps too.
func (f countFrame) wholeStable() (events, exposure float64) {
	for r := f.c; r < f.c+f.k; r++ {
		for i, ok := range f.present[r] {
			if ok {
				events += f.events[r][i]
				exposure += f.trials[r][i]
			}
		}
	}
	return events, exposure
}

// cles returns the common-language effect size of the canary's per-step
// ratios against the stable pods' at the same steps.
func (f countFrame) cles() float64 {
	var wins, pairs float64
	for _, t := range f.idx {
		for q := 0; q < f.c; q++ {
			if !f.present[q][t] || !(f.trials[q][t] > 0) {
				continue
			}
			cv := f.events[q][t] / f.trials[q][t]
			for r := f.c; r < f.c+f.k; r++ {
				if !f.present[r][t] || !(f.trials[r][t] > 0) {
					continue
				}
				sv := f.events[r][t] / f.trials[r][t]
				pairs++
				switch {
				case cv > sv:
					wins++
				case cv == sv:
					wins += 0.5
				}
			}
		}
	}
	if pairs == 0 {
		return math.NaN()
	}
	return wins / pairs
}
