package analysis_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/analysis/canary"
	"github.com/canary-analyzer/canary-analyzer/analysis/kayenta"
)

// The selectors and pods of the baseline tests.
const (
	canarySel = `pod=~"web-5f6b7c8d9e-[a-z0-9]+"`
	stableSel = `pod=~"web-7c9d5b6f4d-[a-z0-9]+"`
)

var (
	baselineEnd    = time.Date(2026, 11, 25, 14, 30, 0, 0, time.UTC)
	canaryPods     = []string{"web-5f6b7c8d9e-zzzzz"}
	stablePods     = []string{"web-7c9d5b6f4d-aaaaa", "web-7c9d5b6f4d-bbbbb", "web-7c9d5b6f4d-ccccc"}
	baselineJudges = map[string]analysis.Judge{"canary": canary.New(), "kayenta": kayenta.New()}
)

// at is the Unix ms time of minute i of the 30-minute window.
func at(i int) int64 { return baselineEnd.Add(time.Duration(i-30) * time.Minute).UnixMilli() }

// values returns one series per pod over the window; the canary's start
// at minute 10. value(pod, i) gives each sample.
func values(pods []string, from int, value func(pod, i int) float64) []analysis.Series {
	var out []analysis.Series
	for k, pod := range pods {
		s := analysis.Series{Pod: pod}
		for i := from; i <= 30; i++ {
			s.Points = append(s.Points, analysis.Point{T: at(i), V: value(k, i)})
		}
		out = append(out, s)
	}
	return out
}

// counts returns one count series per pod over the window: events out of
// trials per step.
func counts(pods []string, from int, events, trials float64) []analysis.CountSeries {
	var out []analysis.CountSeries
	for _, pod := range pods {
		s := analysis.CountSeries{Pod: pod}
		for i := from; i <= 30; i++ {
			s.Points = append(s.Points, analysis.CountPoint{T: at(i), Events: events, Trials: trials})
		}
		out = append(out, s)
	}
	return out
}

// latency is a healthy level with a small wiggle per pod and minute.
func latency(pod, i int) float64 {
	return 0.1 * (1 + 0.02*float64(pod%3-1)) * (1 + 0.01*math.Sin(float64(7*pod+i)))
}

func constant(v float64) func(int, int) float64 { return func(int, int) float64 { return v } }

// lines returns n log lines of each pod.
func lines(pods []string, n int, text string) []analysis.LogLine {
	var out []analysis.LogLine
	for _, pod := range pods {
		for i := range n {
			out = append(out, analysis.LogLine{Pod: pod, T: at(10 + i%20), Line: text})
		}
	}
	return out
}

// critical returns a critical metric of the kind whose noData policy is
// fail: the strictest rule, which must still not fail a canary that was
// compared with nothing.
func critical(name string, kind analysis.Kind) analysis.Metric {
	return analysis.Metric{Name: name, Kind: kind, Direction: analysis.Increase, Tolerance: 0.1, Critical: true,
		NoData: analysis.NoDataFail, Max: math.NaN(), Min: math.NaN()}
}

