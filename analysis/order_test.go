package analysis_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/analysis/canary"
	"github.com/canary-analyzer/canary-analyzer/analysis/kayenta"
)

// orderWorld is a judgement of one canary and six stable pods over 30
// one-minute steps, with 60 steps of the stable pods' history before them:
// CPU judged against load (the load model fitted on the history and the
// window), latency, and an error ratio. Values are drawn from a seeded
// source; the pods' names are in order.
func orderWorld() analysis.Input {
	r := rand.New(rand.NewPCG(1, 1))
	const hist, n = 60, 30
	t0 := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	start := t0.Add(hist * time.Minute)
	at := func(i int) int64 { return t0.Add(time.Duration(i) * time.Minute).UnixMilli() }
	pods := []string{"web-1-canary", "web-2-a", "web-2-b", "web-2-c", "web-2-d", "web-2-e", "web-2-f"}
	var cpu, latency, errs analysis.Data
	for k, pod := range pods {
		canary := k == 0
		from := 0
		if canary {
			from = hist + 5 // the canary starts five minutes into the window
		}
		idle, per := 0.02*math.Exp(0.05*r.NormFloat64()), 0.004*math.Exp(0.05*r.NormFloat64())
		var y, x, yh, xh, l analysis.Series
		var c analysis.CountSeries
		y.Pod, x.Pod, yh.Pod, xh.Pod, l.Pod, c.Pod = pod, pod, pod, pod, pod, pod
		for i := from; i < hist+n; i++ {
			load := 10*(1+0.3*math.Sin(float64(i)/15)) + r.NormFloat64()
			v := (idle + per*load) * math.Exp(0.03*r.NormFloat64())
			if i < hist {
				yh.Points = append(yh.Points, analysis.Point{T: at(i), V: v})
				xh.Points = append(xh.Points, analysis.Point{T: at(i), V: load})
				continue
			}
			y.Points = append(y.Points, analysis.Point{T: at(i), V: v})
			x.Points = append(x.Points, analysis.Point{T: at(i), V: load})
			l.Points = append(l.Points, analysis.Point{T: at(i), V: 0.2 * math.Exp(0.1*r.NormFloat64())})
			trials := math.Round(60 * load)
			c.Points = append(c.Points, analysis.CountPoint{T: at(i), Events: math.Round(0.01 * trials * r.ExpFloat64()), Trials: trials})
		}
		if canary {
			cpu.Canary, cpu.CanaryLoad = []analysis.Series{y}, []analysis.Series{x}
			latency.Canary, errs.CanaryCounts = []analysis.Series{l}, []analysis.CountSeries{c}
			continue
		}
		cpu.Stable, cpu.StableLoad = append(cpu.Stable, y), append(cpu.StableLoad, x)
		cpu.StableHistory, cpu.StableLoadHistory = append(cpu.StableHistory, yh), append(cpu.StableLoadHistory, xh)
		latency.Stable, errs.StableCounts = append(latency.Stable, l), append(errs.StableCounts, c)
	}
	cpu.HistoryStart = t0
	value := func(name string, load bool) analysis.Metric {
		return analysis.Metric{Name: name, Kind: analysis.KindValue, Direction: analysis.Increase, Tolerance: 0.2,
			Max: math.NaN(), Min: math.NaN(), Load: load}
	}
	return analysis.Input{
		Metrics: []analysis.MetricInput{
			{Metric: value("cpu", true), Data: cpu},
			{Metric: value("latency", false), Data: latency},
			{Metric: analysis.Metric{Name: "error-ratio", Kind: analysis.KindRatio, Direction: analysis.Increase, Tolerance: 0.2,
				Max: math.NaN(), Min: math.NaN()}, Data: errs},
		},
		Settings:   analysis.Settings{Alpha: 0.01, Looks: 1, Warmup: time.Minute, Step: time.Minute, Start: start, End: start.Add(n * time.Minute)},
		Thresholds: analysis.Thresholds{Pass: 90, Marginal: 60},
		CanaryPods: pods[:1],
		StablePods: pods[1:],
		Namespace:  "shop",
	}
}

