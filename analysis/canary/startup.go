package canary

import (
	"math"
	"time"
)

// Every container that starts warms up: its caches are cold, its code is
// not yet compiled, and it spends the first seconds starting. The canary is
// the container the judge expects to start, but stable pods start too: a
// rolling update shortly before the canary leaves them young, a pod is
// replaced or rescheduled, a node is drained. A stable pod whose data begin
// inside the range the judge sees started there, and its warm-up would
// bias what the judge learns from the stable pods: the load model's slope
// (a young pod's start-up burns CPU while its load is still low) and their
// common level and spread. Such a pod loses its first maxWarmup (the
// longest a warm-up may last) from the data, as the canary loses its own.

// startedInView reports whether a row of a grid whose first point is at
// gridStart (Unix ms) started inside the range that was queried from
// viewStart: its first sample comes more than one step after viewStart. A
// pod older than the range has a sample at its first point (one missing
// scrape is allowed for). viewStart zero means the grid's first point.
func startedInView(first int, gridStart, step int64, viewStart time.Time) bool {
	if first < 0 {
		return false
	}
	from := gridStart
	if !viewStart.IsZero() {
		from = viewStart.UnixMilli()
	}
	return gridStart+int64(first)*step > from+step
}

// cutStarts clears, in each of the rows of present that started in view,
// the samples in its first warmup after its first sample, and returns how
// many rows it cut.
func cutStarts(present [][]bool, rows []int, gridStart, step int64, viewStart time.Time, warmup time.Duration) int {
	cut := 0
	for _, r := range rows {
		f := firstPresent(present[r])
		if !startedInView(f, gridStart, step, viewStart) || warmup <= 0 {
			continue
		}
		cut++
		for i := f; i < len(present[r]) && int64(i-f)*step < warmup.Milliseconds(); i++ {
			present[r][i] = false
		}
	}
	return cut
}

// cutStartValues is cutStarts on rows of values and their loads (NaN =
// missing): a sample is cut from both.
func cutStartValues(y, x [][]float64, gridStart, step int64, viewStart time.Time, warmup time.Duration) {
	present := make([][]bool, len(y))
	rows := make([]int, len(y))
	for r := range y {
		rows[r] = r
		present[r] = make([]bool, len(y[r]))
		for i, v := range y[r] {
			present[r][i] = !math.IsNaN(v) && !math.IsNaN(x[r][i])
		}
	}
	cutStarts(present, rows, gridStart, step, viewStart, warmup)
	for r := range y {
		for i, ok := range present[r] {
			if !ok {
				y[r][i], x[r][i] = math.NaN(), math.NaN()
			}
		}
	}
}

// firstPresent returns the index of the first true in row, or -1.
func firstPresent(row []bool) int {
	for i, ok := range row {
		if ok {
			return i
		}
	}
	return -1
}
