package canary

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/canary-analyzer/canary-analyzer/analysis"
)

// peerStart is the minute at which the canary and its peers start in the
// worlds below; the judged range begins at minute 0, so every pod started
// in view.
const peerStart = 5

// peerSettings judges one look at canary age `age` minutes with a
// one-minute Warmup and a four-minute MaxWarmup; the queried range
// starts at minute 0.
func peerSettings(age int) analysis.Settings {
	s := judgeSettings()
	s.Looks, s.Warmup, s.MaxWarmup = 1, time.Minute, 4*time.Minute
	s.Start = time.UnixMilli(judgeT0)
	s.End = time.UnixMilli(judgeT0 + int64(peerStart+age)*60000)
	return s
}

// decay is a warm-up that multiplies a young pod's value by 1 +
// (strength − 1)·(1 − age/4 min) for its first four minutes.
func decay(strength float64, age int) float64 {
	return 1 + (strength-1)*math.Max(0, 1-float64(age)/4)
}

// peerWorld draws a latency metric over minutes 0..peerStart+age: `old`
// stable pods from minute 0, `peers` reference pods and the canary from
// peerStart. The canary's latency is factor times theirs; the canary
// warms up with canaryWarm and the peers with peerWarm (decay; 1: none).
func peerWorld(seed uint64, old, peers, age int, factor, canaryWarm, peerWarm float64) analysis.Data {
	r := rand.New(rand.NewPCG(seed, 17))
	n := peerStart + age + 1
	shared := func(i int) float64 { return 1 + 0.2*math.Sin(float64(i)/3) }
	var stable [][]float64
	for range old {
		stable = append(stable, podRow(r, n, 0, 0.1, 0.05*r.NormFloat64(), 0.04, 0.4, shared))
	}
	warm := func(row []float64, strength float64) {
		for i := peerStart; i < n; i++ {
			row[i] *= decay(strength, i-peerStart)
		}
	}
	for range peers {
		row := podRow(r, n, peerStart, 0.1, 0.05*r.NormFloat64(), 0.04, 0.4, shared)
		warm(row, peerWarm)
		stable = append(stable, row)
	}
	canary := podRow(r, n, peerStart, 0.1*factor, 0, 0.04, 0.4, shared)
	warm(canary, canaryWarm)
	return analysis.Data{Canary: valueRows("canary-", [][]float64{canary}), Stable: valueRows("stable-", stable)}
}

// TestPeersAreCutAsTheCanaryIs: reference pods that start with the canary
// (a baseline) share its warm-up, which the time-matched comparison then
// cancels from the canary's first judged minute on. At canary age 5
// minutes, one, two or three such peers and a canary sharing a strong
// four-minute warm-up (latency ×2.5 at the start) pass, and a canary 50%
// slower is High; the shared warm-up does not extend the canary's cut,
// while a warm-up the peers lack does. Before peers were cut as the canary
// is, they lost their first MaxWarmup (4 minutes) from their own start,
// and the canary its whole warm-up cut (its data began with the grid, as
// theirs did, so it was taken for older than the window): two judged
// samples, NotEnoughData, at this look.
func TestPeersAreCutAsTheCanaryIs(t *testing.T) {
	t.Parallel()
	const age, seeds = 5, 20
	m := latencyMetric()
	m.Tolerance = 0.1
	m.DetectableChange = -1
	for _, c := range []struct {
		name                 string
		old, peers           int
		factor               float64
		canaryWarm, peerWarm float64
		// at least pass of the seeds Pass and exactly high High; the cut
		// extended in at least extLow and at most extHigh of them.
		pass, high, extLow, extHigh int
	}{
		{name: "one peer, shared warm-up", peers: 1, factor: 1, canaryWarm: 2.5, peerWarm: 2.5, pass: 18, extHigh: 3},
		{name: "two peers, shared warm-up", peers: 2, factor: 1, canaryWarm: 2.5, peerWarm: 2.5, pass: 18, extHigh: 3},
		{name: "three peers, shared warm-up", peers: 3, factor: 1, canaryWarm: 2.5, peerWarm: 2.5, pass: 18, extHigh: 3},
		{name: "one peer, canary +50%", peers: 1, factor: 1.5, canaryWarm: 2.5, peerWarm: 2.5, high: seeds, extHigh: 3},
		{name: "two peers, canary +50%", peers: 2, factor: 1.5, canaryWarm: 2.5, peerWarm: 2.5, high: seeds, extHigh: 3},
		{name: "three peers, canary +50%", peers: 3, factor: 1.5, canaryWarm: 2.5, peerWarm: 2.5, high: seeds, extHigh: 3},
		{name: "two peers without the canary's warm-up", peers: 2, factor: 1, canaryWarm: 2.5, peerWarm: 1, extLow: 15, extHigh: seeds},
	} {
		t.Run(c.name, func(t *testing.T) {
			pass, high, extended := 0, 0, 0
			for seed := range uint64(seeds) {
				d := peerWorld(seed, c.old, c.peers, age, c.factor, c.canaryWarm, c.peerWarm)
				res := New().judgeMetric(m, d, peerSettings(age))
				switch res.Classification {
				case analysis.Pass:
					pass++
				case analysis.High:
					high++
				}
				if c.factor == 1 && res.Classification == analysis.High {
					t.Errorf("seed %d: a healthy canary is High: %s", seed, res.Reason)
				}
				if strings.Contains(res.Evidence.Warmup.Text, "extended") {
					extended++
				}
			}
			if pass < c.pass || high != c.high {
				t.Errorf("%d Pass, %d High of %d; want at least %d Pass and %d High", pass, high, seeds, c.pass, c.high)
			}
			if extended < c.extLow || extended > c.extHigh {
				t.Errorf("cut extended in %d of %d runs, want %d-%d", extended, seeds, c.extLow, c.extHigh)
			}
		})
	}
}

