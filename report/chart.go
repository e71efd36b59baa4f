package report

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/canary-analyzer/canary-analyzer/api/wire"
)

// The chart's size in SVG units and its margins around the plot.
const (
	chartWidth  = 760
	chartHeight = 230
	marginLeft  = 70
	marginRight = 24
	marginTop   = 14
	marginBelow = 28
)

// chart is one metric's chart, ready for the template: every coordinate
// computed here, every text escaped there.
type chart struct {
	Metric        string
	Width, Height int
	// Plot is the plotting area.
	Plot box
	// Title describes the chart for screen readers.
	Title  string
	YTicks []tick
	XTicks []tick
	// Warmup shades the canary's warm-up (nil when nothing was cut).
	Warmup *box
	// Looks mark the analysis run's looks.
	Looks []mark
	// Bounds mark the metric's absolute bounds (max, min) that fall in
	// the plotted range.
	Bounds []mark
	Stable []line
	Canary []line
	// Empty says why there is nothing to plot ("" when there is).
	Empty string
}

type box struct{ X, Y, W, H float64 }

// tick is an axis label at Pos (x for the time axis, y for the values).
type tick struct {
	Pos   float64
	Label string
}

// mark is a vertical (looks) or horizontal (bounds) line at Pos.
type mark struct {
	Pos   float64
	Label string
}

// line is one pod's polyline (SVG path data; gaps of more than 1.5 steps
// break it).
type line struct {
	Pod string
	D   string
}

// chartInput is what a chart is drawn from.
type chartInput struct {
	metric     string
	series     *wire.Series
	start, end time.Time
	step       time.Duration
	warmupEnd  *time.Time
	looks      []time.Time
	scale      scale
	bounds     map[string]float64 // "max", "min"
}

// point is one plotted sample.
type point struct {
	t int64
	v float64
}

// plotted is a pod's numbers as drawn (wire.PodSeries.Values).
func plotted(p wire.PodSeries) []point {
	ts, vs := p.Values()
	out := make([]point, len(ts))
	for i := range ts {
		out[i] = point{ts[i], vs[i]}
	}
	return out
}

