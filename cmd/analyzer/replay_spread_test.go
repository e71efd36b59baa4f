package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/canary-analyzer/canary-analyzer/internal/promtest"
	"github.com/canary-analyzer/canary-analyzer/internal/scenario"
	"github.com/canary-analyzer/canary-analyzer/replay"
	"github.com/canary-analyzer/canary-analyzer/rules"
)

// TestReplaySpread measures the pod spread of two fleets on a real
// Prometheus with A/A runs: one whose healthy pods' latencies differ by
// 15% (the shipped podSpread of 6.6% is too small for it) and one whose
// differ by 2% (it is too large). The measured spread must land near each
// fleet's own and the advice must point the right way; the spread comes
// from the judge's own evidence, so a judge that misreported its stable
// pods' levels or their noise would fail here.
func TestReplaySpread(t *testing.T) {
	fleets := []struct {
		name           string
		spread         float64
		noise          float64 // each pod's AR(1) noise per scrape
		lo, hi         float64 // where the estimate must land
		advice, prefix string
	}{
		{"wide", 0.15, 0.03, 0.10, 0.21, "below the measured spread", "spread-wide"},
		// Noise larger than the spread: the windows' noise must be taken
		// out of the stable pods' levels (without it this fleet reads 4%).
		{"narrow", 0.02, 0.12, 0.01, 0.032, "above the measured spread", "spread-narrow"},
	}
	const perFleet = 6
	var instances []scenario.Instance
	var truths []scenario.Truth
	healthy, _ := scenario.E2EScenarios()
	for fi, f := range fleets {
		for i := range perFleet {
			s := healthy
			s.Namespace = fmt.Sprintf("%s-%d", f.prefix, i)
			s.StableHash, s.CanaryHash = "", "" // each its own ReplicaSets
			s.StablePods = 8
			s.PodSpread = f.spread
			s.ARSigma = f.noise
			instances = append(instances, scenario.Instance{Scenario: s, Seed: uint64(500 + 10*fi + i)})
		}
	}
	var om bytes.Buffer
	truths, err := scenario.GenerateMany(&om, instances)
	if err != nil {
		t.Fatal(err)
	}
	prom := promtest.Start(t, &om)
	end := truths[0].End

	for _, f := range fleets {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			args := []string{"--prometheus.url", prom.URL, "--rules", "../../deploy/base/rules/http-service.yaml",
				"--from", end.Add(-2 * time.Hour).Format(time.RFC3339), "--to", end.Format(time.RFC3339),
				"--aa", "24", "--seed", "1"}
			for i := range perFleet {
				args = append(args, "--namespace", fmt.Sprintf("%s-%d", f.prefix, i))
			}
			written := filepath.Join(t.TempDir(), "measured.yaml")
			rep, progress := runReplayJSON(t, append(args, "--write-rules", written))
			var lat *replay.SpreadEstimate
			for i, e := range rep.Summaries[0].Spreads {
				t.Logf("%s: %s podSpread %.3g, measured %.3g (%.3g-%.3g), df %d over %d ReplicaSets, %d runs: %s",
					f.name, e.Metric, e.Prior, e.Estimate, e.Lower, e.Upper, e.DF, e.Groups, e.Runs, e.Advice)
				if e.Metric == "latency" {
					lat = &rep.Summaries[0].Spreads[i]
				}
			}
			if lat == nil {
				t.Fatal("no latency spread measured")
			}
			if lat.Groups < perFleet-1 || lat.DF < 5*(perFleet-1) {
				t.Errorf("latency: %d ReplicaSets, %d degrees of freedom: the A/A runs missed the fleet's ReplicaSets", lat.Groups, lat.DF)
			}
			if lat.Estimate < f.lo || lat.Estimate > f.hi || !(lat.Lower <= lat.Estimate && lat.Estimate <= lat.Upper) {
				t.Errorf("latency spread %.3g (%.3g-%.3g), generated %.3g: want it in [%.3g, %.3g]", lat.Estimate, lat.Lower, lat.Upper, f.spread, f.lo, f.hi)
			}
			if lat.Prior != 0.066 || !strings.Contains(lat.Advice, f.advice) {
				t.Errorf("latency: prior %.3g, advice %q, want %q", lat.Prior, lat.Advice, f.advice)
			}

			var out bytes.Buffer
			rep.WriteText(&out)
			if !strings.Contains(out.String(), "Pod spread, http-service:") || !strings.Contains(out.String(), f.advice) {
				t.Errorf("the text report lacks the pod spread table:\n%s", out.String())
			}
			if f.name == "wide" {
				t.Logf("analyzer replay %s\n%s", strings.Join(args, " "), out.String()) // the README's sample
			}
			checkWrittenSpreads(t, written, progress, rep.Summaries[0].Spreads)
		})
	}
}