// permuted returns in with the stable pods' series of every metric in the
// order perm gives the pods (one permutation for every side and role, as a
// backend would answer), sharing the series themselves.
func permuted(in analysis.Input, perm []int) analysis.Input {
	apply := func(s []analysis.Series) []analysis.Series {
		if len(s) == 0 {
			return s
		}
		out := make([]analysis.Series, len(s))
		for i, p := range perm {
			out[i] = s[p]
		}
		return out
	}
	in.Metrics = slices.Clone(in.Metrics)
	for i := range in.Metrics {
		d := &in.Metrics[i].Data
		d.Stable, d.StableLoad, d.StableHistory, d.StableLoadHistory = apply(d.Stable), apply(d.StableLoad), apply(d.StableHistory), apply(d.StableLoadHistory)
		if len(d.StableCounts) > 0 {
			counts := make([]analysis.CountSeries, len(d.StableCounts))
			for k, p := range perm {
				counts[k] = d.StableCounts[p]
			}
			d.StableCounts = counts
		}
	}
	return in
}

// TestReportDoesNotDependOnSeriesOrder: each judge given the same series
// in another order gives the same report, every number to the bit, and
// leaves its input as it was. The stable pods' order changes the order of
// the floating-point sums of the load model and the stable centre, which
// moved the last bits of the report before the judges sorted their input
// (analysis.Input.InPodOrder).
func TestReportDoesNotDependOnSeriesOrder(t *testing.T) {
	t.Parallel()
	in := orderWorld()
	r := rand.New(rand.NewPCG(2, 2))
	perms := [][]int{{5, 4, 3, 2, 1, 0}, {1, 0, 3, 2, 5, 4}}
	for range 3 {
		perms = append(perms, r.Perm(6))
	}
	for _, judge := range []struct {
		name  string
		judge analysis.Judge
	}{{"canary", canary.New()}, {"kayenta", kayenta.New()}} {
		want := judge.judge.Judge(in)
		for _, m := range want.Metrics {
			if m.Classification != analysis.Pass && m.Classification != analysis.High {
				t.Fatalf("%s: %s is %s (%s): the data must be judged", judge.name, m.Name, m.Classification, m.Reason)
			}
		}
		for _, perm := range perms {
			t.Run(fmt.Sprintf("%s %v", judge.name, perm), func(t *testing.T) {
				p := permuted(in, perm)
				first := p.Metrics[0].Data.Stable[0].Pod
				got := judge.judge.Judge(p)
				if where := bitDiff(reflect.ValueOf(got), reflect.ValueOf(want), "report"); where != "" {
					t.Errorf("the report differs at %s", where)
				}
				if p.Metrics[0].Data.Stable[0].Pod != first {
					t.Error("the judge reordered its input")
				}
			})
		}
	}
}

// bitDiff returns the path of the first difference between got and want,
// "" if none; numbers must be equal to the bit (NaN equals NaN).
func bitDiff(got, want reflect.Value, path string) string {
	if got.Kind() != want.Kind() {
		return path
	}
	switch want.Kind() {
	case reflect.Float32, reflect.Float64:
		if math.Float64bits(got.Float()) != math.Float64bits(want.Float()) {
			return fmt.Sprintf("%s (%v, want %v)", path, got.Float(), want.Float())
		}
	case reflect.Pointer, reflect.Interface:
		if got.IsNil() || want.IsNil() {
			if got.IsNil() != want.IsNil() {
				return path
			}
			return ""
		}
		return bitDiff(got.Elem(), want.Elem(), path)
	case reflect.Struct:
		for i := range want.NumField() {
			if d := bitDiff(got.Field(i), want.Field(i), path+"."+want.Type().Field(i).Name); d != "" {
				return d
			}
		}
	case reflect.Slice, reflect.Array:
		if got.Len() != want.Len() {
			return fmt.Sprintf("%s (length %d, want %d)", path, got.Len(), want.Len())
		}
		for i := range want.Len() {
			if d := bitDiff(got.Index(i), want.Index(i), fmt.Sprintf("%s[%d]", path, i)); d != "" {
				return d
			}
		}
	case reflect.Map:
		if got.Len() != want.Len() {
			return path
		}
		for _, k := range want.MapKeys() {
			g := got.MapIndex(k)
			if !g.IsValid() {
				return fmt.Sprintf("%s[%v]", path, k)
			}
			if d := bitDiff(g, want.MapIndex(k), fmt.Sprintf("%s[%v]", path, k)); d != "" {
				return d
			}
		}
	case reflect.String:
		if got.String() != want.String() {
			return fmt.Sprintf("%s (%q, want %q)", path, got.String(), want.String())
		}
	case reflect.Bool:
		if got.Bool() != want.Bool() {
			return path
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if got.Int() != want.Int() {
			return path
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if got.Uint() != want.Uint() {
			return path
		}
	default:
		panic("bitDiff: cannot compare " + want.Kind().String() + " at " + path)
	}
	return ""
}
