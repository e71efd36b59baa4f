package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/analysisrun"
	"github.com/canary-analyzer/canary-analyzer/internal/promtest"
	"github.com/canary-analyzer/canary-analyzer/internal/scenario"
	"github.com/canary-analyzer/canary-analyzer/replay"
	"github.com/canary-analyzer/canary-analyzer/rules"
)

// replayData generates the e2e Prometheus data: the walking skeleton's
// healthy and regressed canaries, and a crash-looping one, each in its own
// namespace.
func replayData(t *testing.T) ([]scenario.Truth, *promtest.Server) {
	t.Helper()
	healthy, regressed := scenario.E2EScenarios()
	crash, _ := scenario.LookupFamily("crash-loop")
	cs := crash.Scenario(7)
	cs.Namespace = "e2e-crash-loop"
	var om bytes.Buffer
	truths, err := scenario.GenerateMany(&om, []scenario.Instance{{Scenario: healthy, Seed: 101}, {Scenario: regressed, Seed: 102}, {Scenario: cs, Seed: 7}})
	if err != nil {
		t.Fatal(err)
	}
	return truths, promtest.Start(t, &om)
}

// runReplayJSON runs the command with --output json and decodes its report.
func runReplayJSON(t *testing.T, args []string) (*replay.Report, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	if code := runReplay(append(args, "--output", "json"), &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	var rep replay.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("decoding the report: %v\n%s", err, out.String())
	}
	return &rep, errOut.String()
}

