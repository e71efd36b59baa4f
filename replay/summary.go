package replay

import (
	"fmt"

	"github.com/canary-analyzer/canary-analyzer/analysis/stats"
	"github.com/canary-analyzer/canary-analyzer/analysisrun"
)

// Phases counts runs by outcome.
type Phases struct {
	Runs         int `json:"runs"`
	Successful   int `json:"successful"`
	Inconclusive int `json:"inconclusive"`
	Failed       int `json:"failed"`
	Error        int `json:"error"`
	// Incomplete runs needed a look in the future.
	Incomplete int `json:"incomplete"`
	// NotPlayed counts the experiments that could not be replayed.
	NotPlayed int `json:"notPlayed,omitempty"`
}

func (p *Phases) add(r Run) {
	p.Runs++
	switch {
	case r.NotPlayed != "":
		p.NotPlayed++
	case r.Incomplete || r.Phase == "":
		p.Incomplete++
	case r.Phase == analysisrun.PhaseSuccessful:
		p.Successful++
	case r.Phase == analysisrun.PhaseInconclusive:
		p.Inconclusive++
	case r.Phase == analysisrun.PhaseFailed:
		p.Failed++
	default:
		p.Error++
	}
}

// Summary counts one rule set's outcomes.
type Summary struct {
	Judge string `json:"judge"`
	// All counts every run, of rollouts and experiments; RolledBack the
	// rollouts whose canary went away while the stable pods stayed, and
	// the experiments whose rollout's new hash did not serve after them
	// while the stable pods stayed (the likely regressions); Others the
	// rest (promoted, running, unknown, and every A/A run). Experiments
	// counts the experiments' runs alone.
	All         Phases `json:"all"`
	RolledBack  Phases `json:"rolledBack"`
	Others      Phases `json:"others"`
	Experiments Phases `json:"experiments"`
	// FailedUpper95 is the one-sided 95% Clopper-Pearson upper bound of
	// the share of Others that Failed: on A/A runs, the false-alarm rate.
	FailedUpper95 float64 `json:"failedUpper95"`
	// Metrics counts, per metric, the runs in which it failed at a look.
	Metrics []MetricCount `json:"metrics"`
	// Spreads measure each value metric's spread between the stable pods
	// the runs were judged against, beside its podSpread.
	Spreads []SpreadEstimate `json:"spreads,omitempty"`
}

// MetricCount is how often one metric failed (High or Low) in a run.
type MetricCount struct {
	Name    string `json:"name"`
	Runs    int    `json:"runs"`
	Failing int    `json:"failing"`
	// Upper95 bounds the share of runs it failed in (95%, one-sided).
	Upper95 float64 `json:"upper95"`
}

// runs returns every item's run of judge k, with whether its rollout was
// rolled back and whether it is an experiment's.
func (r *Report) runs(k int) (out []Run, rolledBack, experiment []bool) {
	for _, x := range r.Rollouts {
		out = append(out, x.Runs[k])
		rolledBack = append(rolledBack, x.History == RolledBack)
		experiment = append(experiment, false)
	}
	for _, x := range r.Experiments {
		out = append(out, x.Runs[k])
		rolledBack = append(rolledBack, x.History == RolledBack)
		experiment = append(experiment, true)
	}
	for _, x := range r.Pretend {
		out = append(out, x.Runs[k])
		rolledBack = append(rolledBack, false)
		experiment = append(experiment, false)
	}
	return out, rolledBack, experiment
}

func summarize(rep *Report, judges []Judge) []Summary {
	out := make([]Summary, len(judges))
	for k, j := range judges {
		s := Summary{Judge: j.Label}
		runs, rb, exp := rep.runs(k)
		index := map[string]int{}
		names := make([]string, 0, len(j.RuleSet.Metrics))
		for _, m := range j.RuleSet.Metrics {
			index[m.Name] = len(s.Metrics)
			s.Metrics = append(s.Metrics, MetricCount{Name: m.Name})
			names = append(names, m.Name)
		}
		s.Spreads = spreadEstimates(rep.spreadSamples(k), names)
		for i, r := range runs {
			s.All.add(r)
			if rb[i] {
				s.RolledBack.add(r)
			} else {
				s.Others.add(r)
			}
			if exp[i] {
				s.Experiments.add(r)
			}
			for _, m := range r.Metrics {
				i, ok := index[m.Name]
				if !ok {
					continue
				}
				s.Metrics[i].Runs++
				if m.Failing() {
					s.Metrics[i].Failing++
				}
			}
		}
		s.FailedUpper95 = upper95(s.Others.Failed, s.Others.Runs-s.Others.Incomplete-s.Others.NotPlayed)
		for i := range s.Metrics {
			s.Metrics[i].Upper95 = upper95(s.Metrics[i].Failing, s.Metrics[i].Runs)
		}
		out[k] = s
	}
	return out
}

