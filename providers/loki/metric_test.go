package loki

import (
	"context"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/prometheus/common/model"
)

// matrixCase replays one recorded metric query_range through QueryRange.
type matrixCase struct {
	name  string
	check func(t *testing.T, m model.Matrix)
}

// fixtureName implements named.
func (c matrixCase) fixtureName() string { return c.name }

// Expected numbers come from the fixture README's tables: access lines per
// pod (808, 733, 687, 720), 500s per pod (canary 21, bbbbb 2) and the point
// counts it lists for each case.
var matrixCases = []matrixCase{
	{"query_range_count_by_pod", func(t *testing.T, m model.Matrix) {
		wantSeries(t, m, canaryPod, podA, podB, podC)
		for pod, lines := range map[string]float64{canaryPod: 808, podA: 733, podB: 687, podC: 720} {
			s := byPod(m)[pod]
			if len(s.Values) != 30 {
				t.Errorf("%s: %d points, want 30", pod, len(s.Values))
			}
			// Counts of whole lines: the sum over the 30 one-minute windows
			// is exactly the pod's number of access lines.
			if got := sum(s); got != lines {
				t.Errorf("%s: counts add up to %v, want %v access lines", pod, got, lines)
			}
			// The window ending at START is empty, so the first point is one
			// step later.
			if first := s.Values[0].Timestamp.Time(); !first.Equal(fixtureStart.Add(time.Minute)) {
				t.Errorf("%s: first point at %s, want START+60s", pod, first.UTC())
			}
		}
	}},
	{"query_range_5xx_ratio_by_pod", func(t *testing.T, m model.Matrix) {
		// aaaaa had no 5xx: no series at all, not a series of zeros.
		wantSeries(t, m, canaryPod, podB, podC)
		wantPoints(t, m, map[string]int{canaryPod: 14, podB: 3, podC: 1})
		wantPoint(t, byPod(m)[canaryPod], 1795634340, 0.043478260869565216)
		wantPoint(t, byPod(m)[podC], 1795635060, 0.03846153846153846)
	}},
	{"query_range_500_count_sparse", func(t *testing.T, m model.Matrix) {
		wantSeries(t, m, canaryPod, podB)
		wantPoints(t, m, map[string]int{canaryPod: 13, podB: 2})
		if got := sum(byPod(m)[canaryPod]); got != 21 {
			t.Errorf("canary 500s add up to %v, want 21", got)
		}
		if got := sum(byPod(m)[podB]); got != 2 {
			t.Errorf("bbbbb 500s add up to %v, want 2", got)
		}
	}},
	{"query_range_p95_latency_by_pod", func(t *testing.T, m model.Matrix) {
		wantSeries(t, m, canaryPod, podA, podB, podC)
		wantPoints(t, m, map[string]int{canaryPod: 30, podA: 30, podB: 30, podC: 30})
		wantPoint(t, byPod(m)[canaryPod], 1795634280, 14190.349999999999)
		wantPoint(t, byPod(m)[podC], 1795634280, 53877)
	}},
	{"query_range_unwrap_missing_label_skipped", func(t *testing.T, m model.Matrix) {
		// Lines without the unwrapped label are skipped: the answer is the
		// same as over the access stream alone.
		p95 := replayMatrix(t, "query_range_p95_latency_by_pod")
		if !reflect.DeepEqual(m, p95) {
			t.Errorf("matrix differs from query_range_p95_latency_by_pod")
		}
	}},
	{"query_range_pipeline_error_filtered", func(t *testing.T, m model.Matrix) {
		wantSeries(t, m, canaryPod, podA, podB, podC)
		wantPoints(t, m, map[string]int{canaryPod: 30, podA: 30, podB: 30, podC: 30})
		wantPoint(t, byPod(m)[canaryPod], 1795634280, 598985)
	}},
	{"query_range_step_alignment", func(t *testing.T, m model.Matrix) {
		wantSeries(t, m, canaryPod, podA, podB, podC)
		// Loki sent 7 points per pod; the last, 1795636200, is after the
		// requested end 1795636003 and is dropped.
		wantPoints(t, m, map[string]int{canaryPod: 6, podA: 6, podB: 6, podC: 6})
		s := byPod(m)[canaryPod]
		if last := s.Values[len(s.Values)-1].Timestamp; last != model.TimeFromUnix(1795635900) {
			t.Errorf("last point at %d ms, want 1795635900000", last)
		}
		// 808 access lines minus the 57 of the dropped window ending at
		// 1795636200.
		if got := sum(s); got != 751 {
			t.Errorf("canary counts add up to %v, want 751", got)
		}
	}},
	{"query_range_no_grouping_labels", func(t *testing.T, m model.Matrix) {
		if len(m) != 2 {
			t.Fatalf("%d series, want 2 (access and error)", len(m))
		}
		for _, s := range m {
			for name, want := range map[model.LabelName]model.LabelValue{
				"pod": canaryPod, "service_name": "httpd", "detected_level": "unknown", "namespace": "shop",
			} {
				if got := s.Metric[name]; got != want {
					t.Errorf("series %s: %s=%q, want %q", s.Metric, name, got, want)
				}
			}
			if len(s.Values) != 6 {
				t.Errorf("series %s: %d points, want 6 (7 minus the one after end)", s.Metric, len(s.Values))
			}
		}
	}},
	{"query_range_metric_empty_unknown_pod", func(t *testing.T, m model.Matrix) {
		if m == nil || len(m) != 0 {
			t.Errorf("got %v, want an empty, non-nil matrix", m)
		}
	}},
	{"auth_team_a", func(t *testing.T, m model.Matrix) {
		// Only team-a's 30 lines of pod aaaaa, one line per minute.
		wantSeries(t, m, podA)
		wantPoints(t, m, map[string]int{podA: 6})
		// 30 lines minus the 2 of the dropped window ending at 1795636200.
		if got := sum(m[0]); got != 28 {
			t.Errorf("counts add up to %v, want 28", got)
		}
	}},
	{"auth_tenant_fake", func(t *testing.T, m model.Matrix) {
		wantSeries(t, m, canaryPod, podA, podB, podC)
		wantPoints(t, m, map[string]int{canaryPod: 6, podA: 6, podB: 6, podC: 6})
	}},
}

