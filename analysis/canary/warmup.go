package canary

import (
	"fmt"
	"time"

	"github.com/canary-analyzer/canary-analyzer/analysis"
)

// warmupCut describes how the canary's warm-up was cut from its data.
type warmupCut struct {
	// Warmup is the configured warm-up.
	Warmup time.Duration
	// Start is the canary's first sample (Unix ms; the earliest over its
	// pods); -1 when it has none.
	Start int64
	// Age is the canary's age at the end of the window, measured from Start.
	Age time.Duration
	// OlderThanWindow is set when the canary's data begins with the window:
	// its real start is unknown and nothing is cut.
	OlderThanWindow bool
	// Dropped counts the canary samples cut; Kept those left.
	Dropped, Kept int
	// first is each canary row's first sample (grid index, -1 without
	// one), the start its warm-up is measured from.
	first map[int]int
	// Max is the longest the cut may be extended to (MaxWarmup), Extended
	// the longest cut the canary's own data asked for beyond Warmup
	// (extendWarmup; zero when none), and Extra the samples it added.
	Max, Extended time.Duration
	Extra         int
}

// cutWarmup removes from each canary row of present the samples taken in
// the first warmup after that row's own first sample, by clearing them
// (present[r][i] = false). A canary whose first sample is at the grid's
// first point while a stable pod also has a sample there started before
// the window: its warm-up is over and nothing is cut; unless that point
// lies more than a step after viewStart, the start of the queried range
// (zero: unknown), when every pod started inside the range: the canary
// and reference pods started with it (a baseline). end is the window's
// end in Unix ms (used for the age).
func cutWarmup(present [][]bool, canary, stable []int, start, step int64, warmup time.Duration, end int64, viewStart time.Time) warmupCut {
	w := warmupCut{Warmup: warmup, Start: -1, first: map[int]int{}}
	first := func(r int) int {
		for i, ok := range present[r] {
			if ok {
				return i
			}
		}
		return -1
	}
	stableAtStart := false
	for _, r := range stable {
		if len(present[r]) > 0 && present[r][0] {
			stableAtStart = true
		}
	}
	earliest := -1
	for _, r := range canary {
		if f := first(r); f >= 0 && (earliest < 0 || f < earliest) {
			earliest = f
		}
	}
	if earliest < 0 {
		return w
	}
	w.Start = start + int64(earliest)*step
	w.Age = time.Duration(end-w.Start) * time.Millisecond
	if earliest == 0 && stableAtStart && !startedInView(0, start, step, viewStart) {
		w.OlderThanWindow = true
	}
	cut := warmup.Milliseconds()
	for _, r := range canary {
		f := first(r)
		w.first[r] = f
		if f < 0 {
			continue
		}
		for i := f; i < len(present[r]); i++ {
			if !present[r][i] {
				continue
			}
			if !w.OlderThanWindow && int64(i-f)*step < cut {
				present[r][i] = false
				w.Dropped++
				continue
			}
			w.Kept++
		}
	}
	return w
}

// end is the time (Unix ms) before which the earliest canary pod's samples
// were cut; 0 when nothing was cut.
func (w warmupCut) end() int64 {
	if w.Start < 0 || w.OlderThanWindow || w.Warmup <= 0 {
		return 0
	}
	return w.Start + w.Warmup.Milliseconds()
}

// text describes the cut in a sentence fragment.
func (w warmupCut) text() string {
	switch {
	case w.Start < 0:
		return "the canary has no samples"
	case w.OlderThanWindow:
		return "the canary's data starts with the window, so it is older than the lookback; no warm-up cut"
	case w.Extended > 0:
		return fmt.Sprintf("canary age %s; first %s cut as warm-up, extended to %s where the canary's own data still "+
			"showed one (%d samples in all), %d left", roundDuration(w.Age), roundDuration(w.Warmup),
			roundDuration(w.Extended), w.Dropped, w.Kept)
	case w.Warmup <= 0:
		return fmt.Sprintf("canary age %s; no warm-up cut", roundDuration(w.Age))
	}
	return fmt.Sprintf("canary age %s; first %s cut as warm-up (%d samples), %d left",
		roundDuration(w.Age), roundDuration(w.Warmup), w.Dropped, w.Kept)
}

// roundDuration rounds d to whole seconds for display.
func roundDuration(d time.Duration) time.Duration { return d.Round(time.Second) }

// warmupFor returns the metric's warm-up.
func warmupFor(m analysis.Metric, s analysis.Settings) time.Duration {
	if m.Warmup != nil {
		return max(*m.Warmup, 0)
	}
	return max(s.Warmup, 0)
}

// maxWarmupFor returns the longest warm-up of the metric: its MaxWarmup or
// the settings', and never less than its warm-up.
func maxWarmupFor(m analysis.Metric, s analysis.Settings) time.Duration {
	w := s.MaxWarmup
	if m.MaxWarmup != nil {
		w = *m.MaxWarmup
	}
	return max(w, warmupFor(m, s))
}

// endOf returns the end of the window in Unix ms: Settings.End, else the
// last sample of the grid.
func endOf(s analysis.Settings, lastSample int64) int64 {
	if !s.End.IsZero() {
		return s.End.UnixMilli()
	}
	return lastSample
}

// warmupEvidence turns a cut into its evidence.
func warmupEvidence(w warmupCut) analysis.WarmupEvidence {
	ev := analysis.WarmupEvidence{
		Cut: w.Warmup.String(), Age: roundDuration(w.Age).String(),
		Dropped: w.Dropped, Kept: w.Kept, Text: w.text(),
	}
	if w.Start >= 0 {
		ev.CanaryStart = time.UnixMilli(w.Start).UTC().Format(time.RFC3339)
	}
	return ev
}
