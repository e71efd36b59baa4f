package canary

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/analysis/internal/refdata"
)

// methodRef is testdata/ref/method.json, written by testdata/ref/method.R:
// an independent R implementation of both of Judge's methods run on
// the same fixtures (lm, pt, qt, pbeta, pgamma, quantile type 7).
type methodRef struct {
	Alpha    refdata.Num
	Looks    int
	StepMs   int64 `json:"stepMs"`
	Fixtures []methodFixture
}

type methodFixture struct {
	Name, Kind, Direction, Scale string
	CanaryPods                   int `json:"canaryPods"`
	Values, Events, Trials       refdata.Matrix
	WarmupMs                     int64 `json:"warmupMs"`
	Prior, Max, Tolerance        refdata.Num
	Weight                       refdata.Num
	TrendTolerance               refdata.Num `json:"trendTolerance"`
	Trend, Outliers              bool

	Rho, N, Estimate, MeanRatio, CLES, Pooled refdata.Num
	EffectivePoints                           refdata.Num `json:"effectivePoints"`
	LevelT                                    refdata.Num `json:"levelT"`
	LevelDF                                   refdata.Num `json:"levelDF"`
	LevelP                                    refdata.Num `json:"levelP"`
	LevelSide                                 string      `json:"levelSide"`
	TrendT                                    refdata.Num `json:"trendT"`
	TrendDF                                   refdata.Num `json:"trendDF"`
	TrendP                                    refdata.Num `json:"trendP"`
	TrendGrowth                               refdata.Num `json:"trendGrowth"`
	MaxP                                      refdata.Num `json:"maxP"`
	MaxValue                                  refdata.Num `json:"maxValue"`
	Levels                                    refdata.Nums
	Detectable                                refdata.Num

	Phi, Dispersion, RR, Theta refdata.Num
}

// methodStart is the first grid time of the fixtures (Unix ms).
var methodStart = time.Date(2026, 11, 1, 11, 0, 0, 0, time.UTC).UnixMilli()

// input turns a fixture into a metric and its data: canary rows first;
// a missing value is left out before the pod's first sample and sent as
// NaN after it (both mean "no sample").
func (f methodFixture) input(step int64) analysis.MetricInput {
	w := time.Duration(f.WarmupMs) * time.Millisecond
	m := analysis.Metric{
		Name: f.Name, Kind: analysis.Kind(f.Kind), Direction: analysis.Direction(f.Direction),
		PodSpread: float64(f.Prior), Trend: f.Trend, TrendTolerance: float64(f.TrendTolerance),
		Tolerance: float64(f.Tolerance), Max: float64(f.Max), Min: math.NaN(), Warmup: &w,
		DetectableChange: -1, Weight: float64(f.Weight),
	}
	if f.Outliers {
		m.Outliers = analysis.OutliersRemove
	}
	var d analysis.Data
	if f.Kind == "value" {
		m.DetectableChange = 0
		for r, row := range f.Values.Floats() {
			s := analysis.Series{Pod: fmt.Sprintf("%s-pod%d", f.Name, r)}
			started := false
			for i, v := range row {
				if math.IsNaN(v) && !started {
					continue
				}
				started = true
				s.Points = append(s.Points, analysis.Point{T: methodStart + int64(i)*step, V: v})
			}
			if r < f.CanaryPods {
				d.Canary = append(d.Canary, s)
			} else {
				d.Stable = append(d.Stable, s)
			}
		}
		return analysis.MetricInput{Metric: m, Data: d}
	}
	ev, tr := f.Events.Floats(), f.Trials.Floats()
	for r := range ev {
		s := analysis.CountSeries{Pod: fmt.Sprintf("%s-pod%d", f.Name, r)}
		for i := range ev[r] {
			if math.IsNaN(ev[r][i]) || math.IsNaN(tr[r][i]) {
				continue
			}
			s.Points = append(s.Points, analysis.CountPoint{T: methodStart + int64(i)*step, Events: ev[r][i], Trials: tr[r][i]})
		}
		if r < f.CanaryPods {
			d.CanaryCounts = append(d.CanaryCounts, s)
		} else {
			d.StableCounts = append(d.StableCounts, s)
		}
	}
	return analysis.MetricInput{Metric: m, Data: d}
}

