package kayenta

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/floats/scalar"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/analysis/internal/refdata"
	"github.com/canary-analyzer/canary-analyzer/analysis/stats"
)

// kayentaVectors is testdata/kayenta_classifier.json: the test vectors of
// Kayenta's ClassifierSuite with their settings and expected results.
type kayentaVectors struct {
	Cases []struct {
		Name                               string
		X, Y                               []float64
		Direction                          analysis.Direction
		Tolerance, Confidence              float64
		Measure                            EffectMeasure
		NaNStrategy                        NaNStrategy
		Critical                           bool
		AllowedDecrease, AllowedIncrease   *float64
		CriticalDecrease, CriticalIncrease *float64
		Expect                             analysis.Classification
		ExpectCritical                     *bool
		Deviation                          *refdata.Num
	}
}

func TestKayentaClassifyPublishedVectors(t *testing.T) {
	t.Parallel()
	var v kayentaVectors
	refdata.Load(t, "kayenta_classifier.json", &v)
	if len(v.Cases) != 32 {
		t.Fatalf("%d vectors, want 32", len(v.Cases))
	}
	for _, c := range v.Cases {
		t.Run(c.Name, func(t *testing.T) {
			// Settings and expectations of the same-named test of Kayenta's
			// ClassifierSuite.
			cfg := DefaultConfig().WithEffectMeasure(c.Measure)
			cfg.Tolerance, cfg.Confidence, cfg.NaNStrategy = c.Tolerance, c.Confidence, c.NaNStrategy
			for _, b := range []struct {
				from *float64
				to   *float64
			}{
				{c.AllowedDecrease, &cfg.AllowedDecrease}, {c.AllowedIncrease, &cfg.AllowedIncrease},
				{c.CriticalDecrease, &cfg.CriticalDecrease}, {c.CriticalIncrease, &cfg.CriticalIncrease},
			} {
				if b.from != nil {
					*b.to = *b.from
				}
			}
			got := Classify(c.X, c.Y, c.Direction, c.Critical, cfg)
			if got.Classification != c.Expect {
				t.Fatalf("%s, want %s: %s", got.Classification, c.Expect, got.Reason)
			}
			if c.ExpectCritical != nil && got.Critical != *c.ExpectCritical {
				t.Errorf("critical %v, want %v", got.Critical, *c.ExpectCritical)
			}
			if c.Deviation != nil && !refdata.Same(got.Deviation, float64(*c.Deviation), 0, 0) {
				t.Errorf("deviation %v, want %v", got.Deviation, float64(*c.Deviation))
			}
			if got.Reason == "" {
				t.Error("empty reason")
			}
		})
	}
}

