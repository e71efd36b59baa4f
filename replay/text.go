package replay

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/analysisrun"
)

const timeFormat = "2006-01-02 15:04:05"

// WriteText prints the report for a person: what was replayed, one line
// per rollout (or A/A run) with each rule set's outcome, each rollout's
// runs with their looks and metrics (of A/A runs only the ones that were
// not Successful), and the summary.
func (r *Report) WriteText(w io.Writer) {
	t := r.Template
	what := fmt.Sprintf("%d rollouts", len(r.Rollouts))
	if len(r.Experiments) > 0 {
		what += fmt.Sprintf(" and %d Argo experiments", len(r.Experiments))
	}
	if r.Pretend != nil {
		what = fmt.Sprintf("%d A/A runs (a stable pod judged as a canary from a random time)", len(r.Pretend))
	}
	fmt.Fprintf(w, "Replayed %s between %s and %s UTC with the looks of %s: initialDelay %s, interval %s, count %d, failureLimit %d, inconclusiveLimit %d, consecutiveErrorLimit %d.\n",
		what, r.From.UTC().Format(timeFormat), r.To.UTC().Format(timeFormat), t.File, t.InitialDelay, t.Interval, t.Count,
		t.FailureLimit, t.InconclusiveLimit, t.ConsecutiveErrorLimit)
	r.writeExperimentTemplate(w)
	for _, rs := range r.RuleSets {
		env := ""
		if rs.Environment != "" {
			env = ", environment " + rs.Environment
		}
		fmt.Fprintf(w, "  %s: rule set %s (%s%s)\n", rs.Label, rs.Name, rs.File, env)
	}
	fmt.Fprintln(w)
	r.writeOverview(w)
	for _, x := range r.Rollouts {
		for _, run := range x.Runs {
			fmt.Fprintf(w, "\n%s, canary %s (%s) from %s against %s (%s), %s: %s\n", x.Name(), x.CanaryHash, pods(len(x.CanaryPods)),
				x.Start.UTC().Format(timeFormat), x.StableHash, pods(x.StablePods), run.Judge, outcome(run))
			writeRun(w, run)
		}
	}
	r.writeExperimentRuns(w)
	if n := notSuccessful(r.Pretend); n > 0 {
		fmt.Fprintf(w, "\nThe %d A/A runs that were not Successful:\n", n)
	}
	for _, x := range r.Pretend {
		if allSuccessful(x.Runs) {
			continue
		}
		for _, run := range x.Runs {
			fmt.Fprintf(w, "\nA/A %s (hash %s, against %s) from %s, %s: %s\n", x.Name(), x.Hash, pods(x.StablePods),
				x.Start.UTC().Format(timeFormat), run.Judge, outcome(run))
			writeRun(w, run)
		}
	}
	fmt.Fprintln(w)
	r.writeSummary(w)
	r.writeSpreads(w)
	if c := r.Comparison; c != nil {
		fmt.Fprintf(w, "\n%s.\n", c.Text)
		for _, ch := range c.Changed {
			hist := ""
			if ch.History != "" {
				hist = " (" + string(ch.History) + ")"
			}
			fmt.Fprintf(w, "  %s%s: %s -> %s\n", ch.Name, hist, orNone(string(ch.Current)), orNone(string(ch.Candidate)))
		}
	}
}

// allSuccessful says whether every rule set's run was Successful.
func allSuccessful(runs []Run) bool {
	for _, r := range runs {
		if r.Phase != analysisrun.PhaseSuccessful {
			return false
		}
	}
	return true
}

func notSuccessful(ps []PretendRuns) int {
	n := 0
	for _, p := range ps {
		if !allSuccessful(p.Runs) {
			n++
		}
	}
	return n
}

// writeOverview prints one line per rollout or A/A run with each rule
// set's outcome.
func (r *Report) writeOverview(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	labels := make([]string, len(r.RuleSets))
	for i, rs := range r.RuleSets {
		labels[i] = strings.ToUpper(rs.Label)
	}
	if r.Pretend != nil {
		fmt.Fprintf(tw, "A/A POD\tHASH\tSTABLE PODS\tFROM (UTC)\t%s\n", strings.Join(labels, "\t"))
		for _, x := range r.Pretend {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", x.Name(), x.Hash, x.StablePods, x.Start.UTC().Format(timeFormat), short(x.Runs))
		}
	} else {
		fmt.Fprintf(tw, "ROLLOUT\tCANARY\tSTABLE\tSTARTED (UTC)\tHISTORY\t%s\n", strings.Join(labels, "\t"))
		for _, x := range r.Rollouts {
			fmt.Fprintf(tw, "%s\t%s\t%s (%s)\t%s\t%s\t%s\n", x.Name(), x.CanaryHash, x.StableHash, pods(x.StablePods),
				x.Start.UTC().Format(timeFormat), x.History, short(x.Runs))
		}
	}
	tw.Flush()
	r.writeExperimentOverview(w, labels)
}

// short gives each run's outcome as "Failed at look 1".
func short(runs []Run) string {
	out := make([]string, len(runs))
	for i, r := range runs {
		switch {
		case r.NotPlayed != "":
			out[i] = "not replayed"
		case r.Incomplete || r.Phase == "":
			out[i] = "incomplete"
		default:
			out[i] = fmt.Sprintf("%s at look %d", r.Phase, r.DecidedAt)
		}
	}
	return strings.Join(out, "\t")
}

