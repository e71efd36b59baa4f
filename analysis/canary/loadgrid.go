package canary

import (
	"time"

	"github.com/canary-analyzer/canary-analyzer/analysis"
)

// loadGrid places the metric's values and loads of all pods (canary first)
// on one grid and returns the values' grid and the loads' rows. ok is false
// when the metric has no load.
func loadGrid(step int64, d analysis.Data) (grid, [][]float64) {
	all := append(append([]analysis.Series{}, d.Canary...), d.Stable...)
	loads := map[string]analysis.Series{}
	for _, s := range append(append([]analysis.Series{}, d.CanaryLoad...), d.StableLoad...) {
		loads[s.Pod] = s
	}
	n := len(all)
	pods := make([]string, 0, 2*n)
	times := make([][]int64, 0, 2*n)
	values := make([][]float64, 0, 2*n)
	add := func(s analysis.Series) {
		pods = append(pods, s.Pod)
		ts := make([]int64, len(s.Points))
		vs := make([]float64, len(s.Points))
		for i, p := range s.Points {
			ts[i], vs[i] = p.T, p.V
		}
		times = append(times, ts)
		values = append(values, vs)
	}
	for _, s := range all {
		add(s)
	}
	for _, s := range all {
		add(analysis.Series{Pod: s.Pod, Points: loads[s.Pod].Points})
	}
	g := newGrid(step, pods, times, values)
	x := g.y[n:]
	g.y, g.pods = g.y[:n], g.pods[:n]
	return g, x
}

// historyGrid places the stable pods' values and loads before the window
// (Data.StableHistory, Data.StableLoadHistory) and in it (Data.Stable,
// Data.StableLoad) on one grid, for the load model, with the first warmup
// of every pod that started inside the history's range cut (cutStarts); ok
// is false when there is no history.
func historyGrid(step int64, d analysis.Data, warmup time.Duration) (y, x [][]float64, pods []string, ok bool) {
	if len(d.StableHistory) == 0 {
		return nil, nil, nil, false
	}
	merge := func(hist, win []analysis.Series) []analysis.Series {
		byPod := map[string]int{}
		var out []analysis.Series
		for _, s := range append(append([]analysis.Series{}, hist...), win...) {
			i, seen := byPod[s.Pod]
			if !seen {
				i = len(out)
				byPod[s.Pod] = i
				out = append(out, analysis.Series{Pod: s.Pod})
			}
			out[i].Points = append(out[i].Points, s.Points...)
		}
		return out
	}
	values := merge(d.StableHistory, d.Stable)
	g, loads := loadGrid(step, analysis.Data{Stable: values, StableLoad: merge(d.StableLoadHistory, d.StableLoad)})
	cutStartValues(g.y, loads, g.start, g.step, d.HistoryStart, warmup)
	return g.y, loads, g.pods, true
}