func TestKayentaClassifyDefaults(t *testing.T) {
	t.Parallel()
	nan := math.NaN()
	rep := func(v float64, n int) []float64 { return slices.Repeat([]float64{v}, n) }
	tests := []struct {
		name     string
		x, y     []float64
		dir      analysis.Direction
		critical bool
		want     analysis.Classification
		critOut  bool
		// shift interval and estimate, when checked
		lower, upper, est float64
	}{
		// spinnaker/spinnaker#6278: 7×100 + 3×1 against 10×1 passes, 8×100 +
		// 2×1 is High. R: wilcox.test(c(rep(100, 7), rep(1, 3)), rep(1, 10),
		// conf.int=TRUE, exact=FALSE, conf.level=0.98) prints
		// [6.8250229915387881e-05, 99] and estimate 98.999927858152745; with
		// c(rep(100, 8), rep(1, 2)) it prints [98.999931647621622, 99] and 99.
		{name: "spinnaker#6278 passes", x: append(rep(100, 7), rep(1, 3)...), y: rep(1, 10),
			want: analysis.Pass, lower: 6.8250229915387881e-05, upper: 99, est: 98.999927858152745},
		{name: "spinnaker#6278 high", x: append(rep(100, 8), rep(1, 2)...), y: rep(1, 10),
			want: analysis.High, lower: 98.999931647621622, upper: 99, est: 99},
		// A clear regression of a critical metric is a critical High
		// (default critical bounds 1.0).
		{name: "critical high", x: []float64{20, 22, 21, 25, 30}, y: []float64{1, 2.2, 1.1, 2.5, 3},
			critical: true, want: analysis.High, critOut: true, lower: nan},
		{name: "decrease is bad", x: []float64{2, 2, 2, 2, 3}, y: []float64{10, 20.2, 10.1, 20.5, 30},
			dir: analysis.Decrease, want: analysis.Low, lower: nan},
		{name: "only decreases bad", x: []float64{20, 22, 21, 25, 30}, y: []float64{1, 2.2, 1.1, 2.5, 3},
			dir: analysis.Decrease, want: analysis.Pass, lower: nan},
		// NaN steps are removed before the test.
		{name: "NaN removed", x: []float64{nan, 20, 22, nan, 21, 25, 30}, y: []float64{1, 2.2, nan, 1.1, 2.5, 3},
			want: analysis.High, lower: nan},
		{name: "all NaN is no data", x: []float64{nan, nan}, y: []float64{1, 2}, critical: true,
			want: analysis.NoData, critOut: true, lower: nan},
		{name: "no stable data", x: []float64{1, 2}, y: nil, want: analysis.NoData, lower: nan},
		// R's interval fails on infinite samples (Kayenta: Error); never Pass.
		{name: "infinite sample", x: []float64{1, 2, math.Inf(1)}, y: []float64{1, 2, 3}, want: analysis.NotEnoughData, lower: nan},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Classify(tc.x, tc.y, tc.dir, tc.critical, DefaultConfig())
			if got.Classification != tc.want || got.Critical != tc.critOut {
				t.Fatalf("%s critical=%v, want %s critical=%v: %s",
					got.Classification, got.Critical, tc.want, tc.critOut, got.Reason)
			}
			if math.IsNaN(tc.lower) {
				return
			}
			if !refdata.Same(got.Shift.Lower, tc.lower, 1e-12, 1e-12) || !refdata.Same(got.Shift.Upper, tc.upper, 1e-12, 1e-12) ||
				!refdata.Same(got.Shift.Estimate, tc.est, 1e-12, 1e-12) {
				t.Errorf("shift %+v, want [%v, %v] est %v", got.Shift, tc.lower, tc.upper, tc.est)
			}
		})
	}
}

func TestKayentaExactInterval(t *testing.T) {
	t.Parallel()
	rep := func(v float64, n int) []float64 { return slices.Repeat([]float64{v}, n) }
	cfg := DefaultConfig()
	cfg.ExactInterval = true
	tests := []struct {
		name              string
		x, y              []float64
		want              analysis.Classification
		lower, upper, est float64
	}{
		// The exact steps behind R's values in TestKayentaClassifyDefaults:
		// the 98% interval of spinnaker#6278 is [0, 99] (the bf_root
		// definition of wilcox_reference.R) and the median difference 99.
		{"spinnaker#6278 passes", append(rep(100, 7), rep(1, 3)...), rep(1, 10), analysis.Pass, 0, 99, 99},
		{"spinnaker#6278 high", append(rep(100, 8), rep(1, 2)...), rep(1, 10), analysis.High, 99, 99, 99},
		// Kayenta's "High Metric (Large Input)" vector is High only through
		// uniroot's tolerance: the exact interval is [0, 0] around a zero
		// estimate (R prints [3.5e-5, 2.0e-5] and 1.5e-5, all within 1e-4 of
		// 0; see TestKayentaLargeInputMatchesR), so nothing clears the band
		// and the exact judge passes.
		{"zero-inflated", kayentaLargeInput(t, 0), kayentaLargeInput(t, 1), analysis.Pass, 0, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := cfg
			if tc.name == "zero-inflated" {
				c.Tolerance, c.Confidence = 0.10, 0.95
			}
			got := Classify(tc.x, tc.y, analysis.Either, false, c)
			if got.Classification != tc.want || got.Shift.Lower != tc.lower || got.Shift.Upper != tc.upper ||
				got.Shift.Estimate != tc.est {
				t.Errorf("%s %+v, want %s [%v, %v] est %v", got.Classification, got.Shift, tc.want, tc.lower, tc.upper, tc.est)
			}
		})
	}
}