// TestNoBaselineIsNeverFailed: a metric whose stable pods gave nothing
// usable (no series, only NaN or infinite values, no trials, no load, no
// exposure), or that has no data on either side (a misspelt metric, a
// wrong Loki tenant), has nothing to compare the canary with. Through both
// judges' entry points it is NoData without a baseline with a reason that
// names the metric and the stable pods' selector, and the verdict is
// Inconclusive, although the metric is critical with noData: fail. A canary
// that stops reporting a metric its stable pods report still fails such a
// metric, as noData: fail asks.
func TestNoBaselineIsNeverFailed(t *testing.T) {
	t.Parallel()
	nan, inf := math.NaN(), math.Inf(1)
	type want struct {
		verdict    analysis.Verdict
		noBaseline bool
		reason     []string // parts of the metric's reason
	}
	noBaseline := func(parts ...string) want {
		return want{analysis.Inconclusive, true, append([]string{"no data for error-ratio", "can neither fail nor pass"}, parts...)}
	}
	stableGap := noBaseline("from the stable pods", stableSel, "namespace shop", "is the stable hash (or ReplicaSet) right?")
	bothGap := noBaseline("from either side", canarySel, stableSel, "is the query right")
	cases := []struct {
		name   string
		metric analysis.Metric
		data   analysis.Data
		want   want
	}{
		{"value: no stable series", critical("error-ratio", analysis.KindValue),
			analysis.Data{Canary: values(canaryPods, 10, latency)}, stableGap},
		{"value: stable series all NaN", critical("error-ratio", analysis.KindValue),
			analysis.Data{Canary: values(canaryPods, 10, latency), Stable: values(stablePods, 0, constant(nan))}, stableGap},
		{"value: stable series all +Inf", critical("error-ratio", analysis.KindValue),
			analysis.Data{Canary: values(canaryPods, 10, latency), Stable: values(stablePods, 0, constant(inf))}, stableGap},
		{"value: nothing on either side", critical("error-ratio", analysis.KindValue), analysis.Data{}, bothGap},
		{"value: NaN on both sides", critical("error-ratio", analysis.KindValue),
			analysis.Data{Canary: values(canaryPods, 10, constant(nan)), Stable: values(stablePods, 0, constant(nan))}, bothGap},
		{"ratio: no stable series", critical("error-ratio", analysis.KindRatio),
			analysis.Data{CanaryCounts: counts(canaryPods, 10, 3, 100)}, stableGap},
		{"ratio: stable pods without requests", critical("error-ratio", analysis.KindRatio),
			analysis.Data{CanaryCounts: counts(canaryPods, 10, 3, 100), StableCounts: counts(stablePods, 0, 0, 0)}, stableGap},
		{"ratio: nothing on either side", critical("error-ratio", analysis.KindRatio), analysis.Data{}, bothGap},
		{"rate: NaN events on the stable side", critical("error-ratio", analysis.KindRate),
			analysis.Data{CanaryCounts: counts(canaryPods, 10, 0, 60), StableCounts: counts(stablePods, 0, nan, 60)}, stableGap},
		{"load: stable values without a load", func() analysis.Metric {
			m := critical("error-ratio", analysis.KindValue)
			m.Load = true
			return m
		}(), analysis.Data{Canary: values(canaryPods, 10, latency), CanaryLoad: values(canaryPods, 10, constant(5)),
			Stable: values(stablePods, 0, latency)}, stableGap},
		{"signatures: exposure, nothing on either side (a wrong tenant)", critical("error-ratio", analysis.KindSignatures),
			analysis.Data{Logs: analysis.LogData{Exposure: true, CanaryPods: canaryPods, StablePods: stablePods}}, bothGap},
		{"signatures: exposure, none for the stable pods", critical("error-ratio", analysis.KindSignatures),
			analysis.Data{Logs: analysis.LogData{Exposure: true, Canary: lines(canaryPods, 30, "boom"),
				CanaryExposure: values(canaryPods, 10, constant(50)), StablePods: stablePods}}, stableGap},
		{"signatures: no exposure, no line on either side", critical("error-ratio", analysis.KindSignatures),
			analysis.Data{Logs: analysis.LogData{CanaryPods: canaryPods, StablePods: stablePods}},
			noBaseline("from either side", "without an exposure query", "wrong tenant")},
		{"signatures: no exposure, no stable pod known", critical("error-ratio", analysis.KindSignatures),
			analysis.Data{Logs: analysis.LogData{Canary: lines(canaryPods, 30, "boom"), CanaryPods: canaryPods}},
			noBaseline("from the stable pods", stableSel, "no pod known")},

		// A canary that stops reporting what its stable pods report is
		// what noData: fail is for.
		{"value: the canary stopped reporting", critical("error-ratio", analysis.KindValue),
			analysis.Data{Stable: values(stablePods, 0, latency)}, want{verdict: analysis.Failed}},
		{"ratio: the canary stopped reporting", critical("error-ratio", analysis.KindRatio),
			analysis.Data{StableCounts: counts(stablePods, 0, 1, 100)}, want{verdict: analysis.Failed}},
		// Stable pods that logged nothing while the canary logs a new
		// error: the silence is a count, and the canary fails.
		{"signatures: no exposure, new lines in the canary only", critical("error-ratio", analysis.KindSignatures),
			analysis.Data{Logs: analysis.LogData{Canary: lines(canaryPods, 30, "[error] AH01630: client denied"),
				CanaryPods: canaryPods, StablePods: stablePods}}, want{verdict: analysis.Failed}},
	}
	for _, c := range cases {
		for name, judge := range baselineJudges {
			t.Run(c.name+"/"+name, func(t *testing.T) {
				rep := judge.Judge(analysis.Input{
					Metrics:    []analysis.MetricInput{{Metric: c.metric, Data: c.data}},
					Settings:   analysis.Settings{Step: time.Minute, Start: baselineEnd.Add(-30 * time.Minute), End: baselineEnd},
					Thresholds: analysis.Thresholds{Pass: 90, Marginal: 60},
					CanaryPods: canaryPods, StablePods: stablePods,
					CanarySelector: canarySel, StableSelector: stableSel, Namespace: "shop",
				})
				m := rep.Metrics[0]
				t.Logf("%s; %s: %s", rep.Verdict, m.Classification, m.Reason)
				if rep.Verdict != c.want.verdict {
					t.Errorf("verdict %s (%s), want %s; metric %s: %s", rep.Verdict, rep.Reason, c.want.verdict, m.Classification, m.Reason)
				}
				if m.NoBaseline != c.want.noBaseline || (c.want.noBaseline && m.Classification != analysis.NoData) {
					t.Errorf("%s, no baseline %v (%s), want no baseline %v", m.Classification, m.NoBaseline, m.Reason, c.want.noBaseline)
				}
				for _, part := range c.want.reason {
					if !strings.Contains(m.Reason, part) {
						t.Errorf("reason %q does not say %q", m.Reason, part)
					}
				}
				if c.want.noBaseline && (len(rep.Failed) != 0 || !strings.Contains(rep.Reason, "error-ratio had no data from the stable pods")) {
					t.Errorf("failed %v, reason %q", rep.Failed, rep.Reason)
				}
			})
		}
	}
}

