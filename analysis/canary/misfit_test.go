package canary

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/canary-analyzer/canary-analyzer/analysis"
)

// warmupWorld draws a latency metric: stable pods for n minutes, and a
// canary from minute start whose latency is factor times theirs and, for
// its first warm minutes, strength times more.
func warmupWorld(seed uint64, n, start int, factor, strength float64, warm int) analysis.Data {
	r := rand.New(rand.NewPCG(seed, 11))
	shared := func(i int) float64 { return 1 + 0.2*math.Sin(float64(i)/7) }
	var stable [][]float64
	for range 5 {
		stable = append(stable, podRow(r, n, 0, 0.1, 0.05*r.NormFloat64(), 0.04, 0.4, shared))
	}
	canary := podRow(r, n, start, 0.1*factor, 0, 0.04, 0.4, shared)
	for i := start; i < start+warm && i < n; i++ {
		canary[i] *= strength
	}
	return analysis.Data{Canary: valueRows("canary-", [][]float64{canary}), Stable: valueRows("stable-", stable)}
}

// TestWarmupIsExtendedWhereTheCanaryShowsOne: a canary whose latency is
// twice its level for its first three minutes leaks two of them into a
// one-minute cut, which biases its estimate upwards; with the cut extended
// where its own data show a warm-up (up to 4 minutes) the estimate is
// unbiased, a canary 50% slower from its start is still estimated at +50%
// and High, with or without a warm-up, and one without a warm-up keeps its
// data (but for the 5% chance of the one-sided test per block).
func TestWarmupIsExtendedWhereTheCanaryShowsOne(t *testing.T) {
	t.Parallel()
	const n, start, seeds = 34, 24, 20
	settings := func(longest time.Duration) analysis.Settings {
		s := judgeSettings()
		s.Looks, s.Warmup, s.MaxWarmup = 1, time.Minute, longest
		s.End = time.UnixMilli(judgeT0 + (n-1)*60000)
		return s
	}
	m := latencyMetric()
	m.Tolerance = 0.1
	m.DetectableChange = -1
	for _, c := range []struct {
		name             string
		factor, strength float64
		longest          time.Duration
		// the mean estimate over the seeds within ±within of want, High
		// in high of them, the cut extended in at least extended (at most
		// 3 without a warm-up).
		want, within   float64
		high, extended int
	}{
		{name: "warm-up, fixed cut", factor: 1, strength: 2, want: 0.25, within: 0.1},
		{name: "warm-up, cut extended", factor: 1, strength: 2, longest: 4 * time.Minute, want: 0, within: 0.04, extended: seeds},
		{name: "no warm-up", factor: 1, strength: 1, longest: 4 * time.Minute, want: 0, within: 0.04},
		{name: "regressed, no warm-up", factor: 1.5, strength: 1, longest: 4 * time.Minute, want: 0.5, within: 0.06, high: seeds},
		{name: "regressed with a warm-up", factor: 1.5, strength: 2, longest: 4 * time.Minute, want: 0.5, within: 0.06, high: seeds, extended: seeds},
	} {
		t.Run(c.name, func(t *testing.T) {
			high, extended := 0, 0
			var mean float64
			for seed := range uint64(seeds) {
				res := New().judgeMetric(m, warmupWorld(seed, n, start, c.factor, c.strength, 3), settings(c.longest))
				mean += res.Estimate / seeds
				if res.Classification == analysis.High {
					high++
				}
				if strings.Contains(res.Evidence.Warmup.Text, "extended") {
					extended++
				}
			}
			if math.Abs(mean-c.want) > c.within {
				t.Errorf("mean estimate %+.3f, want %+.2f ± %.2f", mean, c.want, c.within)
			}
			if c.high > 0 && high != c.high {
				t.Errorf("%d of %d High, want %d", high, seeds, c.high)
			}
			if extended < c.extended || c.strength == 1 && extended > 3 {
				t.Errorf("cut extended in %d of %d runs", extended, seeds)
			}
		})
	}
}

