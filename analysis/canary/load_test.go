package canary

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/canary-analyzer/canary-analyzer/analysis"
)

// loadWorld draws CPU and load rows for stable pods and one canary: each
// pod's load follows a shared traffic curve (a slow cycle and a spike)
// times its share, with Poisson-like noise, and its CPU is
// (idle + perReq·load)·e^(AR(1) noise), idle and perReq varying between
// pods by 5%. The canary starts at minute start, serves canaryLoad times a
// stable pod's load and spends factor times the CPU per request.
func loadWorld(seed uint64, stable, n, start int, canaryLoad, factor float64) (cpu, load analysis.Data) {
	r := rand.New(rand.NewPCG(seed, 7))
	traffic := func(i int) float64 {
		v := 10 * (1 + 0.3*math.Sin(float64(i)/15))
		if i >= 20 && i < 26 {
			v *= 1.8
		}
		return v
	}
	row := func(share, f float64, from int) ([]float64, []float64) {
		idle := 0.02 * math.Exp(0.05*r.NormFloat64())
		per := 0.004 * math.Exp(0.05*r.NormFloat64()) * f
		ys, xs := make([]float64, n), make([]float64, n)
		u := 0.0
		for i := range ys {
			u = 0.5*u + 0.03*math.Sqrt(1-0.25)*r.NormFloat64()
			x := traffic(i) * share
			x += math.Sqrt(x/60) * r.NormFloat64()
			xs[i], ys[i] = x, (idle+per*x)*math.Exp(u)
			if i < from {
				xs[i], ys[i] = math.NaN(), math.NaN()
			}
		}
		return ys, xs
	}
	var sy, sx [][]float64
	for range stable {
		y, x := row(1, 1, 0)
		sy, sx = append(sy, y), append(sx, x)
	}
	cy, cx := row(canaryLoad, factor, start)
	cpu = analysis.Data{Canary: valueRows("canary-", [][]float64{cy}), Stable: valueRows("stable-", sy)}
	cpu.CanaryLoad, cpu.StableLoad = valueRows("canary-", [][]float64{cx}), valueRows("stable-", sx)
	return cpu, analysis.Data{Canary: cpu.CanaryLoad, Stable: cpu.StableLoad}
}

func cpuMetric() analysis.Metric {
	return analysis.Metric{Name: "cpu", Kind: analysis.KindValue, Direction: analysis.Increase, Tolerance: 0.1, Max: math.NaN(), Min: math.NaN(),
		PodSpread: 0.05, Load: true}
}

// perRequest divides each pod's CPU by its load: what a judge without a
// load model is given.
func perRequest(d analysis.Data) analysis.Data {
	div := func(v, l []analysis.Series) []analysis.Series {
		out := make([]analysis.Series, len(v))
		for i := range v {
			out[i].Pod = v[i].Pod
			for k, p := range v[i].Points {
				out[i].Points = append(out[i].Points, analysis.Point{T: p.T, V: p.V / l[i].Points[k].V})
			}
		}
		return out
	}
	return analysis.Data{Canary: div(d.Canary, d.CanaryLoad), Stable: div(d.Stable, d.StableLoad)}
}