// TestPeersAmongOldStablePods: two peers and three stable pods older than
// the range. The peers' warm-up, cut as the canary's, is partly in the
// centre the canary is compared with, partly in the pods' spread; a
// healthy canary is never High and a canary 50% slower is High by age 10.
func TestPeersAmongOldStablePods(t *testing.T) {
	t.Parallel()
	const age, seeds = 10, 20
	m := latencyMetric()
	m.Tolerance = 0.1
	m.DetectableChange = -1
	for _, c := range []struct {
		name   string
		factor float64
		high   int
	}{
		{"healthy", 1, 0},
		{"canary +50%", 1.5, seeds},
	} {
		t.Run(c.name, func(t *testing.T) {
			high := 0
			for seed := range uint64(seeds) {
				res := New().judgeMetric(m, peerWorld(seed, 3, 2, age, c.factor, 2.5, 2.5), peerSettings(age))
				if res.Classification == analysis.High {
					high++
				}
			}
			if high != c.high {
				t.Errorf("%d of %d High, want %d", high, seeds, c.high)
			}
		})
	}
}

// TestPeersShareAFillUp: the canary's memory and its peers' fill up
// together (−30% at the start, time constant 3 minutes): relative to the
// peers the canary does not grow, so the trend test passes at age 6 with
// one, two or three peers; a canary leaking 5% of its level a minute
// beyond the fill-up is High.
func TestPeersShareAFillUp(t *testing.T) {
	t.Parallel()
	const age, seeds = 6, 10
	m := analysis.Metric{Name: "memory", Kind: analysis.KindValue, Direction: analysis.Increase, Max: math.NaN(), Min: math.NaN(),
		Trend: true, TrendTolerance: 1, Tolerance: 0.25, DetectableChange: -1, PodSpread: 0.06}
	for _, c := range []struct {
		name  string
		peers int
		leak  float64
		want  analysis.Classification
	}{
		{"one peer", 1, 0, analysis.Pass},
		{"two peers", 2, 0, analysis.Pass},
		{"three peers", 3, 0, analysis.Pass},
		{"two peers, canary leaks", 2, 0.05, analysis.High},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := 0
			for seed := range uint64(seeds) {
				r := rand.New(rand.NewPCG(seed, 19))
				n := peerStart + age + 1
				fill := func(row []float64, leak float64) []float64 {
					for i := peerStart; i < n; i++ {
						a := float64(i - peerStart)
						row[i] *= (1 - 0.3*math.Exp(-a/3)) * (1 + leak*a)
					}
					return row
				}
				var stable [][]float64
				for range c.peers {
					stable = append(stable, fill(podRow(r, n, peerStart, 256, 0.05*r.NormFloat64(), 0.002, 0.9, flat), 0))
				}
				canary := fill(podRow(r, n, peerStart, 256, 0, 0.002, 0.9, flat), c.leak)
				d := analysis.Data{Canary: valueRows("c-", [][]float64{canary}), Stable: valueRows("s-", stable)}
				res := New().judgeMetric(m, d, peerSettings(age))
				if res.Classification == c.want {
					got++
				} else if c.want == analysis.Pass && res.Classification == analysis.High {
					t.Errorf("seed %d: a healthy fill-up is High: %s", seed, res.Reason)
				}
			}
			if got < seeds-1 {
				t.Errorf("%d of %d %s", got, seeds, c.want)
			}
		})
	}
}

