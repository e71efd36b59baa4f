package engine

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/api/wire"
)

// withTests gives metric name of r the tests named in ps with those
// p-values, significant where sig names them.
func withTests(r *wire.Response, name string, ps map[string]float64, sig ...string) {
	m := metricNamed(r.Metrics, name)
	m.Evidence = &wire.Evidence{}
	for _, n := range []string{"level", "trend"} {
		if p, ok := ps[n]; ok {
			m.Evidence.Tests = append(m.Evidence.Tests, wire.TestEvidence{Name: n, PValue: wire.Float(p), Significant: slices.Contains(sig, n)})
		}
	}
}

// ageJudged is the age check's judgement: the baseline's pods against the
// stable pods, each metric with a level test of the p-value in ps (none
// for a metric ps leaves out).
func ageJudged(ps map[string]float64) *wire.Response {
	r := &wire.Response{Target: bothTarget.BaselineAgainstStable()}
	for _, m := range []string{"error-ratio", "latency", "cpu"} {
		r.Metrics = append(r.Metrics, wire.MetricResult{Name: m, Classification: analysis.Pass, PValue: wire.Float(math.NaN())})
		if p, ok := ps[m]; ok {
			withTests(r, m, map[string]float64{"level": p, "trend": 0.9})
			metricNamed(r.Metrics, m).PValue = wire.Float(p)
		}
	}
	r.SetVerdict(analysis.Successful, 100, "the age check's reason", []string{})
	return r
}

// TestCombineAgeCheck: a canary that fails against the stable pods but not
// against the baseline fails when pods of its age show no sign of its
// excess (the age check's p-value for the failing test at least the hint
// level, 0.05), and keeps the intersection-union verdict where they do,
// where the age check has no p-value, and where it could not be made.
func TestCombineAgeCheck(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name         string
		base, stable analysis.Verdict
		failed       []string // against the stable pods
		age          map[string]float64
		ageErr       bool
		want         analysis.Verdict
		first        string // "" for the intersection-union's own reason
	}{
		{"no sign of the excess in pods of its age", S, F, []string{"latency"}, map[string]float64{"latency": 0.41}, false, F,
			"Failed: the canary fails against the stable pods (7c9d5b6f4d), and the baseline (web-6d4f9c7b8-2-1-baseline), started with it, " +
				"shows no sign of the same excess against them in latency (p = 0.41), so the canary's age does not explain it, although it " +
				"passes against the baseline."},
		{"the baseline inconclusive", I, F, []string{"latency"}, map[string]float64{"latency": 0.2}, false, F,
			"Failed: the canary fails against the stable pods (7c9d5b6f4d), and the baseline (web-6d4f9c7b8-2-1-baseline), started with it, " +
				"shows no sign of the same excess against them in latency (p = 0.2), so the canary's age does not explain it, although it " +
				"is inconclusive against the baseline."},
		{"at the hint level exactly", S, F, []string{"latency"}, map[string]float64{"latency": 0.05}, false, F,
			"Failed: the canary fails against the stable pods (7c9d5b6f4d), and the baseline (web-6d4f9c7b8-2-1-baseline), started with it, " +
				"shows no sign of the same excess against them in latency (p = 0.05)"},
		{"pods of its age show it too", S, F, []string{"latency"}, map[string]float64{"latency": 0.049}, false, S, ""},
		{"one metric explained, one not", S, F, []string{"error-ratio", "latency"}, map[string]float64{"error-ratio": 0.001, "latency": 0.6}, false, F,
			"Failed: the canary fails against the stable pods (7c9d5b6f4d), and the baseline (web-6d4f9c7b8-2-1-baseline), started with it, " +
				"shows no sign of the same excess against them in latency (p = 0.6)"},
		{"both explained", I, F, []string{"error-ratio", "latency"}, map[string]float64{"error-ratio": 0.001, "latency": 0.01}, false, I, ""},
		{"no p-value in the age check", S, F, []string{"latency"}, map[string]float64{}, false, S, ""},
		{"the age check could not be made", S, F, []string{"latency"}, nil, true, S, ""},
		{"inconclusive against the stable pods", S, I, nil, map[string]float64{"latency": 0.9}, false, S, ""},
		{"failed against both", F, F, []string{"latency"}, map[string]float64{"latency": 0.001}, false, F,
			"Failed against both references"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := judged(wire.AgainstBaseline, c.base, 70)
			if c.base == F {
				b = judged(wire.AgainstBaseline, c.base, 70, "latency")
			}
			s := judged(wire.AgainstStable, c.stable, 60, c.failed...)
			for _, m := range c.failed {
				withTests(s, m, map[string]float64{"level": 1e-5, "trend": 0.5}, "level")
			}
			age := outcome{resp: ageJudged(c.age)}
			if c.ageErr {
				age = outcome{err: errors.New("age check: no data")}
			}
			got, err := combine(bothTarget, outcome{resp: b}, outcome{resp: s}, age)
			if err != nil {
				t.Fatal(err)
			}
			if got.Verdict != c.want {
				t.Errorf("verdict %s, want %s (reason %q)", got.Verdict, c.want, got.Reason)
			}
			score := 70.0 // the larger, or the stable pods' when the age check decides
			if c.base != F && c.want == F {
				score = 60
			}
			if got.Score != score {
				t.Errorf("score %g, want %g", got.Score, score)
			}
			first := c.first
			if first == "" {
				first = bothReason(bothTarget, IntersectionUnion(c.base, c.stable), b, s)
				first = first[:strings.Index(first, " Against the baseline:")]
			}
			if !strings.HasPrefix(got.Reason, first) {
				t.Errorf("reason %q\nwant it to begin %q", got.Reason, first)
			}
			wantRefs := 3
			if c.ageErr {
				wantRefs = 2
			}
			if len(got.References) != wantRefs {
				t.Fatalf("%d references, want %d", len(got.References), wantRefs)
			}
			if wantRefs == 3 && (got.References[2].Against != wire.AgeCheck || got.References[2].Target != bothTarget.BaselineAgainstStable()) {
				t.Errorf("third reference %+v, want the age check", got.References[2])
			}
		})
	}
}

