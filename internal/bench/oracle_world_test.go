package bench

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/canary-analyzer/canary-analyzer/analysisrun"
	"github.com/canary-analyzer/canary-analyzer/internal/scenario"
)

// worldTruth returns the truth of a misfit family's instance as the
// oracles read it: an 11-minute canary that served requests beside one
// stable pod, with the given pod and node spreads and the SciPy values'
// knobs below.
func worldTruth(t *testing.T, family string, pod, node float64, requests int64) scenario.Truth {
	t.Helper()
	f, ok := scenario.LookupFamily(family)
	if !ok || !f.Misfit() {
		t.Fatalf("no misfit family %s", family)
	}
	s := f.Scenario(1)
	s.CanaryAge, s.ReadyDelay = 11*time.Minute, 10*time.Second
	s.PodSpread, s.World.NodeSpread, s.World.ResidualSpread = pod, node, 0.04
	s.ErrorRatio, s.PodErrorSpread = 0.003, 0.15
	s.CPUBaseline, s.CPUPerRequest = 0.02, 0.004
	tr := scenario.Truth{Name: s.Name, Healthy: s.Healthy, Scenario: s, Effects: s.Effects, Seed: 1,
		CanaryStart: time.Unix(0, 0), World: &scenario.WorldTruth{Nodes: 3, MeanLatencyRatio: 1.5}}
	// As a result file of a run before World.LatencySpread has it: the
	// pod spread, which the oracle must not take for a World's.
	tr.Spread.LatencyPodSigma = pod
	tr.Spread.ErrorPodSigma = s.PodErrorSpread
	tr.Spread.CPUPodSigma = s.CPUSpread
	tr.Pods = []scenario.PodTruth{{Canary: true, Requests: requests}, {Requests: 4000}}
	return tr
}

func TestBestPossibleWorld(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		family    string
		pod, node float64
		requests  int64
		alpha     float64
		want, tol float64
	}{
		// SciPy: node = ns/2; own = sqrt(max(ps**2 - node**2, ps**2/4));
		// s = sqrt(node**2 + own**2) (0.10307764064044153);
		// norm.cdf(log(1.5)/s - norm.ppf(1 - a)) with ps 0.05, ns 0.2.
		{"latency x1.5, node spread above the pod spread", "world-latency-50", 0.05, 0.2, 1100, 0.01, 0.9459992951351154, 1e-12},
		{"latency x1.5 at a metric's share of alpha", "world-latency-50", 0.05, 0.2, 1100, 0.0025, 0.8700347831789377, 1e-12},
		// SciPy: the same with ps 0.08, ns 0.25 (s 0.13124404748406687)
		// and f 1.6, the cache misses' factor (at the mean ratio 1.5 it
		// would be 0.7772832722630943).
		{"cache misses x1.6", "bimodal-slow-dynamic", 0.08, 0.25, 1100, 0.01, 0.8952233282309083, 1e-12},
		// /usr/bin/python3 internal/bench/testdata/poisson_mixture_power.py
		// 3 1 10 0.15 0.01 (and 0.0045): 1000 of the canary's 1100 requests
		// by 10 of 11 minutes at 0.3% 5xx and 1% more, error factor σ 0.15;
		// SciPy's quad against the oracle's 121-point grid: they agree to
		// 4e-9.
		{"1% more 5xx", "scrape-gaps-errors-new", 0.06, 0.08, 1100, 0.01, 0.9193289430971474, 1e-7},
		{"1% more 5xx at a metric's share of alpha", "scrape-gaps-errors-new", 0.06, 0.08, 1100, 0.0045, 0.8793859642667474, 1e-7},
		// /usr/bin/python3 internal/bench/testdata/world_cpu_power.py 0.02
		// 0.004 4 2 0.04 0.1 0.01: 2600 requests over 650 s of serving
		// (4 req/s), CPU per request x2, node spread 0.1, residual 0.04:
		// 0.8865591252937179 (a numpy Monte Carlo of 4e6 draws a side gives
		// 0.886464). The oracle's Monte Carlo of 20,000 draws a side has a
		// mean of 0.8874 and a standard deviation of 0.0054 over seeds 0-399
		// (measured); 0.022 is four of it.
		{"CPU x2 per request, linear and unlimited", "heavy-canary-cpu-x2", 0.06, 0.1, 2600, 0.01, 0.8865591252937179, 0.022},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got := BestPossible(worldTruth(t, c.family, c.pod, c.node, c.requests), DetectBy, c.alpha)
			if !(math.Abs(got-c.want) <= c.tol) {
				t.Errorf("%s at α %g: %.17g, SciPy gives %.17g (tolerance %g)", c.family, c.alpha, got, c.want, c.tol)
			}
		})
	}
}

