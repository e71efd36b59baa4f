package replay

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/analysisrun"
	"github.com/canary-analyzer/canary-analyzer/rules"
)

// run is a run that ended in phase, with metric "m" failing or not.
func run(label string, phase analysisrun.Phase, failing bool) Run {
	m := MetricRun{Name: "m", Classifications: []analysis.Classification{analysis.Pass}}
	if failing {
		m.DetectedAt, m.Detected = 1, analysis.High
	}
	return Run{Judge: label, Phase: phase, DecidedAt: 1, Metrics: []MetricRun{m}}
}

// TestCompare counts what a candidate would have done differently: more
// failed rolled-back rollouts are caught regressions, more failed other
// rollouts are aborts.
func TestCompare(t *testing.T) {
	t.Parallel()
	S, F, I := analysisrun.PhaseSuccessful, analysisrun.PhaseFailed, analysisrun.PhaseInconclusive
	rollout := func(h History, cur, cand analysisrun.Phase) RolloutRuns {
		return RolloutRuns{Rollout: Rollout{Namespace: "shop", Rollout: "web", CanaryHash: "x", History: h},
			Runs: []Run{run("current", cur, cur == F), run("candidate", cand, cand == F)}}
	}
	rep := &Report{Rollouts: []RolloutRuns{
		rollout(RolledBack, S, F), // caught
		rollout(RolledBack, I, F), // caught, one pause fewer
		rollout(RolledBack, F, F),
		rollout(Promoted, S, F), // an abort more
		rollout(Promoted, S, I), // a pause more
		rollout(Running, F, S),  // an abort fewer
		rollout(Promoted, S, S),
	}}
	rs := &rules.RuleSet{Metrics: []rules.Metric{{Name: "m"}}}
	rep.Summaries = summarize(rep, []Judge{{Label: "current", RuleSet: rs}, {Label: "candidate", RuleSet: rs}})
	c := compare(rep)
	if c.MoreRegressions != 2 || c.MorePauses != 0 || c.MoreAborts != 0 {
		t.Errorf("comparison %+v", c)
	}
	if len(c.Changed) != 5 {
		t.Errorf("%d changed runs, want 5: %+v", len(c.Changed), c.Changed)
	}
	want := "candidate vs current: caught 2 more regressions, 0 more pauses, 0 more aborts (regressions: Failed runs of the 3 rolled-back rollouts; aborts: Failed runs of the other 4)"
	if c.Text != want {
		t.Errorf("text %q\nwant %q", c.Text, want)
	}
	cur := rep.Summaries[0]
	if cur.All.Runs != 7 || cur.All.Failed != 2 || cur.All.Inconclusive != 1 || cur.RolledBack.Failed != 1 || cur.Others.Failed != 1 {
		t.Errorf("current %+v", cur)
	}
	if m := cur.Metrics[0]; m.Failing != 2 || m.Runs != 7 {
		t.Errorf("metric %+v", m)
	}
	var buf bytes.Buffer
	rep.RuleSets = []RuleSetRef{{Label: "current"}, {Label: "candidate"}}
	rep.Comparison = c
	rep.WriteText(&buf)
	if !strings.Contains(buf.String(), want) || !strings.Contains(buf.String(), "shop/web (x) (rolled back): Successful -> Failed") {
		t.Errorf("text:\n%s", buf.String())
	}
}

// TestFalseAlarmBound checks the A/A bound against R:
// binom.test(0, 20, alternative = "less")$conf.int[2] = 0.1391083 and
// binom.test(2, 40, alternative = "less")$conf.int[2] = 0.1491520 (R 4, printed with digits = 10).
func TestFalseAlarmBound(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		x, n int
		want float64
	}{{0, 20, 0.1391083}, {2, 40, 0.1491520}, {3, 0, 1}} {
		if got := upper95(c.x, c.n); math.Abs(got-c.want) > 1e-6 {
			t.Errorf("upper95(%d, %d) = %.7f, want %.7f", c.x, c.n, got, c.want)
		}
	}
}

func TestMore(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]string{0: "0 more aborts", 1: "1 more abort", 2: "2 more aborts", -1: "1 fewer abort", -3: "3 fewer aborts"} {
		if got := more(n, "abort"); got != want {
			t.Errorf("more(%d) = %q, want %q", n, got, want)
		}
	}
}
