package analysis

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/floats/scalar"
)

// scoreRow is one judged metric of a scorer test.
type scoreRow struct {
	name     string
	class    Classification
	group    string
	critical bool
	weight   float64
	noData   NoDataPolicy
	// noBaseline marks a NoData result without a baseline.
	noBaseline bool
}

func scoreInputs(rows []scoreRow) ([]Metric, []MetricResult) {
	ms := make([]Metric, len(rows))
	rs := make([]MetricResult, len(rows))
	for i, r := range rows {
		ms[i] = Metric{Name: r.name, Group: r.group, Critical: r.critical, Weight: r.weight, NoData: r.noData}
		rs[i] = MetricResult{Name: r.name, Classification: r.class, Group: r.group, Critical: r.critical, Weight: r.weight,
			NoBaseline: r.noBaseline}
	}
	return ms, rs
}

var kayentaThresholds = Thresholds{Pass: 95, Marginal: 75}

func TestScoreKayentaVectors(t *testing.T) {
	t.Parallel()
	// The vectors of Kayenta's ScorerSuite (WeightedSumScorer): metric
	// classifications, group weights and the summary score it asserts.
	tests := []struct {
		name    string
		rows    []scoreRow
		weights map[string]float64
		want    float64
	}{
		{"single pass", []scoreRow{{name: "a", class: Pass, group: "g"}}, nil, 100},
		{"single fail", []scoreRow{{name: "a", class: High, group: "g"}}, nil, 0},
		{"one group, pass and high", []scoreRow{
			{name: "a", class: Pass, group: "g"}, {name: "b", class: High, group: "g"}}, nil, 50},
		{"one group, pass, high and low", []scoreRow{
			{name: "a", class: Pass, group: "g"}, {name: "b", class: High, group: "g"},
			{name: "c", class: Low, group: "g"}}, nil, 100.0 / 3},
		{"weights 75/25, two passes against one high", []scoreRow{
			{name: "a", class: Pass, group: "group-1"}, {name: "b", class: Pass, group: "group-1"},
			{name: "c", class: High, group: "group-2"}},
			map[string]float64{"group-1": 75, "group-2": 25}, 75},
		{"weights 50/50", []scoreRow{
			{name: "a", class: Pass, group: "group-1"}, {name: "b", class: High, group: "group-1"},
			{name: "c", class: High, group: "group-2"}},
			map[string]float64{"group-1": 50, "group-2": 50}, 25},
		{"no data", []scoreRow{{name: "a", class: NoData, group: "g"}}, nil, 0},
		{"critical high", []scoreRow{
			{name: "a", class: Pass, group: "g"}, {name: "b", class: High, group: "g", critical: true}}, nil, 0},
		{"critical no data", []scoreRow{
			{name: "a", class: Pass, group: "g"}, {name: "b", class: Pass, group: "g"},
			{name: "c", class: NoData, group: "g", critical: true}}, nil, 0},
		{"low normal, pass critical", []scoreRow{
			{name: "a", class: Low, group: "g"}, {name: "b", class: Pass, group: "g", critical: true}}, nil, 50},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ms, rs := scoreInputs(tc.rows)
			got := Score(ms, rs, ScoreOptions{Thresholds: kayentaThresholds, GroupWeights: tc.weights})
			if !scalar.EqualWithinAbsOrRel(float64(got.Score), tc.want, 1e-12, 1e-12) {
				t.Errorf("score %v, want %v (%s)", got.Score, tc.want, got.Reason)
			}
			if tc.want < 75 && got.Verdict != Failed {
				t.Errorf("verdict %s for score %v", got.Verdict, got.Score)
			}
		})
	}
}

func TestScoreRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		rows       []scoreRow
		weights    map[string]float64
		th         Thresholds
		score      float64
		verdict    Verdict
		failed     []string
		reasonHave string
	}{
		{name: "all pass", rows: []scoreRow{{name: "a", class: Pass}, {name: "b", class: Pass}},
			score: 100, verdict: Successful, failed: []string{}, reasonHave: "no failing metric among 2"},
		{name: "score at the pass threshold", rows: []scoreRow{
			{name: "a", class: Pass, weight: 19}, {name: "b", class: High}},
			score: 95, verdict: Successful, failed: []string{"b"}, reasonHave: "failing b"},
		{name: "marginal", rows: []scoreRow{
			{name: "a", class: Pass, weight: 4}, {name: "b", class: Low}},
			score: 80, verdict: Inconclusive, failed: []string{"b"}, reasonHave: "below the pass threshold 95"},
		{name: "metric weights within a group", rows: []scoreRow{
			{name: "a", class: Pass, weight: 3}, {name: "b", class: High, weight: 1}},
			score: 75, verdict: Inconclusive, failed: []string{"b"}},
		{name: "no data, fail policy counts as failing", rows: []scoreRow{
			{name: "a", class: Pass}, {name: "b", class: Pass}, {name: "c", class: Pass},
			{name: "d", class: NoData, noData: NoDataFail}},
			score: 75, verdict: Inconclusive, failed: []string{"d"}},
		{name: "no data, inconclusive policy caps", rows: []scoreRow{
			{name: "a", class: Pass}, {name: "b", class: Pass}, {name: "c", class: Pass},
			{name: "d", class: NoData, noData: NoDataInconclusive}},
			score: 100, verdict: Inconclusive, failed: []string{}, reasonHave: "d had no data, so the verdict is at most Inconclusive"},
		{name: "no data, empty policy means inconclusive", rows: []scoreRow{
			{name: "a", class: Pass}, {name: "b", class: Pass}, {name: "c", class: Pass}, {name: "d", class: NoData}},
			score: 100, verdict: Inconclusive, failed: []string{}},
		{name: "no data, ignore policy", rows: []scoreRow{
			{name: "a", class: Pass}, {name: "b", class: NoData, noData: NoDataIgnore}},
			score: 100, verdict: Successful, failed: []string{}},
		{name: "not enough data caps", rows: []scoreRow{
			{name: "a", class: Pass}, {name: "b", class: NotEnoughData, critical: true}},
			score: 100, verdict: Inconclusive, failed: []string{}, reasonHave: "b had not enough data"},
		{name: "suspect caps, never fails", rows: []scoreRow{
			{name: "a", class: Pass}, {name: "b", class: Suspect, critical: true}},
			score: 100, verdict: Inconclusive, failed: []string{}, reasonHave: "b is suspected of a regression the run could not confirm"},
		{name: "unknown classification caps", rows: []scoreRow{{name: "a", class: Pass}, {name: "b", class: "Error"}},
			score: 100, verdict: Inconclusive, failed: []string{}},
		{name: "half without data", rows: []scoreRow{
			{name: "a", class: Pass}, {name: "b", class: Pass},
			{name: "c", class: NoData, noData: NoDataFail}, {name: "d", class: NoData}},
			score: 0, verdict: Failed, failed: []string{"c"}, reasonHave: "2 of 4 metrics had no data (c and d), at least half"},
		{name: "critical low", rows: []scoreRow{
			{name: "a", class: Pass}, {name: "b", class: Low, critical: true}},
			score: 0, verdict: Failed, failed: []string{"b"}, reasonHave: "critical metric b was Low"},
		{name: "critical no data with inconclusive policy fails", rows: []scoreRow{
			{name: "a", class: Pass}, {name: "b", class: Pass}, {name: "c", class: NoData, critical: true}},
			score: 0, verdict: Failed, failed: []string{"c"}, reasonHave: "critical metric c had no data"},
		{name: "critical no data with ignore policy", rows: []scoreRow{
			{name: "a", class: Pass}, {name: "c", class: NoData, critical: true, noData: NoDataIgnore}},
			score: 100, verdict: Successful, failed: []string{}},
		// Nothing to compare the canary with: never a failure, whatever the
		// policy and criticality (issue 12 item 3).
		{name: "critical no data without a baseline, fail policy", rows: []scoreRow{
			{name: "a", class: Pass}, {name: "c", class: NoData, critical: true, noData: NoDataFail, noBaseline: true}},
			score: 100, verdict: Inconclusive, failed: []string{}, reasonHave: "c had no data from the stable pods, so the verdict is at most Inconclusive"},
		{name: "half without a baseline", rows: []scoreRow{
			{name: "a", class: Pass}, {name: "b", class: NoData, noBaseline: true}},
			score: 100, verdict: Inconclusive, failed: []string{}},
		{name: "nothing with a baseline", rows: []scoreRow{{name: "a", class: NoData, critical: true, noData: NoDataFail, noBaseline: true}},
			score: 0, verdict: Inconclusive, failed: []string{}, reasonHave: "no metric could be scored: a had no data from the stable pods"},
		{name: "no baseline, ignore policy", rows: []scoreRow{
			{name: "a", class: Pass}, {name: "b", class: NoData, noData: NoDataIgnore, noBaseline: true}},
			score: 100, verdict: Successful, failed: []string{}},
		{name: "critical failure fails even with marginal 0", th: Thresholds{Pass: 90},
			rows:  []scoreRow{{name: "a", class: Pass}, {name: "b", class: High, critical: true}},
			score: 0, verdict: Failed, failed: []string{"b"}},
		{name: "nothing scored", rows: []scoreRow{{name: "a", class: NotEnoughData}, {name: "b", class: NoData, noData: NoDataIgnore}},
			score: 0, verdict: Inconclusive, failed: []string{}, reasonHave: "no metric could be scored: a had not enough data"},
		{name: "no metrics", score: 0, verdict: Inconclusive, failed: []string{}, reasonHave: "no metrics were judged"},
		{name: "unnamed groups share the rest", weights: map[string]float64{"lat": 60}, rows: []scoreRow{
			{name: "a", class: Pass, group: "lat"}, {name: "b", class: High, group: "err"},
			{name: "c", class: Pass, group: "cpu"}},
			// 60·100 + 20·0 + 20·100 over 100.
			score: 80, verdict: Inconclusive, failed: []string{"b"}},
		{name: "group without counted metrics is left out", weights: map[string]float64{"lat": 50, "err": 50},
			rows:  []scoreRow{{name: "a", class: Pass, group: "lat"}, {name: "b", class: NotEnoughData, group: "err"}},
			score: 100, verdict: Inconclusive, failed: []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			th := tc.th
			if th == (Thresholds{}) {
				th = kayentaThresholds
			}
			ms, rs := scoreInputs(tc.rows)
			got := Score(ms, rs, ScoreOptions{Thresholds: th, GroupWeights: tc.weights})
			if !scalar.EqualWithinAbsOrRel(float64(got.Score), tc.score, 1e-12, 1e-12) || got.Verdict != tc.verdict {
				t.Errorf("score %v verdict %s, want %v %s (%s)", got.Score, got.Verdict, tc.score, tc.verdict, got.Reason)
			}
			if !slices.Equal(got.Failed, tc.failed) {
				t.Errorf("failed %q, want %q", got.Failed, tc.failed)
			}
			if !strings.Contains(got.Reason, tc.reasonHave) || got.Reason == "" {
				t.Errorf("reason %q lacks %q", got.Reason, tc.reasonHave)
			}
			if len(got.Metrics) != len(rs) {
				t.Errorf("%d metrics in the report, want %d", len(got.Metrics), len(rs))
			}
		})
	}
}