// TestWorldCPUSize checks that the World's CPU test rejects a healthy
// canary at its level: over seeds 0-399 the Monte Carlo's size has a mean
// of 0.0101 and a standard deviation of 0.0010 (measured), so 0.004 is four
// of it.
func TestWorldCPUSize(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ rate, node float64 }{{0.5, 0.05}, {4, 0.1}, {40, 0.25}} {
		if got := cpuLevelPower(0.02, 0.004, c.rate, 1, 0.04, c.node, 0.01, 3); math.Abs(got-0.01) > 0.004 {
			t.Errorf("rate %g, node spread %g: size %g, want about 0.01", c.rate, c.node, got)
		}
	}
}

// TestWorldOracleNaN checks that no oracle answers a World instance with
// the base model's physics: what BestPossible does not model in a World is
// NaN, and the data bounds model restarts only.
func TestWorldOracleNaN(t *testing.T) {
	t.Parallel()
	with := func(family string, change func(*scenario.Truth)) scenario.Truth {
		tr := worldTruth(t, family, 0.06, 0.08, 1100)
		change(&tr)
		return tr
	}
	same := func(*scenario.Truth) {}
	t.Run("BestPossible", func(t *testing.T) {
		for name, tr := range map[string]scenario.Truth{
			"healthy world":                   with("world", same),
			"CPU x2 under a limit":            with("cpu-nonlinear-cpu-x2", same),
			"CPU x2 on a power law, no limit": with("cpu-nonlinear-cpu-x2", func(tr *scenario.Truth) { tr.Scenario.World.CPU.LimitFactor = 0 }),
			"CPU x2 linear, under a limit": with("heavy-canary-cpu-x2", func(tr *scenario.Truth) {
				tr.Scenario.World.CPU.LimitFactor = 3
			}),
			"404 burst": with("world", func(tr *scenario.Truth) {
				tr.Effects.NotFoundBurstRatio, tr.Effects.NotFoundBurstStart, tr.Effects.NotFoundBurstDuration = 0.2, 2*time.Minute, 6*time.Minute
			}),
			"memory leak": with("world", func(tr *scenario.Truth) { tr.Effects.MemoryLeakMBPerMinute = 10 }),
		} {
			if got := BestPossible(tr, DetectBy, OracleAlpha); !math.IsNaN(got) {
				t.Errorf("%s: %g, want NaN", name, got)
			}
		}
	})
	t.Run("the data bounds", func(t *testing.T) {
		for _, family := range []string{"world-latency-50", "bimodal-slow-dynamic", "scrape-gaps-errors-new", "heavy-canary-cpu-x2"} {
			tr := worldTruth(t, family, 0.06, 0.08, 2600)
			if math.IsNaN(BestPossible(tr, DetectBy, OracleAlpha)) {
				t.Errorf("%s: BestPossible NaN", family)
			}
			for name, got := range map[string]float64{
				"BestWithData":            BestWithData(tr, DetectBy, 6*time.Minute, 0.001),
				"BestWithDataTogether":    BestWithDataTogether(tr, DetectBy, 6*time.Minute, 0.001),
				"BestPossibleWithoutIdle": BestPossibleWithoutIdle(tr, OracleAlpha),
			} {
				if !math.IsNaN(got) {
					t.Errorf("%s: %s %g, want NaN", family, name, got)
				}
			}
		}
	})
	t.Run("a restart is proof in any world", func(t *testing.T) {
		tr := with("restart-once", func(tr *scenario.Truth) {
			tr.CanaryRestarts = []time.Time{tr.CanaryStart.Add(5 * time.Minute)}
		})
		if p, d := BestPossible(tr, DetectBy, OracleAlpha), BestWithData(tr, DetectBy, 6*time.Minute, 0.001); p != 1 || d != 1 {
			t.Errorf("BestPossible %g, BestWithData %g, want 1", p, d)
		}
	})
}