// TestNoBaselineBesidePassingMetrics: a metric without a baseline beside
// passing ones keeps the verdict from being Successful (or Failed, as
// Kayenta's rule for half the metrics without data would have it), and
// noData: ignore leaves it out, as for any metric without data.
func TestNoBaselineBesidePassingMetrics(t *testing.T) {
	t.Parallel()
	healthy := analysis.Data{Canary: values(canaryPods, 10, latency), Stable: values(stablePods, 0, latency)}
	lat := analysis.Metric{Name: "latency", Kind: analysis.KindValue, Direction: analysis.Increase, Tolerance: 0.5,
		Max: math.NaN(), Min: math.NaN(), DetectableChange: -1}
	cases := []struct {
		name   string
		policy analysis.NoDataPolicy
		want   analysis.Verdict
	}{
		{"noData fail", analysis.NoDataFail, analysis.Inconclusive},
		{"noData inconclusive", analysis.NoDataInconclusive, analysis.Inconclusive},
		{"noData ignore", analysis.NoDataIgnore, analysis.Successful},
	}
	for _, c := range cases {
		for name, judge := range baselineJudges {
			t.Run(c.name+"/"+name, func(t *testing.T) {
				misspelt := critical("error-ratio", analysis.KindRatio)
				misspelt.NoData = c.policy
				rep := judge.Judge(analysis.Input{
					Metrics:    []analysis.MetricInput{{Metric: lat, Data: healthy}, {Metric: misspelt}},
					Settings:   analysis.Settings{Step: time.Minute, Start: baselineEnd.Add(-30 * time.Minute), End: baselineEnd},
					Thresholds: analysis.Thresholds{Pass: 90, Marginal: 60},
					CanaryPods: canaryPods, StablePods: stablePods,
					CanarySelector: canarySel, StableSelector: stableSel, Namespace: "shop",
				})
				if rep.Metrics[0].Classification != analysis.Pass {
					t.Fatalf("latency %s (%s), want Pass", rep.Metrics[0].Classification, rep.Metrics[0].Reason)
				}
				if rep.Verdict != c.want {
					t.Errorf("verdict %s (%s), want %s", rep.Verdict, rep.Reason, c.want)
				}
			})
		}
	}
}

// TestNoStablePods: a judgement in which no stable pod appeared in any
// metric (a stable hash that matches nothing) is Inconclusive with score 0
// and a reason that names the stable selector, whatever the metrics say;
// with neither side's pods, the reason names both selectors.
func TestNoStablePods(t *testing.T) {
	t.Parallel()
	m := critical("latency", analysis.KindValue)
	m.NoData = analysis.NoDataInconclusive
	cases := []struct {
		name           string
		canary, stable []string
		data           analysis.Data
		reason         string
	}{
		{"no stable pod", canaryPods, nil, analysis.Data{Canary: values(canaryPods, 10, latency)},
			`no data for stable pods (` + stableSel + `) in namespace shop between 2026-11-25T14:00:00Z and 2026-11-25T14:30:00Z, ` +
				`so the canary was compared with nothing: is the stable hash (or ReplicaSet) right?`},
		{"no pod at all", nil, nil, analysis.Data{},
			`no data for canary pods (` + canarySel + `) or stable pods (` + stableSel + `) in namespace shop between ` +
				`2026-11-25T14:00:00Z and 2026-11-25T14:30:00Z: are the namespace and the hashes (or ReplicaSets) right, and can the backends see the pods (queries, tenant)?`},
	}
	for _, c := range cases {
		for name, judge := range baselineJudges {
			t.Run(c.name+"/"+name, func(t *testing.T) {
				rep := judge.Judge(analysis.Input{
					Metrics:    []analysis.MetricInput{{Metric: m, Data: c.data}},
					Settings:   analysis.Settings{Step: time.Minute, Start: baselineEnd.Add(-30 * time.Minute), End: baselineEnd},
					Thresholds: analysis.Thresholds{Pass: 90, Marginal: 60},
					CanaryPods: c.canary, StablePods: c.stable,
					CanarySelector: canarySel, StableSelector: stableSel, Namespace: "shop",
				})
				if rep.Verdict != analysis.Inconclusive || rep.Score != 0 || rep.Reason != c.reason {
					t.Errorf("got %s %g %q\nwant Inconclusive 0 %q", rep.Verdict, rep.Score, rep.Reason, c.reason)
				}
			})
		}
	}
}