// TestCanaryJudgeMatchesRImplementation judges the fixtures together (so
// that Holm's procedure spans all of them) and compares every statistic,
// p-value and Holm level with the R implementation.
func TestCanaryJudgeMatchesRImplementation(t *testing.T) {
	t.Parallel()
	var ref methodRef
	refdata.Load(t, "ref/method.json", &ref)
	if len(ref.Fixtures) == 0 {
		t.Fatal("no fixtures")
	}
	in := make([]analysis.MetricInput, len(ref.Fixtures))
	for i, f := range ref.Fixtures {
		in[i] = f.input(ref.StepMs)
	}
	j := New()
	s := analysis.Settings{Alpha: float64(ref.Alpha), Looks: ref.Looks, Step: time.Duration(ref.StepMs) * time.Millisecond}
	results := j.judgeSet(in, s)
	for i, f := range ref.Fixtures {
		r := results[i]
		t.Run(f.Name, func(t *testing.T) {
			ev := r.Evidence
			if ev == nil {
				t.Fatalf("no evidence: %+v", r)
			}
			check := func(name string, got float64, want refdata.Num) {
				t.Helper()
				if !refdata.Close(got, float64(want)) {
					t.Errorf("%s = %.17g; R gives %.17g", name, got, float64(want))
				}
			}
			tests := map[string]analysis.TestEvidence{}
			for _, te := range ev.Tests {
				tests[te.Name] = te
			}
			if len(ev.Tests) != len(f.Levels) {
				t.Fatalf("%d tests, R has %d", len(ev.Tests), len(f.Levels))
			}
			for k, te := range ev.Tests {
				check(te.Name+" Holm level", float64(te.Alpha), f.Levels[k])
				if want := float64(te.PValue) <= float64(f.Levels[k]); te.Significant != want {
					t.Errorf("%s significant = %v, want %v", te.Name, te.Significant, want)
				}
			}
			level, hasLevel := tests["level"]
			if math.IsNaN(float64(f.LevelP)) {
				// A bound of zero replaces the relative test.
				if hasLevel {
					t.Errorf("a level test %+v; R has none", level)
				}
			} else {
				check("level p-value", float64(level.PValue), f.LevelP)
			}
			check("rate ratio / mean ratio", float64(r.Effect.MeanRatio), pick(f.Kind == "value", f.MeanRatio, f.RR))
			if f.Kind == "value" {
				if ev.Scale != f.Scale {
					t.Errorf("scale %q, R chose %q", ev.Scale, f.Scale)
				}
				check("autocorrelation", float64(ev.Noise.Autocorrelation), f.Rho)
				check("effective points", float64(ev.Noise.EffectivePoints), f.EffectivePoints)
				check("estimate", float64(r.Estimate), f.Estimate)
				check("CLES", float64(r.Effect.CLES), f.CLES)
				check("level t", float64(level.Statistic), f.LevelT)
				check("level df", float64(level.DF), f.LevelDF)
				if f.Scale == "log" {
					check("pooled spread", float64(ev.Spread.Used), f.Pooled)
				}
				if got := ev.Pods[0].Points; got != int(f.N) {
					t.Errorf("canary judged at %d timestamps, R at %g", got, f.N)
				}
				if f.Trend {
					tr := tests["trend"]
					check("trend t", float64(tr.Statistic), f.TrendT)
					check("trend df", float64(tr.DF), f.TrendDF)
					check("trend p", float64(tr.PValue), f.TrendP)
					check("trend growth", float64(tr.Estimate), f.TrendGrowth)
				}
				if ev.Detectable != nil {
					check("detectable change", float64(ev.Detectable.Change), f.Detectable)
				}
			} else {
				check("dispersion", float64(ev.Noise.Dispersion), f.Dispersion)
			}
			if !math.IsNaN(float64(f.Max)) {
				mx := tests["max"]
				check("max p", float64(mx.PValue), f.MaxP)
				if f.Kind == "value" {
					check("max value", float64(mx.Estimate), f.MaxValue)
				}
			}
			// A significant test in the bad direction with its gate fails
			// the metric; the fixtures were chosen so that their gates hold.
			failing := false
			for _, te := range ev.Tests {
				failing = failing || (te.Significant && te.Gate)
			}
			if r.Classification.Failing() != failing {
				t.Errorf("classification %s (%s) but significant-and-gated tests: %v", r.Classification, r.Reason, failing)
			}
		})
	}
}

// pick returns a when cond holds, else b.
func pick(cond bool, a, b refdata.Num) refdata.Num {
	if cond {
		return a
	}
	return b
}
