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

// A reference pod that starts with the canary is the opposite case: a
// baseline, a pod of the stable version started at the same time (Argo
// Rollouts' experiment step, Kayenta's baseline), is there so that its
// warm-up cancels the canary's in the time-matched comparison. Such a
// "peer" is cut exactly as the canary is, at the same timestamps: before
// the canary's first sample plus its Warmup, and, where the canary's own
// data extend the cut (extendWarmup), to the extended end; not by
// maxWarmup from its own start, which would leave the canary's first
// judged minutes without a reference of its age. The load model still
// learns CPU per unit of load without any young pod's first maxWarmup
// (fitPresent), since a pod's start-up bends the slope whoever it started
// with.

// peerTolerance is how far a reference pod's first sample may lie from the
// canary's for it to count as a peer: a minute, or the step when that is
// longer. Two pods started together reach their first grid point apart by
// their scrape phases (at most a scrape interval, which a rule set keeps
// within its step) and their times to ready (seconds, tens of seconds);
// a warm-up lasts minutes, so a minute apart the two are of the same age
// at every judged point to within a fraction of it. A stable pod replaced
// or rolled out minutes before or after the canary is no peer.
const peerTolerance = time.Minute

// peerRows returns the rows of stable whose first sample lies within
// peerTolerance (or a step) of the canary's first sample (cut.Start), for
// a canary that started in view (cut.Start known, not older than the
// window); nil otherwise.
func peerRows(present [][]bool, stable []int, gridStart, step int64, cut warmupCut) []int {
	if cut.Start < 0 || cut.OlderThanWindow {
		return nil
	}
	tol := max(peerTolerance.Milliseconds(), step)
	var out []int
	for _, r := range stable {
		f := firstPresent(present[r])
		if f < 0 {
			continue
		}
		if d := gridStart + int64(f)*step - cut.Start; d >= -tol && d <= tol {
			out = append(out, r)
		}
	}
	return out
}

// cutPeers clears, in each peer row of present, the samples taken before
// the canary's first sample (Unix ms) plus cut, as the canary's own are.
func cutPeers(present [][]bool, peers []int, gridStart, step, canaryStart int64, cut time.Duration) {
	for _, r := range peers {
		for i := range present[r] {
			if gridStart+int64(i)*step-canaryStart < cut.Milliseconds() {
				present[r][i] = false
			}
		}
	}
}