// TestStablePodsThatStartInViewLoseTheirWarmup: stable pods rolled out 25
// minutes before the canary burn CPU while they start, at a load that is
// still low. Fitted with those minutes, the load model's slope is far off,
// and a healthy canary at twice a stable pod's load looks like a
// regression; without them (each stable pod that starts inside the data
// loses its longest warm-up, as the canary does) it passes.
func TestStablePodsThatStartInViewLoseTheirWarmup(t *testing.T) {
	t.Parallel()
	const n, start = 60, 50
	s := judgeSettings()
	s.Looks, s.Warmup, s.MaxWarmup = 1, time.Minute, 4*time.Minute
	s.Start = time.UnixMilli(judgeT0 + 30*60000)
	s.End = time.UnixMilli(judgeT0 + (n-1)*60000)
	passed := 0
	for seed := range uint64(10) {
		cpu, _ := loadWorld(seed, 4, n, start, 2, 1)
		young := func(rows []analysis.Series) {
			for _, row := range rows {
				pts := row.Points[:0]
				for _, p := range row.Points {
					age := int((p.T - judgeT0) / 60000)
					if age < 25 {
						continue
					}
					if age < 27 {
						p.V += 0.3 // a start-up burst at low load
					}
					pts = append(pts, p)
				}
				copy(row.Points, pts)
			}
		}
		// Young stable pods: no data before minute 25, a burst in their
		// first two minutes; the judged window starts at 30, the history
		// (modelLookback) at 0.
		for i := range cpu.Stable {
			young(cpu.Stable[i : i+1])
			young(cpu.StableLoad[i : i+1])
		}
		cpu.Stable, cpu.StableHistory = splitAt(cpu.Stable, s.Start)
		cpu.StableLoad, cpu.StableLoadHistory = splitAt(cpu.StableLoad, s.Start)
		cpu.HistoryStart = time.UnixMilli(judgeT0)
		res := New().judgeMetric(cpuMetric(), cpu, s)
		if res.Classification == analysis.Pass {
			passed++
		}
		if res.Classification == analysis.High {
			t.Errorf("seed %d: a healthy canary is High: %s", seed, res.Reason)
		}
	}
	if passed < 9 {
		t.Errorf("%d of 10 healthy canaries passed", passed)
	}
}

// splitAt splits series at t: the points before it and from it on.
func splitAt(in []analysis.Series, t time.Time) (from, before []analysis.Series) {
	for _, s := range in {
		var a, b []analysis.Point
		for _, p := range s.Points {
			if p.T < t.UnixMilli() {
				b = append(b, p)
			} else {
				a = append(a, p)
			}
		}
		from = append(from, analysis.Series{Pod: s.Pod, Points: a})
		before = append(before, analysis.Series{Pod: s.Pod, Points: b})
	}
	return from, before
}

// TestExtrapolationAloneNeverFails: the stable pods' CPU is not linear in
// their load (a cost per request that grows with the load), so a straight
// line through their loads puts the idle part far too low, and a healthy
// canary with a tenth of their load looks much worse than the model. Its
// load lies below anything the stable pods showed, so a regression must
// also show in its raw CPU, which is below theirs: the metric is
// NotEnoughData with the reason, never High. A canary that burns more CPU
// than the stable pods at a tenth of their load fails.
func TestExtrapolationAloneNeverFails(t *testing.T) {
	t.Parallel()
	const n, start = 40, 30
	draw := func(seed uint64, extra float64) analysis.Data {
		r := rand.New(rand.NewPCG(seed, 3))
		traffic := func(i int) float64 { return 10 * (1 + 0.3*math.Sin(float64(i)/6)) }
		// CPU = 0.04 + 0.0002·load²: convex, 0.06 cores at load 10,
		// where a straight line has 0.024 at load 1 for the true 0.04.
		cpuAt := func(x float64) float64 { return 0.04 + 0.0002*x*x }
		var sy, sx [][]float64
		for range 5 {
			ys, xs := make([]float64, n), make([]float64, n)
			f := math.Exp(0.04 * r.NormFloat64())
			for i := range ys {
				xs[i] = traffic(i) * (1 + 0.05*r.NormFloat64())
				ys[i] = cpuAt(xs[i]) * f * math.Exp(0.02*r.NormFloat64())
			}
			sy, sx = append(sy, ys), append(sx, xs)
		}
		cy, cx := make([]float64, n), make([]float64, n)
		for i := range cy {
			cy[i], cx[i] = math.NaN(), math.NaN()
			if i >= start {
				cx[i] = traffic(i) * 0.1 * (1 + 0.05*r.NormFloat64())
				cy[i] = (cpuAt(cx[i]) + extra) * math.Exp(0.02*r.NormFloat64())
			}
		}
		d := analysis.Data{Canary: valueRows("canary-", [][]float64{cy}), Stable: valueRows("stable-", sy)}
		d.CanaryLoad, d.StableLoad = valueRows("canary-", [][]float64{cx}), valueRows("stable-", sx)
		return d
	}
	s := judgeSettings()
	s.Looks, s.Warmup = 1, time.Minute
	s.End = time.UnixMilli(judgeT0 + (n-1)*60000)
	m := cpuMetric()
	m.DetectableChange = -1
	for seed := range uint64(5) {
		healthy := New().judgeMetric(m, draw(seed, 0), s)
		if healthy.Classification != analysis.NotEnoughData || !strings.Contains(healthy.Reason, "extrapolates") {
			t.Errorf("seed %d, healthy light canary: %s (%s), want NotEnoughData saying the model extrapolates", seed, healthy.Classification, healthy.Reason)
		}
		broken := New().judgeMetric(m, draw(seed, 0.06), s)
		if broken.Classification != analysis.High {
			t.Errorf("seed %d, light canary above the stable pods' raw CPU: %s (%s), want High", seed, broken.Classification, broken.Reason)
		}
	}
}