// TestAgeP: the age check's p-value is that of the tests that failed the
// canary, by name, the smallest of them; the metric's own without
// evidence; NaN when none of those tests has one.
func TestAgeP(t *testing.T) {
	t.Parallel()
	nan := math.NaN()
	for _, c := range []struct {
		name   string
		sig    []string
		age    map[string]float64
		ageOwn float64
		noEv   bool
		want   float64
	}{
		{"the level", []string{"level"}, map[string]float64{"level": 0.3, "trend": 0.001}, 0.001, false, 0.3},
		{"the trend", []string{"trend"}, map[string]float64{"level": 0.001, "trend": 0.7}, 0.001, false, 0.7},
		{"both: the smaller", []string{"level", "trend"}, map[string]float64{"level": 0.4, "trend": 0.02}, 0.5, false, 0.02},
		{"not tested there", []string{"trend"}, map[string]float64{"level": 0.4}, 0.4, false, nan},
		{"no significant test: the metric's", nil, map[string]float64{"level": 0.4}, 0.3, false, 0.3},
		{"no evidence: the metric's", []string{"level"}, nil, 0.8, true, 0.8},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := judged(wire.AgainstStable, F, 0, "latency")
			withTests(s, "latency", map[string]float64{"level": 1e-6, "trend": 1e-6}, c.sig...)
			a := judged(wire.AgainstStable, S, 0)
			withTests(a, "latency", c.age)
			metricNamed(a.Metrics, "latency").PValue = wire.Float(c.ageOwn)
			if c.noEv {
				metricNamed(s.Metrics, "latency").Evidence = nil
			}
			got := ageP(metricNamed(s.Metrics, "latency"), metricNamed(a.Metrics, "latency"))
			if !(got == c.want || math.IsNaN(got) && math.IsNaN(c.want)) {
				t.Errorf("p %g, want %g", got, c.want)
			}
		})
	}
}