// peerLoadWorld draws CPU and load for a canary and `peers` reference pods
// that all start at peerStart (no older pod, no history): idle 0.02 cores
// plus 0.004 core-seconds per request at 10 requests per second swinging
// by 30%, each pod's own ±5% on both, and for their first four minutes a
// start-up that doubles their CPU per request (decay).
func peerLoadWorld(seed uint64, peers, age int, factor float64) analysis.Data {
	r := rand.New(rand.NewPCG(seed, 23))
	n := peerStart + age + 1
	row := func(f float64) ([]float64, []float64) {
		idle := 0.02 * math.Exp(0.05*r.NormFloat64())
		per := 0.004 * math.Exp(0.05*r.NormFloat64()) * f
		ys, xs := make([]float64, n), make([]float64, n)
		u := 0.0
		for i := range ys {
			u = 0.5*u + 0.03*math.Sqrt(1-0.25)*r.NormFloat64()
			x := 10 * (1 + 0.3*math.Sin(float64(i)/2))
			x += math.Sqrt(x/60) * r.NormFloat64()
			xs[i], ys[i] = x, (idle+per*decay(2, i-peerStart)*x)*math.Exp(u)
			if i < peerStart {
				xs[i], ys[i] = math.NaN(), math.NaN()
			}
		}
		return ys, xs
	}
	var sy, sx [][]float64
	for range peers {
		y, x := row(1)
		sy, sx = append(sy, y), append(sx, x)
	}
	cy, cx := row(factor)
	d := analysis.Data{Canary: valueRows("canary-", [][]float64{cy}), Stable: valueRows("stable-", sy)}
	d.CanaryLoad, d.StableLoad = valueRows("canary-", [][]float64{cx}), valueRows("stable-", sx)
	return d
}

// TestLoadModelWithOnlyYoungPeers: every reference pod started with the
// canary and there is no older history. The load model leaves out each
// young pod's first MaxWarmup (4 minutes), so at canary age 4 it has one
// sample a pod and says NotEnoughData with the reason, for one, two and
// three peers; by age 10 it learns from what there is and a healthy
// canary is not High, with one peer as with three.
func TestLoadModelWithOnlyYoungPeers(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		peers  int
		age    int
		factor float64
		want   analysis.Classification // NoData: anything but High
		reason string
	}{
		{"one peer at age 4", 1, 4, 1, analysis.NotEnoughData, "started with the canary"},
		{"two peers at age 4", 2, 4, 1, analysis.NotEnoughData, "started with the canary"},
		{"three peers at age 4", 3, 4, 1, analysis.NotEnoughData, "started with the canary"},
		{"one peer at age 10", 1, 10, 1, analysis.NoData, ""},
		{"two peers at age 10", 2, 10, 1, analysis.NoData, ""},
		{"three peers at age 10", 3, 10, 1, analysis.NoData, ""},
		{"three peers at age 10, canary CPU ×2", 3, 10, 2, analysis.High, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			for seed := range uint64(10) {
				res := New().judgeMetric(cpuMetric(), peerLoadWorld(seed, c.peers, c.age, c.factor), peerSettings(c.age))
				switch {
				case c.want == analysis.NoData && res.Classification == analysis.High:
					t.Errorf("seed %d: a healthy canary is High: %s", seed, res.Reason)
				case c.want != analysis.NoData && res.Classification != c.want:
					t.Errorf("seed %d: %s (%s), want %s", seed, res.Classification, res.Reason, c.want)
				case !strings.Contains(res.Reason, c.reason):
					t.Errorf("seed %d: reason %q does not say %q", seed, res.Reason, c.reason)
				}
			}
		})
	}
}

// TestPeerRows: a reference pod is a peer when its first sample lies
// within a minute (or a step) of the canary's, for a canary that started
// in view.
func TestPeerRows(t *testing.T) {
	t.Parallel()
	row := func(first, n int) []bool {
		out := make([]bool, n)
		for i := first; i >= 0 && i < n; i++ {
			out[i] = true
		}
		return out
	}
	for _, c := range []struct {
		name  string
		step  int64
		first []int // the canary's first sample, then the stable pods'
		older bool
		want  []int
	}{
		{"same minute", 60000, []int{5, 5, 0}, false, []int{1}},
		{"a step before and after", 60000, []int{5, 4, 6, 7, 3}, false, []int{1, 2}},
		{"15 s steps, within a minute", 15000, []int{20, 24, 25, 16, 15}, false, []int{1, 3}},
		{"canary older than the window", 60000, []int{0, 0}, true, nil},
		{"no stable samples", 60000, []int{5, -1}, false, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			var present [][]bool
			for _, f := range c.first {
				present = append(present, row(f, 40))
			}
			cut := warmupCut{Start: int64(c.first[0]) * c.step, OlderThanWindow: c.older}
			got := peerRows(present, rowRange(1, len(present)), 0, c.step, cut)
			if len(got) != len(c.want) {
				t.Fatalf("peers %v, want %v", got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Fatalf("peers %v, want %v", got, c.want)
				}
			}
		})
	}
}

