package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/canary-analyzer/canary-analyzer/analysisrun"
	"github.com/canary-analyzer/canary-analyzer/internal/scenario"
	"github.com/canary-analyzer/canary-analyzer/replay"
	"github.com/canary-analyzer/canary-analyzer/request"
)

// TestReplayExperiments replays, on a real Prometheus, namespaces where
// Argo experiments ran (experimentReplayData): each experiment is found as
// one, apart from its rollout's hashes, and judged as the experiment
// template judges it (canaryReplicaSet, stableReplicaSet, stableHash,
// rollout) at its looks; the plain rollouts beside them are found as
// before; and A/A runs never pick an experiment's pod.
func TestReplayExperiments(t *testing.T) {
	cases, prom := experimentReplayData(t)
	end := scenario.DefaultEnd
	args := []string{"--prometheus.url", prom.URL, "--rules", "../../deploy/base/rules/http-service.yaml",
		"--from", end.Add(-2 * time.Hour).Format(time.RFC3339), "--to", end.Format(time.RFC3339)}
	for _, ns := range []string{expRegressedNS, expHealthyNS, expNoBaselineNS, expPlainNS, expMixedNS} {
		args = append(args, "--namespace", ns)
	}
	limits, err := analysisrun.ReadLimits("../../deploy/analysis/cluster-analysis-template-experiment.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rep, _ := runReplayJSON(t, args)
	expPods := map[string]bool{}
	for _, c := range cases {
		expPods[c.CanaryPod] = c.CanaryPod != ""
		for _, p := range c.BaselinePods {
			expPods[p] = true
		}
	}

	t.Run("rollouts", func(t *testing.T) {
		want := map[string]string{ // namespace: "canary<-stable history phase"
			expPlainNS: scenario.E2ECanaryHash + "<-" + scenario.E2EStableHash + " running Failed",
			expMixedNS: scenario.E2ECanaryHash + "<-" + scenario.E2EStableHash + " promoted Successful",
		}
		got := map[string]string{}
		for _, r := range rep.Rollouts {
			got[r.Namespace] = r.CanaryHash + "<-" + r.StableHash + " " + string(r.History) + " " + string(r.Runs[0].Phase)
			for _, p := range r.CanaryPods {
				if expPods[p] {
					t.Errorf("%s: experiment pod %s read as a canary pod", r.Name(), p)
				}
			}
		}
		if len(got) != len(want) || len(rep.Rollouts) != len(want) {
			t.Fatalf("rollouts %v, want %v", got, want)
		}
		for ns, w := range want {
			if got[ns] != w {
				t.Errorf("%s: %s, want %s", ns, got[ns], w)
			}
		}
	})

	t.Run("experiments", func(t *testing.T) {
		type want struct {
			c         expCase
			baseline  int
			phase     analysisrun.Phase // "" for: anything but Successful and Failed
			notFailed bool
		}
		wants := map[string]want{
			expRegressedNS:  {c: cases[expRegressedNS], baseline: 2, phase: analysisrun.PhaseFailed},
			expHealthyNS:    {c: cases[expHealthyNS], baseline: 2, notFailed: true},
			expNoBaselineNS: {c: cases[expNoBaselineNS], baseline: 0},
			expMixedNS:      {c: cases[expMixedNS+"/experiment"], baseline: 2, notFailed: true},
		}
		if len(rep.Experiments) != len(wants) {
			t.Fatalf("%d experiments, want %d: %+v", len(rep.Experiments), len(wants), rep.Experiments)
		}
		for _, x := range rep.Experiments {
			w, ok := wants[x.Namespace]
			if !ok {
				t.Errorf("an experiment in %s", x.Namespace)
				continue
			}
			tr := w.c.Truth
			if x.ExperimentName != w.c.Experiment || x.Rollout != tr.Rollout || x.Hash != w.c.Hash || x.CanaryPods != 1 ||
				x.BaselinePods != w.baseline || x.StableHash != tr.StableHash || x.StablePods != len(tr.StablePods) || x.History != replay.Running {
				t.Errorf("%s: found %+v", x.Namespace, x.Experiment)
			}
			wantTarget := request.Target{Namespace: x.Namespace, Rollout: tr.Rollout, CanaryReplicaSet: w.c.Experiment + "-canary",
				StableReplicaSet: w.c.Experiment + "-baseline", StableHash: tr.StableHash}
			if x.Target != wantTarget || !x.Target.BothReferences() {
				t.Errorf("%s: asked with %+v, want %+v", x.Namespace, x.Target, wantTarget)
			}
			if x.Namespace == expHealthyNS {
				for _, rs := range x.ReplicaSets {
					if !rs.Cut || len(rs.Pods[0]) != 63 {
						t.Errorf("%s: ReplicaSet %+v: its pods' names are cut", x.Namespace, rs)
					}
				}
			}
			if lag := x.Start.Sub(tr.FirstSample); lag < 0 || lag > tr.Interval {
				t.Errorf("%s: start %s, the canary's first sample %s", x.Namespace, x.Start, tr.FirstSample)
			}
			run := x.Runs[0]
			if run.Incomplete || run.NotPlayed != "" || run.Phase == "" {
				t.Errorf("%s: not played to its end: %+v", x.Namespace, run)
				continue
			}
			for i, l := range run.Looks {
				if l.Verdict != "Error" && i < len(limits.Ages()) && !l.End.Equal(x.Start.Add(limits.Ages()[i])) {
					t.Errorf("%s: look %d at %s, want %s", x.Namespace, l.Look, l.End, x.Start.Add(limits.Ages()[i]))
				}
			}
			switch {
			case w.phase != "" && run.Phase != w.phase:
				t.Errorf("%s: %s, want %s", x.Namespace, run.Phase, w.phase)
			case w.notFailed && run.Phase == analysisrun.PhaseFailed:
				t.Errorf("%s: a healthy experiment's canary Failed", x.Namespace)
			case w.phase == "" && !w.notFailed && (run.Phase == analysisrun.PhaseSuccessful || run.Phase == analysisrun.PhaseFailed):
				t.Errorf("%s: %s without baseline pods", x.Namespace, run.Phase)
			}
			if w.baseline == 0 && len(x.Problems) == 0 {
				t.Errorf("%s: no warning about the missing baseline", x.Namespace)
			}
			// The judge was asked with both references: the reasons name
			// the baseline's ReplicaSet and the stable hash.
			if l := run.Looks[0]; l.Verdict != "Error" && (!strings.Contains(l.Reason, x.Target.StableReplicaSet) || !strings.Contains(l.Reason, x.StableHash)) {
				t.Errorf("%s: the first look's reason names neither reference: %s", x.Namespace, l.Reason)
			}
			t.Logf("%s: %s after %d looks: %s", x.Name(), run.Phase, len(run.Looks), run.Looks[len(run.Looks)-1].Reason)
		}
		s := rep.Summaries[0]
		if s.All.Runs != len(rep.Rollouts)+len(rep.Experiments) || s.Experiments.Runs != len(rep.Experiments) {
			t.Errorf("summary %+v", s)
		}
	})

	t.Run("text", func(t *testing.T) {
		var out, errOut bytes.Buffer
		if code := runReplay(args, &out, &errOut); code != 0 {
			t.Fatalf("exit %d: %s", code, errOut.String())
		}
		text := out.String()
		for _, want := range []string{"Argo experiments", "EXPERIMENT", cases[expRegressedNS].Experiment, "cluster-analysis-template-experiment.yaml",
			"against baseline", "warning: no pod of its baseline template", "were experiments'"} {
			if !strings.Contains(text, want) {
				t.Errorf("the report lacks %q:\n%s", want, text)
			}
		}
		t.Logf("analyzer replay %s\n%s", strings.Join(args, " "), text) // the README's sample
	})

	t.Run("compare", func(t *testing.T) {
		rep, _ := runReplayJSON(t, append(args, "--rules", "../../deploy/base/rules/http-service.yaml"))
		if c := rep.Comparison; c == nil || len(c.Changed) != 0 || rep.Summaries[1].Experiments.Runs != len(rep.Experiments) ||
			!strings.Contains(c.Text, "rollouts and experiments") {
			t.Errorf("comparing a rule set with itself: %+v", c)
		}
	})

	t.Run("A/A", func(t *testing.T) {
		rep, _ := runReplayJSON(t, append(args, "--aa", "12", "--seed", "5"))
		if len(rep.Pretend) == 0 || len(rep.Experiments) != 0 {
			t.Fatalf("%d A/A runs, %d experiments", len(rep.Pretend), len(rep.Experiments))
		}
		for _, a := range rep.Pretend {
			if expPods[a.Pod] || strings.Contains(a.Pod, "-canary-") || strings.Contains(a.Pod, "-baseline-") {
				t.Errorf("A/A run on an experiment's pod: %+v", a.Pretend)
			}
		}
	})
}