func TestScoreNeverSuccessfulWithoutData(t *testing.T) {
	t.Parallel()
	// Every mix of Pass with metrics that lack data: the verdict is only
	// Successful when each metric without data is explicitly ignored.
	classes := []Classification{Pass, NoData, NotEnoughData, Suspect}
	policies := []NoDataPolicy{"", NoDataFail, NoDataInconclusive, NoDataIgnore}
	for _, c1 := range classes {
		for _, c2 := range classes {
			for _, p := range policies {
				rows := []scoreRow{{name: "a", class: Pass}, {name: "b", class: c1, noData: p}, {name: "c", class: c2, noData: p}}
				ms, rs := scoreInputs(rows)
				got := Score(ms, rs, ScoreOptions{Thresholds: Thresholds{Pass: 1, Marginal: 0}})
				onlyIgnored := true
				for _, c := range []Classification{c1, c2} {
					if c == NotEnoughData || c == Suspect || (c == NoData && p != NoDataIgnore) {
						onlyIgnored = false
					}
				}
				if got.Verdict == Successful && !onlyIgnored {
					t.Errorf("%s/%s with policy %q: Successful (%s)", c1, c2, p, got.Reason)
				}
			}
		}
	}
}

func TestScoreGroups(t *testing.T) {
	t.Parallel()
	ms, rs := scoreInputs([]scoreRow{{name: "a", class: Pass, group: "g1"}, {name: "b", class: NotEnoughData, group: "g2"}})
	rep := Score(ms, rs, ScoreOptions{Thresholds: kayentaThresholds})
	if rep.Verdict != Inconclusive || rep.Score != 100 || rep.Failed == nil || len(rep.Failed) != 0 {
		t.Errorf("verdict %s, score %g, failed %#v", rep.Verdict, rep.Score, rep.Failed)
	}
	if len(rep.Groups) != 2 {
		t.Fatalf("groups %+v", rep.Groups)
	}
	g1, g2 := rep.Groups[0], rep.Groups[1]
	if g1.Name != "g1" || g1.Score != 100 || g1.Weight != 50 || g1.Counted != 1 || g1.Passed != 1 {
		t.Errorf("group g1 %+v", g1)
	}
	if g2.Name != "g2" || !math.IsNaN(g2.Score) || g2.Weight != 50 || g2.Counted != 0 || g2.Passed != 0 {
		t.Errorf("group g2 %+v: no counted metric, so no score", g2)
	}
}

