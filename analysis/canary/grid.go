package canary

import (
	"math"
	"slices"
)

// grid places the samples of several pods on one regular time grid, so
// that the canary can be compared with the stable pods at the same
// timestamps. Row r of y is pod pods[r]; y[r][i] is its value at time
// start + i·step (Unix milliseconds), NaN where the pod has no sample.
type grid struct {
	start, step int64
	pods        []string
	y           [][]float64
}

// inferStep returns the smallest positive difference between the sorted
// distinct timestamps ts, or 0 when there are fewer than two.
func inferStep(ts []int64) int64 {
	var step int64
	for i := 1; i < len(ts); i++ {
		if d := ts[i] - ts[i-1]; d > 0 && (step == 0 || d < step) {
			step = d
		}
	}
	return step
}

// newGrid builds the grid of the given rows (each a pod's timestamps and
// values). step is the sample spacing in milliseconds; 0 infers it from the
// data. A timestamp off the grid goes to the nearest grid point; when two
// samples of one pod land on the same point the later one wins. Infinite
// values count as missing.
func newGrid(step int64, pods []string, times [][]int64, values [][]float64) grid {
	var all []int64
	for _, ts := range times {
		all = append(all, ts...)
	}
	slices.Sort(all)
	all = slices.Compact(all)
	if step <= 0 {
		step = inferStep(all)
	}
	if step <= 0 {
		step = 1
	}
	g := grid{step: step, pods: pods, y: make([][]float64, len(pods))}
	if len(all) == 0 {
		for r := range g.y {
			g.y[r] = []float64{}
		}
		return g
	}
	g.start = all[0]
	n := int((all[len(all)-1]-g.start+step/2)/step) + 1
	for r := range pods {
		row := make([]float64, n)
		for i := range row {
			row[i] = math.NaN()
		}
		for i, t := range times[r] {
			v := values[r][i]
			if math.IsInf(v, 0) {
				v = math.NaN()
			}
			row[int((t-g.start+step/2)/step)] = v
		}
		g.y[r] = row
	}
	return g
}

// len returns the number of grid points.
func (g grid) len() int {
	if len(g.y) == 0 {
		return 0
	}
	return len(g.y[0])
}