func TestKayentaLargeInputMatchesR(t *testing.T) {
	t.Parallel()
	// R 4.2.2: wilcox.test(x, y, conf.int=TRUE, exact=FALSE, conf.level=0.95)
	// on Kayenta's zero-inflated "Large Input" vector prints the interval
	// [3.5217553777021647e-05, 2.0245646166233401e-05] (lower above upper:
	// both are uniroot stops near the huge tie at 0) and the estimate
	// 1.515181852089427e-05. Kayenta's MannWhitneySuite records the same
	// interval from the R of its day.
	got := stats.HodgesLehmannCIUniroot(kayentaLargeInput(t, 0), kayentaLargeInput(t, 1), 0.95, stats.TwoSided, true)
	if !refdata.Same(got.Lower, 3.5217553777021647e-05, 1e-15, 1e-9) ||
		!refdata.Same(got.Upper, 2.0245646166233401e-05, 1e-15, 1e-9) ||
		!refdata.Same(got.Estimate, 1.515181852089427e-05, 1e-15, 1e-9) {
		t.Errorf("got %+v", got)
	}
}

// kayentaLargeInput returns x (i = 0) or y (i = 1) of the "High Metric
// (Large Input)" vector of kayenta_classifier.json.
func kayentaLargeInput(t *testing.T, i int) []float64 {
	t.Helper()
	var v kayentaVectors
	refdata.Load(t, "kayenta_classifier.json", &v)
	for _, c := range v.Cases {
		if c.Name == "Classifier Test: High Metric (Large Input)" {
			return [][]float64{c.X, c.Y}[i]
		}
	}
	t.Fatal("vector not found")
	return nil
}

func TestKayentaEmptySideIsNoDataWithReplace(t *testing.T) {
	t.Parallel()
	// Kayenta's "Missing Experiment Data with NaN Replacement" vector
	// classifies an empty canary as Pass; missing data must never pass
	// here.
	cfg := DefaultConfig()
	cfg.NaNStrategy = NaNReplace
	got := Classify(nil, []float64{1, 2, 3, 4, 5}, analysis.Decrease, false, cfg)
	if got.Classification != analysis.NoData {
		t.Errorf("%s, want NoData", got.Classification)
	}
	// With Replace, NaN samples become 0 and count as data.
	got = Classify([]float64{math.NaN(), 1}, []float64{1, 1}, analysis.Either, false, cfg)
	if got.Classification == analysis.NoData || !slices.Equal(got.Canary, []float64{0, 1}) {
		t.Errorf("%s with canary %v", got.Classification, got.Canary)
	}
}

func TestKayentaOutlierRemoval(t *testing.T) {
	t.Parallel()
	x := []float64{10, 11, 10.5, 9.8, 10.2, 10.1, 9.9, 10.4, 10.3, 500}
	y := []float64{10, 10.2, 9.9, 10.1, 10.3, 9.8, 10.4, 10, 10.1, 10.2}
	cfg := DefaultConfig()
	cfg.Outliers = OutliersRemove
	got := Classify(x, y, analysis.Either, false, cfg)
	// R: quantile(x, c(.01, .25, .75, .99), type=7) gives 9.809, 10.025,
	// 10.475 and 455.99; the fences are min(9.809, 10.025-3*0.45) and
	// max(455.99, 10.475+3*0.45) = 455.99, so 500 goes. For y it gives
	// 9.809, 10, 10.2 and 10.391: fences [9.4, 10.8] keep every value.
	if len(got.Canary) != 9 || slices.Contains(got.Canary, 500) {
		t.Errorf("canary after outlier removal: %v", got.Canary)
	}
	if len(got.Stable) != 10 {
		t.Errorf("stable after outlier removal: %v", got.Stable)
	}
	kept := Classify(x, y, analysis.Either, false, DefaultConfig())
	if len(kept.Canary) != 10 {
		t.Errorf("default config removed outliers: %v", kept.Canary)
	}
}

func TestKayentaConfigPanics(t *testing.T) {
	t.Parallel()
	for name, mutate := range map[string]func(*Config){
		"confidence":     func(c *Config) { c.Confidence = 1 },
		"tolerance":      func(c *Config) { c.Tolerance = -0.1 },
		"measure":        func(c *Config) { c.EffectMeasure = "median" },
		"nan strategy":   func(c *Config) { c.NaNStrategy = "" },
		"outliers":       func(c *Config) { c.Outliers = "drop" },
		"outlier factor": func(c *Config) { c.Outliers, c.OutlierFactor = OutliersRemove, 0 },
	} {
		t.Run(name, func(t *testing.T) {
			cfg := DefaultConfig()
			mutate(&cfg)
			if !panics(func() { Classify([]float64{1}, []float64{2}, analysis.Either, false, cfg) }) {
				t.Error("no panic")
			}
		})
	}
}