// newChart lays out a metric's chart.
func newChart(in chartInput) *chart {
	c := &chart{
		Metric: in.metric, Width: chartWidth, Height: chartHeight,
		Plot: box{X: marginLeft, Y: marginTop, W: chartWidth - marginLeft - marginRight, H: chartHeight - marginTop - marginBelow},
	}
	if in.series == nil {
		c.Empty = "no series"
		return c
	}
	canary := make([][]point, len(in.series.Canary))
	stable := make([][]point, len(in.series.Stable))
	lo, hi := math.Inf(1), math.Inf(-1)
	first := int64(math.MaxInt64)
	for i, p := range in.series.Canary {
		canary[i] = plotted(p)
		for _, q := range canary[i] {
			lo, hi = math.Min(lo, q.v), math.Max(hi, q.v)
			first = min(first, q.t)
		}
	}
	for i, p := range in.series.Stable {
		stable[i] = plotted(p)
		for _, q := range stable[i] {
			lo, hi = math.Min(lo, q.v), math.Max(hi, q.v)
		}
	}
	c.Title = fmt.Sprintf("%s: %d canary and %d stable pods, %s to %s UTC", in.metric, len(canary), len(stable),
		in.start.UTC().Format("15:04"), in.end.UTC().Format("15:04"))
	if math.IsInf(lo, 1) {
		c.Empty = "no samples in the window"
		return c
	}
	switch {
	case lo == 0 && hi == 0:
		hi = 1
	case lo == hi:
		lo, hi = lo-math.Abs(lo)/10, hi+math.Abs(hi)/10
	case lo > 0 && lo < hi/2:
		lo = 0 // a scale from zero unless the values sit far from it
	}
	// Round ticks in the unit the labels use (MiB, ms, %).
	f := in.scale.factor(math.Max(math.Abs(lo), math.Abs(hi)))
	ticks, lo, hi := niceTicks(lo/f, hi/f, 4)
	lo, hi = lo*f, hi*f
	for i := range ticks {
		ticks[i] *= f
	}
	t0, t1 := in.start.UnixMilli(), in.end.UnixMilli()
	if t1 <= t0 {
		t1 = t0 + 1
	}
	x := func(t int64) float64 { return c.Plot.X + c.Plot.W*float64(t-t0)/float64(t1-t0) }
	y := func(v float64) float64 { return c.Plot.Y + c.Plot.H*(1-(v-lo)/(hi-lo)) }
	for _, v := range ticks {
		c.YTicks = append(c.YTicks, tick{Pos: round1(y(v)), Label: in.scale.format(v)})
	}
	for _, t := range timeTicks(in.start, in.end) {
		c.XTicks = append(c.XTicks, tick{Pos: round1(x(t.UnixMilli())), Label: t.UTC().Format("15:04")})
	}
	if w := in.warmupEnd; w != nil && first != math.MaxInt64 {
		from, to := max(first, t0), min(w.UnixMilli(), t1)
		if to > from {
			c.Warmup = &box{X: round1(x(from)), Y: c.Plot.Y, W: round1(x(to) - x(from)), H: c.Plot.H}
		}
	}
	for i, l := range in.looks {
		if t := l.UnixMilli(); t >= t0 && t <= t1 {
			c.Looks = append(c.Looks, mark{Pos: round1(x(t)), Label: fmt.Sprintf("look %d", i+1)})
		}
	}
	for _, name := range []string{"max", "min"} {
		if b, ok := in.bounds[name]; ok && b >= lo && b <= hi {
			c.Bounds = append(c.Bounds, mark{Pos: round1(y(b)), Label: name + " " + in.scale.format(b)})
		}
	}
	gap := int64(1.5 * float64(in.step.Milliseconds()))
	for i, p := range in.series.Stable {
		c.Stable = append(c.Stable, line{Pod: p.Pod, D: path(stable[i], x, y, gap)})
	}
	for i, p := range in.series.Canary {
		c.Canary = append(c.Canary, line{Pod: p.Pod, D: path(canary[i], x, y, gap)})
	}
	return c
}

// path is the SVG path of points, a new subpath after a gap longer than
// gap; a lone point is a dot (a zero-length segment with round caps).
func path(pts []point, x func(int64) float64, y func(float64) float64, gap int64) string {
	var b strings.Builder
	for i, p := range pts {
		cmd := "L"
		if i == 0 || (gap > 0 && p.t-pts[i-1].t > gap) {
			cmd = "M"
		}
		fmt.Fprintf(&b, "%s%.1f %.1f", cmd, x(p.t), y(p.v))
		lone := cmd == "M" && (i+1 == len(pts) || (gap > 0 && pts[i+1].t-p.t > gap))
		if lone {
			b.WriteString("h0.1")
		}
	}
	return b.String()
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }

// niceTicks returns about n round values spanning [lo, hi] and the range
// they span.
func niceTicks(lo, hi float64, n int) ([]float64, float64, float64) {
	raw := (hi - lo) / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, f := range []float64{1, 2, 2.5, 5, 10} {
		if f*mag >= raw {
			step = f * mag
			break
		}
	}
	lo = math.Floor(lo/step) * step
	hi = math.Ceil(hi/step) * step
	var out []float64
	for v := lo; v <= hi+step/2; v += step {
		out = append(out, math.Round(v/step)*step)
	}
	return out, lo, hi
}

// timeTicks returns round times between start and end: at most 7, every
// 1, 2, 5, 10, 15 or 30 minutes or 1, 2, 3, 6 or 12 hours.
func timeTicks(start, end time.Time) []time.Time {
	span := end.Sub(start)
	every := 24 * time.Hour
	for _, m := range []time.Duration{1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720} {
		if d := m * time.Minute; span/d <= 6 {
			every = d
			break
		}
	}
	var out []time.Time
	for t := start.Truncate(every); !t.After(end); t = t.Add(every) {
		if !t.Before(start) {
			out = append(out, t)
		}
	}
	return out
}