// TestReplay replays the e2e Prometheus's three rollouts with the shipped
// rule set and template: each is found with its hashes and start, judged
// at Argo's looks, and ends as its truth says; a candidate rule set is
// compared with it; and A/A runs judge stable pods as canaries.
func TestReplay(t *testing.T) {
	truths, prom := replayData(t)
	end := truths[0].End
	args := []string{"--prometheus.url", prom.URL, "--rules", "../../deploy/base/rules/http-service.yaml",
		"--from", end.Add(-2 * time.Hour).Format(time.RFC3339), "--to", end.Format(time.RFC3339)}
	for _, tr := range truths {
		args = append(args, "--namespace", tr.Namespace)
	}
	limits, err := analysisrun.ReadLimits("../../deploy/analysis/cluster-analysis-template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rep, progress := runReplayJSON(t, args)

	t.Run("rollouts", func(t *testing.T) {
		want := map[string]struct {
			phase    analysisrun.Phase
			detected string // a metric that must fail at the deciding look
		}{
			"e2e-healthy":    {analysisrun.PhaseSuccessful, ""},
			"e2e-regressed":  {analysisrun.PhaseFailed, "error-ratio"},
			"e2e-crash-loop": {analysisrun.PhaseFailed, "restarts"},
		}
		if len(rep.Rollouts) != len(truths) {
			t.Fatalf("found %d rollouts, want %d: %+v", len(rep.Rollouts), len(truths), rep.Rollouts)
		}
		for _, tr := range truths {
			var got *replay.RolloutRuns
			for i := range rep.Rollouts {
				if rep.Rollouts[i].Namespace == tr.Namespace {
					got = &rep.Rollouts[i]
				}
			}
			if got == nil {
				t.Errorf("%s: not found", tr.Namespace)
				continue
			}
			if got.CanaryHash != tr.CanaryHash || got.StableHash != tr.StableHash || got.Rollout.Rollout != tr.Rollout ||
				got.StablePods != len(tr.StablePods) || got.History != replay.Running {
				t.Errorf("%s: found %+v, want canary %s, stable %s with %d pods, running", tr.Namespace, got.Rollout, tr.CanaryHash, tr.StableHash, len(tr.StablePods))
			}
			// The canary's first sample of the presence query (requests) is
			// its first scrape after it began serving.
			if lag := got.Start.Sub(tr.FirstSample); lag < 0 || lag > tr.Interval {
				t.Errorf("%s: start %s, first sample %s", tr.Namespace, got.Start, tr.FirstSample)
			}
			run := got.Runs[0]
			w := want[tr.Namespace]
			if run.Phase != w.phase || run.Incomplete || run.Errors != 0 {
				t.Errorf("%s: %s (incomplete %v, %d errors), want %s", tr.Namespace, run.Phase, run.Incomplete, run.Errors, w.phase)
			}
			for i, l := range run.Looks {
				if wantEnd := got.Start.Add(limits.Ages()[i]); !l.End.Equal(wantEnd) || l.Look != i+1 {
					t.Errorf("%s: look %d at %s, want look %d at %s", tr.Namespace, l.Look, l.End, i+1, wantEnd)
				}
			}
			if run.Phase == analysisrun.PhaseSuccessful && len(run.Looks) != limits.Count {
				t.Errorf("%s: Successful after %d looks, want %d", tr.Namespace, len(run.Looks), limits.Count)
			}
			for _, m := range run.Metrics {
				if m.Name == w.detected && (m.DetectedAt != run.DecidedAt || !m.Detected.Failing() || len(m.Tests) == 0) {
					t.Errorf("%s: %s detected at look %d (%s, tests %v), the run ended at look %d", tr.Namespace, m.Name, m.DetectedAt, m.Detected, m.Tests, run.DecidedAt)
				}
				if w.detected == "" && m.Failing() {
					t.Errorf("%s: %s failed at look %d in a healthy canary", tr.Namespace, m.Name, m.DetectedAt)
				}
			}
		}
		s := rep.Summaries[0]
		if s.All.Runs != 3 || s.All.Failed != 2 || s.All.Successful != 1 {
			t.Errorf("summary %+v", s.All)
		}
		if strings.Count(progress, "replay: ") != 3 {
			t.Errorf("progress on stderr: %q", progress)
		}
	})

	t.Run("text", func(t *testing.T) {
		var out, errOut bytes.Buffer
		if code := runReplay(args, &out, &errOut); code != 0 {
			t.Fatalf("exit %d: %s", code, errOut.String())
		}
		text := out.String()
		for _, want := range []string{"ROLLOUT", "e2e-regressed/web", "Failed at look 1", "Successful at look 4",
			"error-ratio", "look 1 (High)", "level p=", " < ", " ≥ ", "restarts"} {
			if !strings.Contains(text, want) {
				t.Errorf("the table lacks %q:\n%s", want, text)
			}
		}
		if strings.Contains(text, "NaN") || strings.Contains(text, "Inf") {
			t.Errorf("NaN or Inf in the table:\n%s", text)
		}
		t.Logf("analyzer replay %s\n%s", strings.Join(args, " "), text) // the README's sample
	})

	// A candidate that spends 20 times the false-alarm budget.
	cand := filepath.Join(t.TempDir(), "candidate.yaml")
	b, err := os.ReadFile("../../deploy/base/rules/http-service.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cand, []byte(strings.Replace(string(b), "\nalpha: 0.01 ", "\nalpha: 0.2 ", 1)), 0o644); err != nil {
		t.Fatal(err)
	}

	t.Run("compare", func(t *testing.T) {
		written := filepath.Join(t.TempDir(), "measured.yaml")
		rep, progress := runReplayJSON(t, append(args, "--rules", cand, "--write-rules", written))
		// --write-rules writes the current rule set (the first), here
		// unchanged: three rollouts measure too few degrees of freedom.
		rs, err := rules.LoadFile(written, "")
		if err != nil || rs.Alpha != 0.01 || !strings.Contains(progress, "write-rules: latency: podSpread 0.066, left: ") {
			t.Errorf("--write-rules with two rule sets: alpha %v (%v), progress:\n%s", rs, err, progress)
		}
		c := rep.Comparison
		if c == nil || len(rep.Summaries) != 2 || c.Current != "current" || c.Candidate != "candidate" {
			t.Fatalf("comparison %+v", c)
		}
		// Recount from the runs.
		var regressions, pauses, aborts int
		for _, x := range rep.Rollouts {
			for k, sign := range []int{-1, 1} {
				r := x.Runs[k]
				switch {
				case r.Phase == analysisrun.PhaseFailed && x.History == replay.RolledBack:
					regressions += sign
				case r.Phase == analysisrun.PhaseFailed:
					aborts += sign
				case r.Phase == analysisrun.PhaseInconclusive:
					pauses += sign
				}
			}
		}
		if c.MoreRegressions != regressions || c.MorePauses != pauses || c.MoreAborts != aborts {
			t.Errorf("comparison %+v, recounted %d regressions, %d pauses, %d aborts", c, regressions, pauses, aborts)
		}
		if !strings.HasPrefix(c.Text, "candidate vs current: caught ") {
			t.Errorf("text %q", c.Text)
		}
	})

	t.Run("A/A", func(t *testing.T) {
		const n = 4
		rep, _ := runReplayJSON(t, append(args, "--aa", "4", "--seed", "3"))
		if len(rep.Pretend) != n || len(rep.Rollouts) != 0 {
			t.Fatalf("%d A/A runs and %d rollouts, want %d and none", len(rep.Pretend), len(rep.Rollouts), n)
		}
		for _, a := range rep.Pretend {
			var tr *scenario.Truth
			for i := range truths {
				if truths[i].Namespace == a.Namespace {
					tr = &truths[i]
				}
			}
			if tr == nil || a.Hash != tr.StableHash || !contains(tr.StablePods, a.Pod) || a.StablePods != len(tr.StablePods)-1 {
				t.Errorf("A/A run %+v is not a stable pod beside the others", a.Pretend)
				continue
			}
			if a.Start.Before(tr.Start.Add(30*time.Minute)) || a.Start.Add(limits.Ages()[limits.Count-1]).After(tr.End) {
				t.Errorf("A/A run from %s: its looks do not fit the data (%s to %s) after a lookback", a.Start, tr.Start, tr.End)
			}
			// The pretend canary was judged on its own data: its error
			// ratio and, after the warm-up, its latency had enough of it.
			run := a.Runs[0]
			if run.Phase == analysisrun.PhaseFailed || run.Errors > 0 || len(run.Looks) != limits.Count {
				t.Errorf("A/A %s: %s after %d looks (%d errors)", a.Name(), run.Phase, len(run.Looks), run.Errors)
				continue
			}
			for _, m := range run.Looks[limits.Count-1].Metrics {
				if (m.Name == "error-ratio" || m.Name == "latency") && m.Classification != analysis.Pass {
					t.Errorf("A/A %s: %s %s at the last look: %s", a.Name(), m.Name, m.Classification, m.Reason)
				}
			}
		}
		s := rep.Summaries[0]
		if s.All.Runs != n || s.Others.Runs != n || s.FailedUpper95 <= 0 || s.FailedUpper95 >= 1 || len(s.Metrics) != 7 {
			t.Errorf("A/A summary %+v", s)
		}
	})

	t.Run("bad usage", func(t *testing.T) {
		for _, c := range [][]string{
			{"--prometheus.url", prom.URL, "--namespace", "x"},
			{"--prometheus.url", prom.URL, "--rules", cand},
			{"--prometheus.url", prom.URL, "--rules", cand, "--namespace", "x", "--output", "xml"},
			{"--prometheus.url", prom.URL, "--rules", cand, "--namespace", "x", "--rules", cand, "--rules", cand},
			{"--prometheus.url", prom.URL, "--rules", cand, "--namespace", "x", "--from", "yesterday"},
			{"--prometheus.url", prom.URL, "--rules", cand, "--namespace", "x", "--experiment.canary", "baseline"},
			{"--prometheus.url", prom.URL, "--rules", cand, "--namespace", "x", "--experiment.baseline", ""},
			{"--prometheus.url", prom.URL, "--rules", cand, "--namespace", "x", "--write-rules", filepath.Dir(cand) + "/./candidate.yaml"},
			{"--prometheus.url", prom.URL, "--rules", args[3], "--rules", cand, "--namespace", "x", "--write-rules", cand},
		} {
			var out, errOut bytes.Buffer
			if code := runReplay(c, &out, &errOut); code != exitUsage {
				t.Errorf("%v: exit %d, want %d (%s)", c, code, exitUsage, errOut.String())
			}
			if strings.Contains(strings.Join(c, " "), "--write-rules") && !strings.Contains(errOut.String(), "write the measured rule set to a new file") {
				t.Errorf("%v: %s", c, errOut.String())
			}
		}
		var out, errOut bytes.Buffer
		if code := runReplay([]string{"--prometheus.url", prom.URL, "--rules", "no-such-file.yaml", "--namespace", "x"}, &out, &errOut); code != exitError {
			t.Errorf("a missing rule file: exit %d, want %d", code, exitError)
		}
	})
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
