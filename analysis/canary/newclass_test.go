package canary

import (
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"

	"github.com/canary-analyzer/canary-analyzer/analysis"
)

// TestNewErrorClassUsesTheWholeWindow: the stable pods answered no error
// in 30 minutes of 900 requests a minute, and the canary answers 2 in its
// 1,000 requests of the last 10. Time-matched, the canary's share of the
// exposure is 1000/(1000 + 9000) and p = 0.0103 (R: pbeta(theta, 2/phi, 1)
// with theta = 0.1 and phi = 1 + 2*theta*(1-theta)*0.15^2*(1 + 1/3)),
// above the look's level 0.002; against all the stable pods' exposure the
// share is 1000/(1000 + 27000) and the canary's two errors are a new
// class of events.
func TestNewErrorClassUsesTheWholeWindow(t *testing.T) {
	t.Parallel()
	n, start := 30, 20
	canaryEv, canaryTr := make([]float64, n), make([]float64, n)
	for i := range n {
		canaryEv[i], canaryTr[i] = math.NaN(), math.NaN()
		if i >= start {
			canaryEv[i], canaryTr[i] = 0, 100
		}
	}
	canaryEv[24], canaryEv[27] = 1, 1
	var sev, str [][]float64
	for range 3 {
		sev = append(sev, make([]float64, n))
		tr := make([]float64, n)
		for i := range tr {
			tr[i] = 300
		}
		str = append(str, tr)
	}
	m := analysis.Metric{Name: "errors", Kind: analysis.KindRatio, Direction: analysis.Increase, Max: math.NaN(), Min: math.NaN()}
	d := analysis.Data{CanaryCounts: countRows("c-", [][]float64{canaryEv}, [][]float64{canaryTr}), StableCounts: countRows("s-", sev, str)}
	s := judgeSettings()
	s.Warmup = 0
	res := New().judgeMetric(m, d, s)
	if res.Classification != analysis.High {
		t.Fatalf("classification %s (%s), want High", res.Classification, res.Reason)
	}
	var level *analysis.TestEvidence
	for i := range res.Evidence.Tests {
		if res.Evidence.Tests[i].Name == "level" {
			level = &res.Evidence.Tests[i]
		}
	}
	if level == nil {
		t.Fatal("no level test")
	}
	// R 4.x: theta <- 1000/(1000 + 27000);
	// phi <- 1 + 2*theta*(1 - theta)*0.15^2*(1 + 1/3);
	// pbeta(theta, 2/phi, 0/phi + 1) (binom.test(2, 2, theta, "greater") at phi = 1).
	const wantP, wantPhi = 0.0012931598345374271, 1.002066326530612228
	if !scalar.EqualWithinAbsOrRel(level.PValue, wantP, 1e-12, 1e-10) {
		t.Errorf("level p = %.17g; R gives %.17g", level.PValue, wantP)
	}
	if got := res.Evidence.Noise.Dispersion; !scalar.EqualWithinAbsOrRel(got, wantPhi, 1e-12, 1e-12) {
		t.Errorf("dispersion = %.17g; R gives %.17g", got, wantPhi)
	}
	for _, want := range []string{"canary 0.20% (2 of 1,000) vs stable 0% (0 of 9,000) (0% (0 of 27,000) in the whole window)",
		"expected at the stable pods' ratio over the whole window"} {
		if !strings.Contains(level.Text, want) {
			t.Errorf("level text %q lacks %q", level.Text, want)
		}
	}

	// One stable error, at the start of the window, and the time-matched
	// test stands: its p-value is above the level.
	sev[0][2] = 1
	d.StableCounts = countRows("s-", sev, str)
	res = New().judgeMetric(m, d, s)
	if res.Classification == analysis.High {
		t.Errorf("with a stable error before the canary: %s (%s), want the time-matched test's verdict", res.Classification, res.Reason)
	}
}