func TestQueryRangeFixtures(t *testing.T) {
	for _, tc := range matrixCases {
		t.Run(tc.name, func(t *testing.T) {
			f := loadFixture(t, tc.name)
			srv := newReplay(t, f)
			q := rangeQueryFrom(t, f)
			m, stats, err := clientFor(t, f, srv).QueryRangeStats(context.Background(), q)
			if err != nil {
				t.Fatalf("QueryRange: %v", err)
			}
			if n := srv.hits.Load(); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
			checkStats(t, f, stats)
			// The count query reads every access line once: the fixture
			// README's 808 + 733 + 687 + 720.
			if tc.name == "query_range_count_by_pod" && stats.LinesProcessed != 2948 {
				t.Errorf("%d lines processed, want 2948", stats.LinesProcessed)
			}
			checkGrid(t, m, q.Start, q.End, q.Step)
			tc.check(t, m)
		})
	}
}

// replayMatrix runs QueryRange against one recorded case.
func replayMatrix(t *testing.T, name string) model.Matrix {
	t.Helper()
	f := loadFixture(t, name)
	srv := newReplay(t, f)
	m, err := clientFor(t, f, srv).QueryRange(context.Background(), rangeQueryFrom(t, f))
	if err != nil {
		t.Fatalf("QueryRange %s: %v", name, err)
	}
	return m
}

// checkGrid asserts what QueryRange promises for every matrix: points inside
// [start, end] on Loki's epoch-aligned step grid, in time order, no empty
// series, series sorted by labels.
func checkGrid(t *testing.T, m model.Matrix, start, end time.Time, step time.Duration) {
	t.Helper()
	if !sort.IsSorted(m) {
		t.Errorf("series are not sorted by labels")
	}
	for _, s := range m {
		if len(s.Values) == 0 {
			t.Errorf("series %s has no points", s.Metric)
		}
		for i, p := range s.Values {
			ts := p.Timestamp.Time()
			if ts.Before(start) || ts.After(end) {
				t.Errorf("series %s: point at %s outside [%s, %s]", s.Metric, ts.UTC(), start.UTC(), end.UTC())
			}
			if int64(p.Timestamp)%step.Milliseconds() != 0 {
				t.Errorf("series %s: point at %d ms is not a multiple of the step %s", s.Metric, p.Timestamp, step)
			}
			if i > 0 && p.Timestamp <= s.Values[i-1].Timestamp {
				t.Errorf("series %s: points out of order at %d", s.Metric, i)
			}
		}
	}
}

// byPod indexes series by their pod label.
func byPod(m model.Matrix) map[string]*model.SampleStream {
	out := map[string]*model.SampleStream{}
	for _, s := range m {
		out[string(s.Metric["pod"])] = s
	}
	return out
}

// wantSeries asserts that m has exactly one series for each pod.
func wantSeries(t *testing.T, m model.Matrix, pods ...string) {
	t.Helper()
	var got []string
	for _, s := range m {
		got = append(got, string(s.Metric["pod"]))
	}
	if !reflect.DeepEqual(got, pods) {
		t.Fatalf("series for pods %q, want %q", got, pods)
	}
}

// wantPoints asserts the number of points per pod.
func wantPoints(t *testing.T, m model.Matrix, want map[string]int) {
	t.Helper()
	for pod, n := range want {
		if got := len(byPod(m)[pod].Values); got != n {
			t.Errorf("%s: %d points, want %d", pod, got, n)
		}
	}
}

// wantPoint asserts the value at a Unix second. The value must be exactly the
// decimal string Loki sent, parsed as a float64, so == is the right test.
func wantPoint(t *testing.T, s *model.SampleStream, unix int64, want float64) {
	t.Helper()
	for _, p := range s.Values {
		if p.Timestamp == model.TimeFromUnix(unix) {
			if float64(p.Value) != want {
				t.Errorf("%s at %d: %v, want %v", s.Metric, unix, p.Value, want)
			}
			return
		}
	}
	t.Errorf("%s: no point at %d", s.Metric, unix)
}

// sum adds the values of a series.
func sum(s *model.SampleStream) float64 {
	total := 0.0
	for _, p := range s.Values {
		total += float64(p.Value)
	}
	return total
}