// TestSummarizeWorld checks the table's oracle columns for misfit families:
// the best possible where BestPossible models the World, `-` elsewhere.
func TestSummarizeWorld(t *testing.T) {
	t.Parallel()
	var results []Result
	for i, family := range []string{"world-latency-50", "cpu-nonlinear-cpu-x2", "heavy-canary-cpu-x2"} {
		tr := worldTruth(t, family, 0.05, 0.2, 2600)
		tr.Namespace = fmt.Sprintf("ns-%d", i)
		results = append(results, Result{Truth: tr, Judge: JudgeOurs, Run: analysisrun.Run{Phase: analysisrun.PhaseSuccessful}})
	}
	rows := Summarize(results, analysisrun.Limits{}, Budget{Share: map[string]float64{"latency": 0.25, "cpu": 0.1}})
	got := map[string]Row{}
	for _, r := range rows {
		got[r.Family] = r
	}
	// The SciPy value of TestBestPossibleWorld's first case.
	if r := got["world-latency-50"]; !(math.Abs(r.BestPossible-0.9459992951351154) < 1e-12) || !(r.BestAtShare < r.BestPossible) {
		t.Errorf("world-latency-50: best possible %g, at the metric's share %g", r.BestPossible, r.BestAtShare)
	}
	if r := got["cpu-nonlinear-cpu-x2"]; !math.IsNaN(r.BestPossible) || !math.IsNaN(r.BestAtShare) {
		t.Errorf("cpu-nonlinear-cpu-x2: best possible %g, at the metric's share %g, want NaN", r.BestPossible, r.BestAtShare)
	}
	if r := got["heavy-canary-cpu-x2"]; math.IsNaN(r.BestPossible) || !math.IsNaN(r.BestTogether) || !math.IsNaN(r.BestWithoutIdle) || !math.IsNaN(r.BestWithData) {
		t.Errorf("heavy-canary-cpu-x2: best possible %g, together %g, without idle %g, with data %g", r.BestPossible, r.BestTogether, r.BestWithoutIdle, r.BestWithData)
	}
}

// TestTotalsSayWhatEachBoundCovers checks the totals' best-possible cell:
// one count of the runs covered when every bound covers the same ones (as
// on the base families), a count per bound when they differ (as on the
// misfit families, where the data bound models restarts only).
func TestTotalsSayWhatEachBoundCovers(t *testing.T) {
	t.Parallel()
	nan := math.NaN()
	row := func(family string, best, share, data float64) Row {
		return Row{Family: family, Class: ClassLarge, Judges: map[string]*Stats{JudgeOurs: {Runs: 4}},
			BestPossible: best, BestAtShare: share, BestWithData: data, BestTogether: nan, BestWithoutIdle: nan}
	}
	cases := []struct {
		name string
		rows []Row
		want string
	}{
		{"the same runs", []Row{row("a", 1, 0.9, 0.8), row("b", 0.5, 0.4, 0.3), row("c", nan, nan, nan)},
			"| 75%; at the metrics' shares of α: 65%; with the judge's levels and data: 55% (the 8 of 12 runs whose family has an oracle) |"},
		{"different runs", []Row{row("a", 1, 1, 1), row("b", 0.5, 0.4, nan), row("c", nan, nan, nan)},
			"| 75% (the 8 of 12 runs whose family has an oracle); at the metrics' shares of α: 70%; with the judge's levels and data: 100% (the 4 runs whose family it models) |"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			writeTotals(&buf, c.rows)
			if !strings.Contains(buf.String(), c.want) {
				t.Errorf("totals lack %q:\n%s", c.want, buf.String())
			}
		})
	}
}