// TestPeersAllInTheWarmup: at canary age 3 minutes a metric with a
// four-minute warm-up has cut every sample of the canary's peers with the
// canary's: too little data (NotEnoughData), not a metric without data
// (NoData, which fails a critical metric).
func TestPeersAllInTheWarmup(t *testing.T) {
	t.Parallel()
	m := latencyMetric()
	w := 4 * time.Minute
	m.Warmup = &w
	for _, peers := range []int{1, 2, 3} {
		res := New().judgeMetric(m, peerWorld(1, 0, peers, 3, 1, 1, 1), peerSettings(3))
		if res.Classification != analysis.NotEnoughData || !strings.Contains(res.Reason, "started with the canary") {
			t.Errorf("%d peers: %s (%s), want NotEnoughData", peers, res.Classification, res.Reason)
		}
	}
}

// TestYoungStablePodsAllInTheirWarmup: without peers (two stable pods
// that started two minutes before the canary, beyond peerTolerance), every
// stable sample at canary age 1 minute lies in the stable pods' own
// MaxWarmup cut: NotEnoughData, and the reason says which cut took them,
// not that pods started with the canary.
func TestYoungStablePodsAllInTheirWarmup(t *testing.T) {
	t.Parallel()
	const age = 1
	r := rand.New(rand.NewPCG(3, 29))
	n := peerStart + age + 1
	stable := [][]float64{
		podRow(r, n, peerStart-2, 0.1, 0, 0.04, 0.4, flat),
		podRow(r, n, peerStart-2, 0.1, 0, 0.04, 0.4, flat),
	}
	canary := podRow(r, n, peerStart, 0.1, 0, 0.04, 0.4, flat)
	d := analysis.Data{Canary: valueRows("canary-", [][]float64{canary}), Stable: valueRows("stable-", stable)}
	res := New().judgeMetric(latencyMetric(), d, peerSettings(age))
	if res.Classification != analysis.NotEnoughData {
		t.Fatalf("%s (%s), want NotEnoughData", res.Classification, res.Reason)
	}
	if want := "2 started in the window and lose their first 4m0s"; !strings.Contains(res.Reason, want) ||
		strings.Contains(res.Reason, "started with the canary") {
		t.Errorf("reason %q: want %q and no peers", res.Reason, want)
	}
}

// TestPeersLoseTheCanarysFirstMinutesOfCounts: the canary and two
// baseline pods start together; the canary and one baseline pod answer 3%
// 5xx in their first minute (cold connections), the other baseline pod
// 0.3%, and all of them 0.3% after it. The canary's first minute is cut
// (Warmup 1 minute) and so are its peers', so the judgement is the one of
// the same pods without the burst: the same dispersion and p-value. Left
// in, one peer's start-up burst reads as errors that clump within a pod and
// as a spread between the baseline pods, and widens the canary's test
// (dispersion 2.0 instead of 1.44 at the commit before this test).
func TestPeersLoseTheCanarysFirstMinutesOfCounts(t *testing.T) {
	t.Parallel()
	const age = 6
	n := peerStart + age + 1
	row := func(first, later float64) (ev, tr []float64) {
		ev, tr = make([]float64, n), make([]float64, n)
		for i := range n {
			switch {
			case i < peerStart:
				ev[i], tr[i] = math.NaN(), math.NaN()
			case i == peerStart:
				ev[i], tr[i] = first, 1000
			default:
				ev[i], tr[i] = later, 1000
			}
		}
		return ev, tr
	}
	ce, ct := row(30, 4)
	cold, pt := row(30, 3)
	warm, _ := row(3, 3)
	m := analysis.Metric{Name: "errors", Kind: analysis.KindRatio, Direction: analysis.Increase,
		Max: math.NaN(), Min: math.NaN(), Tolerance: 0.5}
	judge := func(peer []float64) analysis.MetricResult {
		d := analysis.Data{
			CanaryCounts: countRows("c-", [][]float64{ce}, [][]float64{ct}),
			StableCounts: countRows("s-", [][]float64{peer, warm}, [][]float64{pt, pt}),
		}
		res := New().judgeMetric(m, d, peerSettings(age))
		if res.Evidence == nil || res.Evidence.Noise == nil {
			t.Fatalf("no noise evidence: %s (%s)", res.Classification, res.Reason)
		}
		return res
	}
	got, want := judge(cold), judge(warm)
	if g, w := got.Evidence.Noise.Dispersion, want.Evidence.Noise.Dispersion; g != w {
		t.Errorf("dispersion %.3g with a peer's start-up burst, %.3g without: the peers' first minute must be cut as the canary's", g, w)
	}
	if got.PValue != want.PValue || got.Classification != want.Classification {
		t.Errorf("with a peer's start-up burst %s p = %.3g, without %s p = %.3g", got.Classification, got.PValue, want.Classification, want.PValue)
	}
}