func TestKayentaCLESDefaults(t *testing.T) {
	t.Parallel()
	c := DefaultConfig().WithEffectMeasure(CLES)
	if c.AllowedIncrease != 0.5 || c.AllowedDecrease != 0.5 || c.CriticalIncrease != 0.5 || c.CriticalDecrease != 0.5 {
		t.Errorf("cles bounds %+v, want 0.5", c)
	}
}

// kayentaSeries builds pods' series of values at minute steps from t0.
func kayentaSeries(t0 int64, pods ...[]float64) []analysis.Series {
	out := make([]analysis.Series, len(pods))
	for i, vs := range pods {
		out[i].Pod = string(rune('a' + i))
		for j, v := range vs {
			out[i].Points = append(out[i].Points, analysis.Point{T: t0 + int64(j)*60000, V: v})
		}
	}
	return out
}

func TestKayentaJudgeValueMetric(t *testing.T) {
	t.Parallel()
	const t0 = 1_700_000_000_000
	nan := math.NaN()
	pod1 := []float64{0.16, 0.17, 0.18, 0.15, 0.17, nan, 0.16, 0.17}
	pod2 := []float64{0.18, 0.16, 0.18, 0.17, 0.18, 0.17, 0.16, 0.17}
	d := analysis.Data{
		// One canary pod; its first two minutes are warm-up.
		Canary: kayentaSeries(t0, []float64{0.9, 0.8, 0.23, 0.24, 0.22, 0.26, 0.24, 0.25}),
		// Two stable pods averaged per step; the step where a pod reports
		// NaN averages to NaN and is removed.
		Stable: kayentaSeries(t0, pod1, pod2),
	}
	m := analysis.Metric{Name: "latency-p99", Kind: analysis.KindValue, Direction: analysis.Increase, Critical: true, Weight: 2, Group: "latency"}
	got := New().judgeMetric(m, d, analysis.Settings{Warmup: 2 * time.Minute, Step: time.Minute})

	wantCanary := []float64{0.23, 0.24, 0.22, 0.26, 0.24, 0.25}
	var wantStable []float64
	for i := range pod1 {
		if !math.IsNaN(pod1[i]) {
			wantStable = append(wantStable, (pod1[i]+pod2[i])/2)
		}
	}
	ref := Classify(wantCanary, wantStable, analysis.Increase, true, DefaultConfig())
	if got.Classification != analysis.High || ref.Classification != analysis.High {
		t.Fatalf("got %s (reference %s): %s", got.Classification, ref.Classification, got.Reason)
	}
	if got.Name != "latency-p99" || got.Test != "mann-whitney" || !got.Critical || got.Weight != 2 || got.Group != "latency" {
		t.Errorf("metadata %+v", got)
	}
	if got.WarmupEnd != t0+2*60_000 {
		t.Errorf("WarmupEnd %d, want the canary's first sample plus two minutes", got.WarmupEnd)
	}
	if got.Canary.Count != 6 || got.Canary.Pods != 1 || got.Stable.Count != 7 || got.Stable.Pods != 2 {
		t.Errorf("side counts canary %+v stable %+v", got.Canary, got.Stable)
	}
	if !scalar.EqualWithinAbsOrRel(float64(got.Stable.Mean), stats.Mean(wantStable), 1e-15, 1e-12) ||
		float64(got.Canary.Median) != 0.24 || float64(got.Canary.Max) != 0.26 || float64(got.Stable.Min) != 0.16 {
		t.Errorf("side stats canary %+v stable %+v", got.Canary, got.Stable)
	}
	if got.Interval == nil || float64(got.Interval.Lower) != ref.Shift.Lower ||
		float64(got.Interval.Upper) != ref.Shift.Upper || got.Interval.Level != 0.98 || got.Interval.Of != "shift" {
		t.Errorf("interval %+v, want %+v", got.Interval, ref.Shift)
	}
	if float64(got.Estimate) != ref.Shift.Estimate || float64(got.PValue) != ref.Test.PValue ||
		float64(got.Effect.MeanRatio) != ref.MeanRatio || float64(got.Effect.CLES) != 1 {
		t.Errorf("estimate %v p %v effect %+v; reference %+v", got.Estimate, got.PValue, got.Effect, ref)
	}
	for _, part := range []string{"canary median 0.24 is 41.2% above stable median 0.17", "98% CI of the shift",
		"lies above the tolerance band", "mean ratio 1.424 reaches allowedIncrease 1"} {
		if !strings.Contains(got.Reason, part) {
			t.Errorf("reason %q lacks %q", got.Reason, part)
		}
	}
	if _, err := json.Marshal(got); err != nil {
		t.Errorf("result does not encode: %v", err)
	}
}