// TestLoadModelJudgesAtTheCanarysLoad: a healthy canary that serves a
// quarter of a stable pod's load spends more CPU per request (its idle
// CPU is spread over fewer requests), so CPU per request calls it a
// regression; relative to the stable pods' load model it passes. A canary
// with three times the load and 50% more CPU per request fails, and the
// result explains the model.
func TestLoadModelJudgesAtTheCanarysLoad(t *testing.T) {
	t.Parallel()
	j := New()
	s := analysis.Settings{Alpha: 0.01, Looks: 1, Warmup: time.Minute, Step: time.Minute}
	healthy, _ := loadWorld(1, 5, 50, 38, 0.25, 1)
	naive := cpuMetric()
	naive.Load = false
	if r := j.judgeMetric(naive, perRequest(healthy), s); r.Classification != analysis.High {
		t.Fatalf("CPU per request of a light healthy canary: %s (%s); want High, the load effect", r.Classification, r.Reason)
	}
	r := j.judgeMetric(cpuMetric(), healthy, s)
	if r.Classification != analysis.Pass {
		t.Fatalf("light healthy canary against the load model: %s (%s); want Pass", r.Classification, r.Reason)
	}
	if !strings.Contains(r.Reason, "at the same times and load") || r.Evidence.Load == nil {
		t.Fatalf("reason %q or load evidence %v does not explain the load model", r.Reason, r.Evidence.Load)
	}
	ld := r.Evidence.Load
	if math.Abs(float64(ld.Slope)-0.004)/0.004 > 0.15 || math.Abs(float64(ld.Idle)-0.02)/0.02 > 0.3 {
		t.Errorf("fitted slope %g and idle %g; the pods' are about 0.004 and 0.02", ld.Slope, ld.Idle)
	}
	if !(float64(ld.CanaryLoad) < float64(ld.StableLoad)/2) || !(ld.SlopeVariance > 0) {
		t.Errorf("canary load %g vs stable %g, slope variance %g", ld.CanaryLoad, ld.StableLoad, ld.SlopeVariance)
	}

	regressed, _ := loadWorld(2, 5, 50, 38, 3, 1.5)
	if r := j.judgeMetric(cpuMetric(), regressed, s); r.Classification != analysis.High {
		t.Fatalf("heavy canary with +50%% CPU per request: %s (%s); want High", r.Classification, r.Reason)
	}
}

// TestLoadModelSlopeUncertaintyWidensTheTest: the farther the canary's
// load from the stable pods', the more the fitted slope's uncertainty adds
// to its test; at the stable pods' own load it adds almost nothing.
func TestLoadModelSlopeUncertaintyWidensTheTest(t *testing.T) {
	t.Parallel()
	j := New()
	s := analysis.Settings{Alpha: 0.01, Looks: 1, Warmup: time.Minute, Step: time.Minute}
	same, _ := loadWorld(3, 4, 50, 38, 1, 1)
	far, _ := loadWorld(3, 4, 50, 38, 0.2, 1)
	vs := float64(j.judgeMetric(cpuMetric(), same, s).Evidence.Load.SlopeVariance)
	vf := float64(j.judgeMetric(cpuMetric(), far, s).Evidence.Load.SlopeVariance)
	if !(vf > 20*vs) {
		t.Errorf("slope variance at the stable load %g, at a fifth of it %g: want the far one much larger", vs, vf)
	}
}

// TestLoadModelWithoutLoadVariation: stable pods whose load never moves
// within a pod say nothing about CPU per request: NotEnoughData with the
// reason, never Pass.
func TestLoadModelWithoutLoadVariation(t *testing.T) {
	t.Parallel()
	d, _ := loadWorld(4, 3, 30, 20, 0.5, 1)
	for i := range d.StableLoad {
		for k := range d.StableLoad[i].Points {
			d.StableLoad[i].Points[k].V = 7
		}
	}
	s := analysis.Settings{Alpha: 0.01, Looks: 1, Warmup: time.Minute, Step: time.Minute}
	r := New().judgeMetric(cpuMetric(), d, s)
	if r.Classification != analysis.NotEnoughData || !strings.Contains(r.Reason, "load does not vary") {
		t.Fatalf("%s (%s); want NotEnoughData because the load does not vary", r.Classification, r.Reason)
	}
	d.CanaryLoad = nil
	d.StableLoad = nil
	if r := New().judgeMetric(cpuMetric(), d, s); r.Classification != analysis.NotEnoughData {
		t.Fatalf("without load series: %s (%s); want NotEnoughData", r.Classification, r.Reason)
	}
}