// checkWrittenSpreads checks the rule file --write-rules wrote: latency's
// podSpread, far from the fleet's, is the measured spread rounded up to
// two digits (at most 10% above it, within the interval rounded up), every
// other metric kept its podSpread unless its measured interval left it out
// on enough degrees of freedom, and nothing else changed.
func checkWrittenSpreads(t *testing.T, written, progress string, spreads []replay.SpreadEstimate) {
	t.Helper()
	t.Logf("progress:\n%s", progress)
	shipped, err := rules.LoadFile("../../deploy/base/rules/http-service.yaml", "")
	if err != nil {
		t.Fatal(err)
	}
	got, err := rules.LoadFile(written, "")
	if err != nil {
		t.Fatalf("the written rule file does not load: %v", err)
	}
	if _, err := os.Stat(written + ".tmp"); !os.IsNotExist(err) {
		t.Errorf("%s.tmp left behind (%v)", written, err)
	}
	measured := map[string]replay.SpreadEstimate{}
	for _, e := range spreads {
		measured[e.Metric] = e
	}
	for i, m := range got.Metrics {
		was := shipped.Metrics[i].PodSpread
		e, ok := measured[m.Name]
		outside := ok && e.DF >= replay.MinWriteDF && (e.Prior < e.Lower || e.Prior > e.Upper)
		if m.Name == "latency" && !outside {
			t.Errorf("latency: prior %.3g, measured %.3g (%.3g-%.3g) on %d df: want it replaced", e.Prior, e.Estimate, e.Lower, e.Upper, e.DF)
		}
		// Two significant digits rounded up: above the estimate by less
		// than one unit of the second digit (at most 10%).
		switch {
		case !outside && m.PodSpread != was:
			t.Errorf("%s: podSpread %g written, want %g kept", m.Name, m.PodSpread, was)
		case outside && e.Estimate > 0 && !(e.Estimate <= m.PodSpread && m.PodSpread <= e.Estimate*1.1 && m.PodSpread <= e.Upper*1.1):
			t.Errorf("%s: podSpread %g written, want %.3g (%.3g-%.3g) rounded up to two digits", m.Name, m.PodSpread, e.Estimate, e.Lower, e.Upper)
		case outside && e.Estimate == 0 && !(e.Upper <= m.PodSpread && m.PodSpread <= e.Upper*1.1):
			t.Errorf("%s: podSpread %g written, want the upper bound %.3g rounded up to two digits", m.Name, m.PodSpread, e.Upper)
		case outside && !strings.Contains(progress, fmt.Sprintf("write-rules: %s: podSpread ", m.Name)):
			t.Errorf("%s: no progress line", m.Name)
		}
		m.PodSpread = was
		a, _ := yaml.Marshal(m)
		b, _ := yaml.Marshal(shipped.Metrics[i])
		if string(a) != string(b) {
			t.Errorf("%s: changed in more than its podSpread:\n%s\nwas\n%s", m.Name, a, b)
		}
	}
}