func TestKayentaJudgeRatioMetric(t *testing.T) {
	t.Parallel()
	const t0 = 1_700_000_000_000
	step := func(i int) int64 { return t0 + int64(i)*60000 }
	cs := func(pod string, pts ...analysis.CountPoint) analysis.CountSeries {
		return analysis.CountSeries{Pod: pod, Points: pts}
	}
	d := analysis.Data{
		CanaryCounts: []analysis.CountSeries{cs("c",
			analysis.CountPoint{T: step(0), Events: 3, Trials: 100}, analysis.CountPoint{T: step(1), Events: 4, Trials: 100}, analysis.CountPoint{T: step(2), Events: 0, Trials: 0},
			analysis.CountPoint{T: step(3), Events: 5, Trials: 100}, analysis.CountPoint{T: step(4), Events: 6, Trials: 120})},
		StableCounts: []analysis.CountSeries{
			cs("s1", analysis.CountPoint{T: step(0), Events: 1, Trials: 100}, analysis.CountPoint{T: step(1), Events: 0, Trials: 90}, analysis.CountPoint{T: step(3), Events: 1, Trials: 100}, analysis.CountPoint{T: step(4), Events: 0, Trials: 0}),
			cs("s2", analysis.CountPoint{T: step(0), Events: 1, Trials: 100}, analysis.CountPoint{T: step(1), Events: 2, Trials: 110}, analysis.CountPoint{T: step(3), Events: 0, Trials: 100}, analysis.CountPoint{T: step(4), Events: 0, Trials: 0}),
		},
	}
	m := analysis.Metric{Name: "error-ratio", Kind: analysis.KindRatio, Direction: analysis.Increase}
	got := New().judgeMetric(m, d, analysis.Settings{Step: time.Minute})
	// Pooled per step: canary 0.03, 0.04, (no trials), 0.05, 0.05; stable
	// 2/200, 2/200, 1/200, (no trials).
	wantCanary := []float64{0.03, 0.04, 0.05, 0.05}
	wantStable := []float64{0.01, 0.01, 0.005}
	ref := Classify(wantCanary, wantStable, analysis.Increase, false, DefaultConfig())
	if got.Classification != ref.Classification || float64(got.Estimate) != ref.Shift.Estimate {
		t.Errorf("got %s est %v, reference %s est %v", got.Classification, got.Estimate, ref.Classification, ref.Shift.Estimate)
	}
	if got.Canary.Count != 4 || got.Canary.Events != 18 || got.Canary.Trials != 420 || got.Canary.Pods != 1 {
		t.Errorf("canary stats %+v", got.Canary)
	}
	if got.Stable.Count != 3 || got.Stable.Events != 5 || got.Stable.Trials != 600 || got.Stable.Pods != 2 {
		t.Errorf("stable stats %+v", got.Stable)
	}
}

func TestKayentaJudgeNoData(t *testing.T) {
	t.Parallel()
	d := analysis.Data{Stable: kayentaSeries(0, []float64{1, 2, 3})}
	got := New().judgeMetric(analysis.Metric{Name: "cpu", Kind: analysis.KindValue, Critical: true}, d, analysis.Settings{})
	if got.Classification != analysis.NoData || !got.Critical || got.Interval != nil || !math.IsNaN(float64(got.PValue)) {
		t.Errorf("got %+v", got)
	}
	if !strings.Contains(got.Reason, "no canary samples") {
		t.Errorf("reason %q", got.Reason)
	}
}

