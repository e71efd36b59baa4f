package engine

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/providers"
	"github.com/canary-analyzer/canary-analyzer/request"
	"github.com/canary-analyzer/canary-analyzer/rules"
)

func stream(pod string, pts ...float64) *model.SampleStream {
	ss := &model.SampleStream{Metric: model.Metric{"pod": model.LabelValue(pod)}}
	for i := 0; i+1 < len(pts); i += 2 {
		ss.Values = append(ss.Values, model.SamplePair{Timestamp: model.Time(pts[i]), Value: model.SampleValue(pts[i+1])})
	}
	return ss
}

func testMatcher(t *testing.T) *rules.PodMatcher {
	t.Helper()
	pm, err := rules.NewPodMatcher(rules.PodMatching{By: rules.ByName, PodLabel: "pod"},
		request.Target{Namespace: "shop", Rollout: "web", CanaryHash: "c1", StableHash: "s1"})
	if err != nil {
		t.Fatal(err)
	}
	return pm
}

func TestSplit(t *testing.T) {
	t.Parallel()
	pm := testMatcher(t)
	t.Run("sides", func(t *testing.T) {
		s, err := split(pm, model.Matrix{
			stream("web-c1-aaaaa", 0, 1), stream("web-s1-bbbbb", 0, 2), stream("web-s1-ccccc", 0, 3),
			stream("other-c1-ddddd", 0, 4), // another rollout: ignored
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(s.canary) != 1 || len(s.stable) != 2 {
			t.Errorf("canary %d stable %d", len(s.canary), len(s.stable))
		}
	})
	t.Run("two series for one pod is a rule error", func(t *testing.T) {
		a, b := stream("web-c1-aaaaa", 0, 1), stream("web-c1-aaaaa", 0, 2)
		b.Metric["code"] = "500"
		_, err := split(pm, model.Matrix{a, b})
		var pe *providers.Error
		if !errors.As(err, &pe) || pe.Kind != providers.BadQuery {
			t.Errorf("got %v", err)
		}
	})
}

func TestToRatio(t *testing.T) {
	t.Parallel()
	// The canary's numerator exists only where it had errors (Prometheus
	// creates the 5xx series at its first increment); the stable pod never
	// had one. Steps with a denominator count; the rest do not.
	num := map[string]model.SampleStream{"web-c1-a": *stream("web-c1-a", 120, 2)}
	den := map[string]model.SampleStream{
		"web-c1-a": *stream("web-c1-a", 60, 100, 120, 110, 180, 90),
		"web-s1-b": *stream("web-s1-b", 60, 300, 120, 310),
	}
	got := toRatio(num, den)
	want := []analysis.CountSeries{
		{Pod: "web-c1-a", Points: []analysis.CountPoint{{T: 60, Events: 0, Trials: 100}, {T: 120, Events: 2, Trials: 110}, {T: 180, Events: 0, Trials: 90}}},
		{Pod: "web-s1-b", Points: []analysis.CountPoint{{T: 60, Events: 0, Trials: 300}, {T: 120, Events: 0, Trials: 310}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

func TestToRate(t *testing.T) {
	t.Parallel()
	events := map[string]model.SampleStream{"p": *stream("p", 60, 1)}
	alive := map[string]model.SampleStream{"p": *stream("p", 60, 5, 120, 7)}
	t.Run("with exposure", func(t *testing.T) {
		got := toRate(events, alive, true, time.Minute)
		want := []analysis.CountSeries{{Pod: "p", Points: []analysis.CountPoint{{T: 60, Events: 1, Trials: 60}, {T: 120, Events: 0, Trials: 60}}}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got %+v", got)
		}
	})
	t.Run("events mark the pod alive", func(t *testing.T) {
		got := toRate(events, nil, false, time.Minute)
		want := []analysis.CountSeries{{Pod: "p", Points: []analysis.CountPoint{{T: 60, Events: 1, Trials: 60}}}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got %+v", got)
		}
	})
}

// TestSplitHistory: the samples before the window's start go to the load
// model's history (stable pods only); the canary keeps its window.
func TestSplitHistory(t *testing.T) {
	t.Parallel()
	start := time.Unix(1000, 0)
	pts := func(ts ...int64) []analysis.Point {
		var out []analysis.Point
		for _, s := range ts {
			out = append(out, analysis.Point{T: s * 1000, V: float64(s)})
		}
		return out
	}
	d := analysis.Data{
		Stable:     []analysis.Series{{Pod: "s-a", Points: pts(880, 940, 1000, 1060)}, {Pod: "s-b", Points: pts(880)}},
		StableLoad: []analysis.Series{{Pod: "s-a", Points: pts(940, 1000)}},
		Canary:     []analysis.Series{{Pod: "c", Points: pts(940, 1000)}},
		CanaryLoad: []analysis.Series{{Pod: "c", Points: pts(1060)}},
	}
	got := splitHistory(d, start, time.Unix(820, 0))
	count := func(ss []analysis.Series) (n []int) {
		for _, s := range ss {
			n = append(n, len(s.Points))
		}
		return n
	}
	for _, c := range []struct {
		name string
		got  []int
		want []int
	}{
		{"stable history", count(got.StableHistory), []int{2, 1}},
		{"stable window", count(got.Stable), []int{2}},
		{"stable load history", count(got.StableLoadHistory), []int{1}},
		{"stable load window", count(got.StableLoad), []int{1}},
		{"canary", count(got.Canary), []int{1}},
		{"canary load", count(got.CanaryLoad), []int{1}},
	} {
		if fmt.Sprint(c.got) != fmt.Sprint(c.want) {
			t.Errorf("%s: %v points per series, want %v", c.name, c.got, c.want)
		}
	}
	if !got.HistoryStart.Equal(time.Unix(820, 0)) {
		t.Errorf("HistoryStart %v, want where the history's query began", got.HistoryStart)
	}
}