// upper95 is the one-sided 95% Clopper-Pearson upper bound of x in n.
func upper95(x, n int) float64 {
	if n == 0 {
		return 1
	}
	_, hi := stats.ClopperPearson(float64(x), float64(n), 0.05, 0.05)
	return hi
}

// Comparison says what the candidate rule set (the second) would have
// done differently from the current one (the first).
type Comparison struct {
	Current   string `json:"current"`
	Candidate string `json:"candidate"`
	// MoreRegressions is how many more rolled-back rollouts (and
	// experiments) the candidate failed; MorePauses how many more runs it left Inconclusive;
	// MoreAborts how many more of the other runs it failed. Negative is
	// fewer.
	MoreRegressions int `json:"moreRegressions"`
	MorePauses      int `json:"morePauses"`
	MoreAborts      int `json:"moreAborts"`
	// Changed lists the runs whose outcome differs.
	Changed []Change `json:"changed"`
	Text    string   `json:"text"`
}

// Change is one run the two rule sets ended differently.
type Change struct {
	Name      string            `json:"name"`
	History   History           `json:"history,omitempty"`
	Current   analysisrun.Phase `json:"current"`
	Candidate analysisrun.Phase `json:"candidate"`
}

func compare(rep *Report) *Comparison {
	cur, cand := rep.Summaries[0], rep.Summaries[1]
	c := &Comparison{
		Current: cur.Judge, Candidate: cand.Judge,
		MoreRegressions: cand.RolledBack.Failed - cur.RolledBack.Failed,
		MorePauses:      cand.All.Inconclusive - cur.All.Inconclusive,
		MoreAborts:      cand.Others.Failed - cur.Others.Failed,
	}
	for _, x := range rep.Rollouts {
		if x.Runs[0].Phase != x.Runs[1].Phase {
			c.Changed = append(c.Changed, Change{Name: x.Name() + " (" + x.CanaryHash + ")", History: x.History, Current: x.Runs[0].Phase, Candidate: x.Runs[1].Phase})
		}
	}
	for _, x := range rep.Experiments {
		if x.Runs[0].Phase != x.Runs[1].Phase {
			c.Changed = append(c.Changed, Change{Name: "experiment " + x.Name(), History: x.History, Current: x.Runs[0].Phase, Candidate: x.Runs[1].Phase})
		}
	}
	for _, x := range rep.Pretend {
		if x.Runs[0].Phase != x.Runs[1].Phase {
			c.Changed = append(c.Changed, Change{Name: "A/A " + x.Name() + " from " + x.Start.Format("2006-01-02 15:04:05"), Current: x.Runs[0].Phase, Candidate: x.Runs[1].Phase})
		}
	}
	items := "rollouts"
	if len(rep.Experiments) > 0 {
		items = "rollouts and experiments"
	}
	c.Text = fmt.Sprintf("%s vs %s: caught %s, %s, %s (regressions: Failed runs of the %d rolled-back %s; aborts: Failed runs of the other %d)",
		c.Candidate, c.Current, more(c.MoreRegressions, "regression"), more(c.MorePauses, "pause"), more(c.MoreAborts, "abort"),
		cur.RolledBack.Runs, items, cur.Others.Runs)
	return c
}

// more says "3 more pauses", "1 fewer abort", "0 more regressions".
func more(n int, noun string) string {
	word := "more"
	if n < 0 {
		word, n = "fewer", -n
	}
	if n != 1 {
		noun += "s"
	}
	return fmt.Sprintf("%d %s %s", n, word, noun)
}