func TestKayentaJudgeMetricSettings(t *testing.T) {
	t.Parallel()
	// Canary 5% above stable at every step: significant, shift 0.5 well
	// outside Kayenta's band, mean ratio 1.05 and CLES 1.
	canary, stable := make([]float64, 20), make([]float64, 20)
	for i := range canary {
		canary[i] = 10.5 + 0.01*float64(i%5)
		stable[i] = 10 + 0.01*float64(i%5)
	}
	stable = append(stable, 12) // an outlier step (mean ratio stays 1.04)
	d := analysis.Data{Canary: kayentaSeries(0, canary), Stable: kayentaSeries(0, stable)}
	tests := []struct {
		name      string
		m         analysis.Metric
		want      analysis.Classification
		allowedUp float64
		stableN   int
	}{
		{"Kayenta defaults", analysis.Metric{}, analysis.High, 1, 21},
		// Kayenta has no tolerance of ours: the baseline stays Kayenta.
		{"tolerance is not a gate", analysis.Metric{Tolerance: 0.1}, analysis.High, 1, 21},
		{"explicit gate wins", analysis.Metric{Tolerance: 0.1, AllowedIncrease: 1.02}, analysis.High, 1.02, 21},
		{"CLES measure", analysis.Metric{Tolerance: 0.1, EffectMeasure: analysis.EffectCLES}, analysis.High, 0.5, 21},
		{"outliers removed", analysis.Metric{Outliers: analysis.OutliersRemove, OutlierFactor: 3}, analysis.High, 1, 20},
		{"only decreases bad", analysis.Metric{Direction: analysis.Decrease}, analysis.Pass, 1, 21},
	}
	j := New()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.m.Name, tc.m.Kind = "m", analysis.KindValue
			if c := j.forMetric(tc.m); c.AllowedIncrease != tc.allowedUp {
				t.Errorf("allowedIncrease %v, want %v", c.AllowedIncrease, tc.allowedUp)
			}
			got := j.judgeMetric(tc.m, d, analysis.Settings{})
			if got.Classification != tc.want || got.Stable.Count != tc.stableN {
				t.Errorf("%s with %d stable samples, want %s with %d: %s",
					got.Classification, got.Stable.Count, tc.want, tc.stableN, got.Reason)
			}
		})
	}
	if j.Config != DefaultConfig() {
		t.Error("Judge changed the judge's configuration")
	}
}

func ExampleClassify() {
	canary := []float64{0.231, 0.245, 0.219, 0.262, 0.240, 0.251}
	stable := []float64{0.171, 0.166, 0.180, 0.159, 0.175, 0.169, 0.162}
	// R: wilcox.test(canary, stable, conf.int=TRUE, exact=FALSE,
	// conf.level=0.98) prints [0.05093096, 0.09203987] and 0.07318182.
	o := Classify(canary, stable, analysis.Increase, false, DefaultConfig())
	fmt.Println(o.Classification)
	fmt.Println(o.Reason)
	// Output:
	// High
	// canary median 0.2425 is 43.5% above stable median 0.169; the 98% CI of the shift [0.05093, 0.09204] lies above the tolerance band ±0.0183 (25% of the shift estimate 0.07318) and the mean ratio 1.429 reaches allowedIncrease 1
}

// panics reports whether f panics.
func panics(f func()) (panicked bool) {
	defer func() {
		if recover() != nil {
			panicked = true
		}
	}()
	f()
	return false
}

// TestPerLoad checks what a judge without a load model is given for a
// metric with a load query: each value over the same pod's load at the
// same timestamp, leaving out steps without load or with zero load.
func TestPerLoad(t *testing.T) {
	t.Parallel()
	d := analysis.Data{
		Canary:     []analysis.Series{{Pod: "c", Points: []analysis.Point{{T: 1, V: 0.05}, {T: 2, V: 0.06}, {T: 3, V: 0.07}}}},
		Stable:     []analysis.Series{{Pod: "s", Points: []analysis.Point{{T: 1, V: 0.1}, {T: 2, V: 0.2}}}},
		CanaryLoad: []analysis.Series{{Pod: "c", Points: []analysis.Point{{T: 1, V: 5}, {T: 2, V: 0}}}},
		StableLoad: []analysis.Series{{Pod: "s", Points: []analysis.Point{{T: 1, V: 10}, {T: 2, V: 20}}}},
	}
	got := perLoad(d)
	want := analysis.Data{
		Canary: []analysis.Series{{Pod: "c", Points: []analysis.Point{{T: 1, V: 0.01}}}},
		Stable: []analysis.Series{{Pod: "s", Points: []analysis.Point{{T: 1, V: 0.01}, {T: 2, V: 0.01}}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("perLoad = %+v, want %+v", got, want)
	}
}