// withHistory moves the stable pods' samples before minute from (of a
// one-minute grid starting at judgeT0) to the history fields, as the pipeline
// does for a metric with a model lookback.
func withHistory(d analysis.Data, from int) analysis.Data {
	cut := judgeT0 + int64(from)*time.Minute.Milliseconds()
	split := func(in []analysis.Series) (before, after []analysis.Series) {
		for _, s := range in {
			b, a := analysis.Series{Pod: s.Pod}, analysis.Series{Pod: s.Pod}
			for _, p := range s.Points {
				if p.T < cut {
					b.Points = append(b.Points, p)
				} else {
					a.Points = append(a.Points, p)
				}
			}
			before, after = append(before, b), append(after, a)
		}
		return before, after
	}
	d.StableHistory, d.Stable = split(d.Stable)
	d.StableLoadHistory, d.StableLoad = split(d.StableLoad)
	return d
}

// TestLoadModelLearnsFromHistory: the stable pods' history before the
// judged window (Data.StableHistory) enters the load model only: two hours
// of a slow cycle pin the slope down far better than the last half hour,
// the light healthy canary still passes, and it is judged on the same
// window samples as without the history.
func TestLoadModelLearnsFromHistory(t *testing.T) {
	t.Parallel()
	j := New()
	s := analysis.Settings{Alpha: 0.01, Looks: 1, Warmup: time.Minute, Step: time.Minute}
	d, _ := loadWorld(5, 4, 150, 138, 0.3, 1)
	d = withHistory(d, 120)
	window := d
	window.StableHistory, window.StableLoadHistory = nil, nil
	without := j.judgeMetric(cpuMetric(), window, s)
	with := j.judgeMetric(cpuMetric(), d, s)
	if with.Classification != analysis.Pass || without.Evidence.Load == nil || with.Evidence.Load == nil {
		t.Fatalf("with history: %s (%s); want Pass, and load evidence", with.Classification, with.Reason)
	}
	lw, lo := with.Evidence.Load, without.Evidence.Load
	if lw.Samples < 4*145 || lo.Samples > 4*30 {
		t.Errorf("model fitted on %d samples with history, %d without; want about 4x150 and 4x30", lw.Samples, lo.Samples)
	}
	if !(float64(lw.SlopeSE) < float64(lo.SlopeSE)/2) || math.Abs(float64(lw.Slope)-0.004)/0.004 > 0.1 {
		t.Errorf("slope %g ± %g with history, %g ± %g without: want a much smaller error, near 0.004",
			lw.Slope, lw.SlopeSE, lo.Slope, lo.SlopeSE)
	}
	if with.Canary.Count != without.Canary.Count || with.Stable.Count != without.Stable.Count {
		t.Errorf("judged samples changed with the history: canary %d vs %d, stable %d vs %d",
			with.Canary.Count, without.Canary.Count, with.Stable.Count, without.Stable.Count)
	}
}

// TestLoadFitRobustWithoutScale: when more than half of the residuals are
// exactly zero there is no robust scale, and the least-squares fit stands
// instead of every other sample being rejected as an outlier.
func TestLoadFitRobustWithoutScale(t *testing.T) {
	// Three pods whose value is exactly twice their load, and one whose
	// noise (0, 1, 1, 0) is orthogonal to its load: the pooled slope is
	// exactly 2, twelve residuals are exactly 0 and four are ±0.5.
	x := [][]float64{{1, 2, 3, 4}, {1, 2, 3, 4}, {1, 2, 3, 4}, {1, 2, 3, 4}}
	y := [][]float64{{2, 4, 6, 8}, {2, 4, 6, 8}, {2, 4, 6, 8}, {2, 5, 7, 8}}
	ls, ok := fitLoad(y, x, 0.1)
	if !ok {
		t.Fatal("fitLoad failed")
	}
	f, ok := fitLoadRobust(y, x, 0.1)
	if !ok {
		t.Fatal("fitLoadRobust failed")
	}
	if f.Outliers != 0 || f.N != ls.N || f.Slope != ls.Slope {
		t.Errorf("robust fit left out %d samples (N %d, slope %g); want the least-squares fit (N %d, slope %g)",
			f.Outliers, f.N, f.Slope, ls.N, ls.Slope)
	}
}