// writeRun prints a run's looks and its metrics.
func writeRun(w io.Writer, run Run) {
	for _, l := range run.Looks {
		note := ""
		if l.AfterCanary {
			note = " (the canary was gone: only its older data)"
		}
		if l.Verdict == phaseError {
			fmt.Fprintf(w, "  look %d at %s: Error: %s%s\n", l.Look, l.Age, l.Error, note)
			continue
		}
		fmt.Fprintf(w, "  look %d at %s: %s, score %.0f: %s%s\n", l.Look, l.Age, l.Verdict, l.Score, l.Reason, note)
	}
	if len(run.Metrics) == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  METRIC\tAT EACH LOOK\tDETECTED\tTESTS (p against its level)")
	for _, m := range run.Metrics {
		det := "-"
		if m.DetectedAt > 0 {
			det = fmt.Sprintf("look %d (%s)", m.DetectedAt, m.Detected)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", m.Name, classes(m.Classifications), det, testsText(m.Tests))
	}
	tw.Flush()
}

// classes lists classifications, each run of equal ones once with a count.
func classes(cs []analysis.Classification) string {
	var out []string
	for i := 0; i < len(cs); {
		j := i
		for j < len(cs) && cs[j] == cs[i] {
			j++
		}
		s := string(cs[i])
		if j-i > 1 {
			s += fmt.Sprintf(" x%d", j-i)
		}
		out = append(out, s)
		i = j
	}
	return strings.Join(out, ", ")
}

// testsText says "level p=0.0012 < 0.0025; max p=0.5 ≥ 0.00031".
func testsText(ts []Test) string {
	out := make([]string, len(ts))
	for i, t := range ts {
		p, lvl := float64(t.PValue), float64(t.Level)
		switch {
		case math.IsNaN(p):
			out[i] = t.Name + " (no p-value)"
		case math.IsNaN(lvl):
			out[i] = fmt.Sprintf("%s p=%.2g", t.Name, p)
		case t.Significant:
			out[i] = fmt.Sprintf("%s p=%.2g < %.2g", t.Name, p, lvl)
		case p < lvl:
			out[i] = fmt.Sprintf("%s p=%.2g < %.2g (within tolerance)", t.Name, p, lvl)
		default:
			out[i] = fmt.Sprintf("%s p=%.2g ≥ %.2g", t.Name, p, lvl)
		}
	}
	return strings.Join(out, "; ")
}

// writeSummary prints each rule set's counts and how often each metric
// failed.
func (r *Report) writeSummary(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if r.Pretend != nil {
		fmt.Fprintln(tw, "RULE SET\tA/A RUNS\tSUCCESSFUL\tINCONCLUSIVE\tFAILED (FALSE ALARMS)\tERROR\tINCOMPLETE")
	} else {
		fmt.Fprintln(tw, "RULE SET\tRUNS\tSUCCESSFUL\tINCONCLUSIVE\tFAILED\tERROR\tINCOMPLETE\tFAILED OF ROLLED BACK\tFAILED OF THE OTHERS")
	}
	for _, s := range r.Summaries {
		a := s.All
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%d\t%d", s.Judge, a.Runs, a.Successful, a.Inconclusive, failed(a.Failed, s, r.Pretend != nil), a.Error, a.Incomplete)
		if r.Pretend == nil {
			fmt.Fprintf(tw, "\t%d of %d\t%d of %d", s.RolledBack.Failed, s.RolledBack.Runs, s.Others.Failed, s.Others.Runs)
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	r.writeExperimentSummary(w)
	if len(r.Summaries) == 0 {
		return
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	head := []string{"METRIC"}
	for _, s := range r.Summaries {
		head = append(head, strings.ToUpper(s.Judge)+": FAILED IN")
	}
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	names := map[string]bool{}
	for _, s := range r.Summaries {
		for _, m := range s.Metrics {
			if names[m.Name] {
				continue
			}
			names[m.Name] = true
			row := []string{m.Name}
			for _, s2 := range r.Summaries {
				row = append(row, metricCount(s2, m.Name, r.Pretend != nil))
			}
			fmt.Fprintln(tw, strings.Join(row, "\t"))
		}
	}
	tw.Flush()
}

// writeSpreads prints each rule set's measured pod spreads.
func (r *Report) writeSpreads(w io.Writer) {
	for _, s := range r.Summaries {
		if len(s.Spreads) == 0 {
			continue
		}
		fmt.Fprintf(w, "\nPod spread, %s: the stable pods' levels at each run's last look, pooled over the %s they belonged to (90%% interval)\n",
			s.Judge, "stable ReplicaSets")
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "METRIC\tPODSPREAD\tMEASURED\t90% INTERVAL\tDF (REPLICASETS, RUNS)\tADVICE")
		for _, e := range s.Spreads {
			fmt.Fprintf(tw, "%s\t%.3g\t%.3g\t%.3g-%.3g\t%d (%d, %d)\t%s\n", e.Metric, e.Prior, e.Estimate, e.Lower, e.Upper, e.DF, e.Groups, e.Runs, e.Advice)
		}
		tw.Flush()
	}
}

// failed is the number of failed runs, with its upper bound for A/A runs.
func failed(n int, s Summary, aa bool) string {
	if !aa {
		return fmt.Sprint(n)
	}
	return fmt.Sprintf("%d (≤ %s)", n, percent(s.FailedUpper95))
}

func metricCount(s Summary, name string, aa bool) string {
	for _, m := range s.Metrics {
		if m.Name != name {
			continue
		}
		if aa {
			return fmt.Sprintf("%d of %d runs (≤ %s at 95%%)", m.Failing, m.Runs, percent(m.Upper95))
		}
		return fmt.Sprintf("%d of %d runs", m.Failing, m.Runs)
	}
	return "-"
}

func pods(n int) string {
	if n == 1 {
		return "1 pod"
	}
	return fmt.Sprintf("%d pods", n)
}

func percent(v float64) string { return fmt.Sprintf("%.1f%%", 100*v) }

func orNone(s string) string {
	if s == "" {
		return "incomplete"
	}
	return s
}