// TestConclude: the shared rule of every judge, a canary without any data
// is Inconclusive whatever its metrics say, with the metrics kept.
func TestConclude(t *testing.T) {
	t.Parallel()
	end := time.Date(2026, 11, 25, 14, 30, 0, 0, time.UTC)
	ms, rs := scoreInputs([]scoreRow{{name: "a", class: Pass}, {name: "b", class: High, critical: true}})
	in := Input{
		Settings:   Settings{Start: end.Add(-30 * time.Minute), End: end},
		Thresholds: kayentaThresholds, CanarySelector: `pod=~"web-c1-.*"`, Namespace: "shop",
		StablePods: []string{"web-s1-aaaaa"},
	}
	// Both metrics have a baseline (TestNoBaselineIsNeverFailed has the
	// metrics without one).
	sample := []Series{{Pod: "web-s1-aaaaa", Points: []Point{{T: end.UnixMilli(), V: 1}}}}
	for _, m := range ms {
		in.Metrics = append(in.Metrics, MetricInput{Metric: m, Data: Data{Stable: sample}})
	}
	t.Run("without canary pods", func(t *testing.T) {
		rep := Conclude(in, rs)
		want := `no data for canary pods (pod=~"web-c1-.*") in namespace shop between 2026-11-25T14:00:00Z and 2026-11-25T14:30:00Z: is the canary hash (or ReplicaSet) right and is the pod running?`
		if rep.Verdict != Inconclusive || rep.Score != 0 || rep.Reason != want {
			t.Errorf("got %s %g %q", rep.Verdict, rep.Score, rep.Reason)
		}
		if len(rep.Metrics) != 2 || !slices.Equal(rep.Failed, []string{"b"}) {
			t.Errorf("metrics %d, failed %v: both kept", len(rep.Metrics), rep.Failed)
		}
	})
	t.Run("with a canary pod", func(t *testing.T) {
		in.CanaryPods = []string{"web-c1-aaaaa"}
		rep := Conclude(in, rs)
		if rep.Verdict != Failed || !strings.HasPrefix(rep.Reason, "critical metric b was High") {
			t.Errorf("got %s %q", rep.Verdict, rep.Reason)
		}
	})
}

func TestScorePanics(t *testing.T) {
	t.Parallel()
	ms, rs := scoreInputs([]scoreRow{{name: "a", class: Pass}})
	for name, f := range map[string]func(){
		"length mismatch": func() { Score(ms, nil, ScoreOptions{Thresholds: kayentaThresholds}) },
		"marginal > pass": func() { Score(ms, rs, ScoreOptions{Thresholds: Thresholds{Pass: 50, Marginal: 60}}) },
		"pass above 100":  func() { Score(ms, rs, ScoreOptions{Thresholds: Thresholds{Pass: 101}}) },
		"negative weight": func() {
			Score(ms, rs, ScoreOptions{Thresholds: kayentaThresholds, GroupWeights: map[string]float64{"": -1}})
		},
		"negative marginal": func() { Score(ms, rs, ScoreOptions{Thresholds: Thresholds{Pass: 50, Marginal: -1}}) },
	} {
		if !panics(f) {
			t.Errorf("%s: no panic", name)
		}
	}
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
