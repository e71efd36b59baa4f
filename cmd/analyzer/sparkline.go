package main

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/prometheus/common/model"

	"github.com/canary-analyzer/canary-analyzer/api/wire"
)

// sparkLevels draw a value's height in one character.
var sparkLevels = []rune("▁▂▃▄▅▆▇█")

// maxSparkWidth bounds a sparkline; longer windows share columns (each
// column shows its steps' mean).
const maxSparkWidth = 60

// writeSeries prints, for a response with series, each metric's pods as
// sparklines over the window on one scale per metric: '·' marks a step
// cut as the canary's warm-up, a space a step without data.
func writeSeries(w io.Writer, r *wire.Response) {
	step, err := model.ParseDuration(r.Window.Step)
	if err != nil || step <= 0 {
		return
	}
	start, end := r.Window.Start.UnixMilli(), r.Window.End.UnixMilli()
	steps := int((end-start)/time.Duration(step).Milliseconds()) + 1
	cols := min(steps, maxSparkWidth)
	for _, m := range r.Metrics {
		if m.Series == nil {
			continue
		}
		fmt.Fprintf(w, "\n%s (%s), %s to %s:\n", m.Name, m.Classification,
			r.Window.Start.UTC().Format("15:04"), r.Window.End.UTC().Format("15:04 MST"))
		var warm int64
		if m.WarmupEnd != nil {
			warm = m.WarmupEnd.UnixMilli()
		}
		// One scale for the metric, over what was judged: the canary's
		// warm-up is drawn as dots, so its values do not stretch it.
		lo, hi := math.Inf(1), math.Inf(-1)
		for i, p := range append(append([]wire.PodSeries{}, m.Series.Canary...), m.Series.Stable...) {
			ts, vs := p.Values()
			for k, v := range vs {
				if i >= len(m.Series.Canary) || ts[k] >= warm {
					lo, hi = math.Min(lo, v), math.Max(hi, v)
				}
			}
		}
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, p := range m.Series.Canary {
			fmt.Fprintf(tw, "  %s\tcanary\t%s\n", p.Pod, spark(p, start, end, cols, lo, hi, warm))
		}
		for _, p := range m.Series.Stable {
			fmt.Fprintf(tw, "  %s\tstable\t%s\n", p.Pod, spark(p, start, end, cols, lo, hi, 0))
		}
		tw.Flush()
		if !math.IsInf(lo, 0) {
			fmt.Fprintf(w, "  scale %s to %s\n", num(lo), num(hi))
		}
	}
}

// spark draws p's values from start to end in cols columns, on the scale
// lo to hi; steps before warm (Unix ms) are '·'.
func spark(p wire.PodSeries, start, end int64, cols int, lo, hi float64, warm int64) string {
	sum := make([]float64, cols)
	n := make([]int, cols)
	cut := make([]bool, cols)
	col := func(t int64) int {
		if end <= start {
			return 0
		}
		return min(cols-1, max(0, int(float64(t-start)/float64(end-start)*float64(cols-1)+0.5)))
	}
	ts, vs := p.Values()
	for i, t := range ts {
		c := col(t)
		if t < warm {
			cut[c] = true
			continue
		}
		sum[c] += vs[i]
		n[c]++
	}
	out := make([]rune, cols)
	for c := range out {
		switch {
		case n[c] > 0:
			level := 0
			if hi > lo {
				level = int((sum[c]/float64(n[c]) - lo) / (hi - lo) * float64(len(sparkLevels)-1))
			}
			out[c] = sparkLevels[min(max(level, 0), len(sparkLevels)-1)]
		case cut[c]:
			out[c] = '·'
		default:
			out[c] = ' '
		}
	}
	return strings.TrimRight(string(out), " ")
}