// TestPodSlopesWidenAModelThatDoesNotFit: when every stable pod's CPU
// follows its load with the same slope, the test keeps the model's slope
// variance; when the pods' own slopes disagree far beyond it (one pod runs
// a job that comes with its traffic, one whose cost per request halves at
// its busy minutes), the cluster-robust variance from the pods' slopes is
// used instead, inside and above the fitted loads, never below them.
func TestPodSlopesWidenAModelThatDoesNotFit(t *testing.T) {
	t.Parallel()
	draw := func(slopes []float64) (y, x [][]float64) {
		r := rand.New(rand.NewPCG(5, 5))
		for _, b := range slopes {
			ys, xs := make([]float64, 60), make([]float64, 60)
			for i := range ys {
				xs[i] = 10 * (1 + 0.3*math.Sin(float64(i)/8)) * (1 + 0.03*r.NormFloat64())
				ys[i] = 0.02 + b*xs[i] + 0.0005*r.NormFloat64()
			}
			y, x = append(y, ys), append(x, xs)
		}
		return y, x
	}
	for _, c := range []struct {
		name   string
		slopes []float64
		pods   bool
	}{
		{"pods agree", []float64{0.004, 0.004, 0.004, 0.004}, false},
		{"pods disagree", []float64{0.001, 0.004, 0.007, 0.004}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			y, x := draw(c.slopes)
			f, ok := fitLoad(y, x, 0.08)
			if !ok {
				t.Fatal("fitLoad failed")
			}
			inside, df := f.slopeVariance(f.MeanLoad)
			below, _ := f.slopeVariance(f.LoadLow / 2)
			model := f.NoiseVar + f.SpreadVar
			if c.pods && (inside != f.PodSlopeVar || df != 3) || !c.pods && inside != model {
				t.Errorf("inside: %.3g on %g df; model %.3g, pods %.3g", inside, df, model, f.PodSlopeVar)
			}
			if below != model {
				t.Errorf("below the loads: %.3g, want the model's %.3g", below, model)
			}
		})
	}
}

// TestFillUpIsNotALeak: a fresh canary's memory that fills up from 25%
// below towards a level among the stable pods' grows faster than the
// tolerance for minutes; the trend test sees the growth, but the canary
// has not passed the stable pods, so the metric is NotEnoughData (never
// High), and a canary whose memory grows past every stable pod's is High.
func TestFillUpIsNotALeak(t *testing.T) {
	t.Parallel()
	const n = 40
	for _, c := range []struct {
		name      string
		start     int     // the canary's first sample
		offset    float64 // the canary's steady level, log scale
		fill, tau float64 // it starts fill below it, filling with time constant tau (steps)
		leak      bool
		want      analysis.Classification
	}{
		// A fill-up that slows below the tolerance over the later half
		// of the judged samples is not a leak, wherever its level is.
		{"fill-up", 30, 0, 0.25, 6, false, analysis.Pass},
		// One still fast at the end, its level among the stable pods':
		// a leak cannot be told from it until it passes them all.
		{"fill-up still growing", 30, 0, 0.6, 15, false, analysis.NotEnoughData},
		{"leak past the stable pods", 30, 0, 0.25, 6, true, analysis.High},
		// A canary whose steady level lies beyond every stable pod's
		// passes them all while it still fills up: its growth over the
		// whole window (about +130% an hour) is beyond the tolerance, but
		// over the later half (about +60%) it is not.
		{"fill-up past the stable pods", 30, 0.25, 0.25, 6, false, analysis.Pass},
		{"leak on a fill-up past the stable pods", 30, 0.25, 0.25, 6, true, analysis.High},
		// The same at the first look that judges the trend: four samples
		// after the cut, two in the later half. The canary's level over
		// them is about +12% (the stable pods lie within ±8%); it grows
		// by about +120% an hour over the four, +90% over the last two.
		{"fill-up past the stable pods, four samples", 34, 0.2, 0.18, 4, false, analysis.Pass},
		{"leak on it, four samples", 34, 0.2, 0.18, 4, true, analysis.High},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(4, 4))
			var stable [][]float64
			for _, o := range []float64{-0.08, -0.02, 0.03, 0.07} {
				stable = append(stable, podRow(r, n, 0, 256, o, 0.002, 0.9, flat))
			}
			canary := podRow(r, n, c.start, 256, c.offset, 0.002, 0.9, flat)
			for i := c.start; i < n; i++ {
				age := float64(i - c.start)
				canary[i] *= 1 - c.fill*math.Exp(-age/c.tau)
				if c.leak {
					canary[i] += 16 * age
				}
			}
			m := analysis.Metric{Name: "memory", Kind: analysis.KindValue, Direction: analysis.Increase, Max: math.NaN(), Min: math.NaN(),
				Trend: true, TrendTolerance: 1, Tolerance: 0.25, DetectableChange: -1}
			s := judgeSettings()
			s.Looks = 1
			w := 2 * time.Minute
			m.Warmup = &w
			res := New().judgeMetric(m, analysis.Data{Canary: valueRows("c-", [][]float64{canary}), Stable: valueRows("s-", stable)}, s)
			if res.Classification != c.want {
				t.Errorf("%s (%s), want %s", res.Classification, res.Reason, c.want)
			}
		})
	}
}
