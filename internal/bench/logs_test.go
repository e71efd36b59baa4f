package bench

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/canary-analyzer/canary-analyzer/analysisrun"
	"github.com/canary-analyzer/canary-analyzer/internal/longtest"
)

// TestSmallLogBenchmark is the CI-sized log benchmark: a few seeds of a few
// log families judged with the shipped apache-frontend rule set through the
// real API, Loki played by internal/lokitest and the container metrics in a
// real Prometheus. The full table comes from cmd/verdict-bench -logs.
func TestSmallLogBenchmark(t *testing.T) {
	longtest.Skip(t)
	l, err := analysisrun.ReadLimits("../../deploy/analysis/cluster-analysis-template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var fams []LogFamily
	for _, name := range []string{"logs-healthy", "logs-healthy-rare-errors", "logs-healthy-quiet", "logs-new-error"} {
		f, ok := LookupLogFamily(name)
		if !ok {
			t.Fatalf("no log family %s", name)
		}
		fams = append(fams, f)
	}
	const seeds = 2
	results, err := RunLogBenchmark(t.Context(), LogConfig{
		Families: fams, Seeds: seeds, FirstSeed: 1, RuleFile: "../../deploy/base/rules/apache-frontend.yaml",
		Limits: l, Dir: t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := len(fams) * seeds * 2; len(results) != want {
		t.Fatalf("%d results, want %d", len(results), want)
	}
	ages := l.Ages()
	detectable := 0
	for _, r := range results {
		if r.Run.Phase == analysisrun.PhaseError || len(r.Verdicts) != l.Count {
			t.Errorf("%s/%s: run %+v with verdicts %v", r.Truth.Namespace, r.Judge, r.Run, r.Verdicts)
		}
		if r.Judge != JudgeOurs {
			continue
		}
		f, _ := LookupLogFamily(r.Truth.Name)
		switch {
		case r.Truth.Healthy:
			// The seeds are fixed, so the outcomes are deterministic; the
			// full benchmark measures the rates.
			if r.Run.Phase == analysisrun.PhaseFailed {
				t.Errorf("false alarm on %s: %v %v", r.Truth.Namespace, r.Verdicts, r.Reasons)
			}
			if f.Class == ClassHealthy && r.Run.Phase != analysisrun.PhaseSuccessful {
				t.Errorf("healthy %s ended %s: %v %v", r.Truth.Namespace, r.Run.Phase, r.Verdicts, r.Reasons)
			}
		case r.Truth.Name == "logs-new-error":
			// Only a canary that logs the new error often enough by the
			// last look can be required to fail: the generator's expected
			// count, q·Λ, must reach 10 lines (3 are needed, and
			// LogBestPossible is then above 99.99%).
			c := f.Config(r.Truth.Seed, LogWindow{Start: r.Truth.Start, CanaryStart: r.Truth.CanaryStart, End: r.Truth.End})
			p := LogBestPossible(c, ages[len(ages)-1], OracleAlpha)
			if expected := -math.Log((1 - p) / (1 - OracleAlpha)); expected < 10 {
				t.Logf("%s: too little traffic to require detection (%.1f new-error lines expected by the last look)", r.Truth.Namespace, expected)
				continue
			}
			detectable++
			if r.Run.Phase != analysisrun.PhaseFailed {
				t.Errorf("missed %s: %v %v", r.Truth.Namespace, r.Verdicts, r.Reasons)
				continue
			}
			look := r.Run.Looks - 1
			named := false
			for _, m := range r.Metrics[look] {
				if m.Name == "new-errors" && m.Classification == "High" && strings.Contains(m.Reason, "AH01630: client denied by server configuration") {
					named = true
				}
			}
			if !named {
				t.Errorf("%s failed at canary age %v without naming the new signature: %v", r.Truth.Namespace, ages[look], r.Metrics[look])
			}
		}
	}
	if detectable == 0 {
		t.Error("no new-error instance with enough traffic: the test checks nothing; choose other seeds")
	}
	var buf bytes.Buffer
	WriteMarkdown(&buf, SummarizeLogs(results, l, Budget{}))
	if !strings.Contains(buf.String(), "| logs-new-error | large |") || !strings.Contains(buf.String(), "| logs-healthy-quiet | quiet |") {
		t.Errorf("table lacks a row:\n%s", buf.String())
	}
	t.Logf("\n%s", buf.String())
}

// TestLogFamilies checks the families' instances: deterministic, each in
// its own namespace, with the family's change and nothing else.
func TestLogFamilies(t *testing.T) {
	t.Parallel()
	w := LogWindowFor(analysisrun.Limits{InitialDelay: 4 * time.Minute, Interval: 2 * time.Minute, Count: 4}, 30*time.Minute)
	if !w.Start.Equal(LogCanaryStart.Add(-27*time.Minute)) || !w.End.Equal(LogCanaryStart.Add(11*time.Minute)) {
		t.Errorf("window %+v", w)
	}
	seen := map[string]bool{}
	base, _ := LookupLogFamily("logs-healthy")
	for _, f := range LogFamilies() {
		t.Run(f.Name, func(t *testing.T) {
			for seed := uint64(1); seed <= 20; seed++ {
				c := f.Config(seed, w)
				if seen[c.Namespace] {
					t.Fatalf("namespace %s twice", c.Namespace)
				}
				seen[c.Namespace] = true
				if len(c.Namespace) > 63 || c.CanaryHash == c.StableHash || len(c.CanaryHash) != 10 {
					t.Errorf("names %s %s %s", c.Namespace, c.CanaryHash, c.StableHash)
				}
				if c.StablePods < 3 || c.StablePods > 8 || len(c.StableRequestRates) != c.StablePods {
					t.Errorf("%d stable pods, rates %v", c.StablePods, c.StableRequestRates)
				}
				total := c.CanaryRequestRate
				for _, r := range c.StableRequestRates {
					total += r
				}
				if share := c.CanaryRequestRate / total; share < 0.05 || share > 0.3 {
					t.Errorf("canary share %.3f", share)
				}
				// Same seed, same nuisance: only the family's knobs differ
				// from the plain family's.
				b := base.Config(seed, w)
				if c.StablePods != b.StablePods || c.Variation.LatencySigma != b.Variation.LatencySigma || c.CanaryHash != b.CanaryHash {
					t.Errorf("seed %d: nuisance differs from logs-healthy", seed)
				}
				regressed := c.Canary.NewErrorRate > 0 || c.Canary.NotFoundRate > 0 || c.Canary.ServerErrorFactor > 1 || c.Canary.Slowdown > 1
				if regressed == f.Healthy {
					t.Errorf("seed %d: healthy %v but regression %+v", seed, f.Healthy, c.Canary)
				}
			}
			if _, ok := LookupLogFamily(f.Name); !ok {
				t.Error("LookupLogFamily does not find it")
			}
		})
	}
}

// TestQuietCanaryWithoutRequests: a canary of a quiet frontend that has
// served no user request by the first look (only the kubelet's probes are
// in its access log) is not judged on its error log: new-errors is
// NotEnoughData, not NoData, and the run is not Failed. The full log
// benchmark found this instance Failed ("critical metric new-errors had no
// data") before the signatures kind told the two apart.
func TestQuietCanaryWithoutRequests(t *testing.T) {
	if testing.Short() {
		t.Skip("needs a real Prometheus; skipped with -short")
	}
	l, err := analysisrun.ReadLimits("../../deploy/analysis/cluster-analysis-template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	f, ok := LookupLogFamily("logs-healthy-quiet")
	if !ok {
		t.Fatal("no family logs-healthy-quiet")
	}
	results, err := RunLogBenchmark(t.Context(), LogConfig{
		Families: []LogFamily{f}, Seeds: 1, FirstSeed: 76, RuleFile: "../../deploy/base/rules/apache-frontend.yaml",
		Limits: l, Dir: t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if r.Judge != JudgeOurs {
			continue
		}
		if r.Run.Phase == analysisrun.PhaseFailed {
			t.Errorf("quiet canary Failed: %v %v", r.Verdicts, r.Reasons)
		}
		found := false
		for _, m := range r.Metrics[0] {
			if m.Name == "new-errors" {
				found = true
				if m.Classification != "NotEnoughData" || !strings.Contains(m.Reason, "served no requests") {
					t.Errorf("new-errors at the first look: %s (%s), want NotEnoughData because the canary served no requests", m.Classification, m.Reason)
				}
			}
		}
		if !found {
			t.Errorf("no new-errors metric at the first look: %+v", r.Metrics[0])
		}
	}
}
