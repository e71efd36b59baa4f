package replay

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// writeExperimentTemplate says which template's looks the experiments
// were replayed with, when there were any.
func (r *Report) writeExperimentTemplate(w io.Writer) {
	if len(r.Experiments) == 0 {
		return
	}
	t := r.ExperimentTemplate
	fmt.Fprintf(w, "  experiments (templates %q against %q, and the rollout's stable pods) with the looks of %s: initialDelay %s, interval %s, count %d, failureLimit %d, inconclusiveLimit %d, consecutiveErrorLimit %d.\n",
		r.Templates.Canary, r.Templates.Baseline, t.File, t.InitialDelay, t.Interval, t.Count, t.FailureLimit, t.InconclusiveLimit, t.ConsecutiveErrorLimit)
}

// writeExperimentOverview prints one line per experiment with each rule
// set's outcome.
func (r *Report) writeExperimentOverview(w io.Writer, labels []string) {
	if len(r.Experiments) == 0 {
		return
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "EXPERIMENT\tCANARY\tBASELINE\tSTABLE\tSTARTED (UTC)\tHISTORY\t%s\n", strings.Join(labels, "\t"))
	for _, x := range r.Experiments {
		stable := "unknown"
		if x.StableHash != "" {
			stable = fmt.Sprintf("%s (%s)", x.StableHash, pods(x.StablePods))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", x.Name(), pods(x.CanaryPods), pods(x.BaselinePods), stable,
			x.Start.UTC().Format(timeFormat), x.History, short(x.Runs))
	}
	tw.Flush()
}

// writeExperimentRuns prints each experiment's ReplicaSets, what the judge
// lacked, and each rule set's run.
func (r *Report) writeExperimentRuns(w io.Writer) {
	for _, x := range r.Experiments {
		for _, run := range x.Runs {
			fmt.Fprintf(w, "\nexperiment %s of rollout %s (hash %s, revision %d, step %d), canary %s (%s) from %s against baseline %s (%s) and stable %s, %s: %s\n",
				x.Name(), x.Rollout, x.Hash, x.Revision, x.Step, x.CanaryReplicaSet, pods(x.CanaryPods), x.Start.UTC().Format(timeFormat),
				x.BaselineReplicaSet, pods(x.BaselinePods), orUnknown(x.StableHash, x.StablePods), run.Judge, outcome(run))
			for _, rs := range x.ReplicaSets {
				if rs.ReplicaSet == x.CanaryReplicaSet || rs.ReplicaSet == x.BaselineReplicaSet {
					continue
				}
				cut := ""
				if rs.Cut {
					cut = ", its name cut by Kubernetes"
				}
				fmt.Fprintf(w, "  also template %q (%s%s), not judged\n", rs.Template, pods(len(rs.Pods)), cut)
			}
			for _, p := range x.Problems {
				fmt.Fprintf(w, "  warning: %s\n", p)
			}
			writeRun(w, run)
		}
	}
}

// writeExperimentSummary counts the experiments' runs apart, and says how
// many could not be replayed.
func (r *Report) writeExperimentSummary(w io.Writer) {
	if len(r.Experiments) == 0 {
		return
	}
	for _, s := range r.Summaries {
		e := s.Experiments
		fmt.Fprintf(w, "%s: of the %d runs, %d were experiments': %d Successful, %d Inconclusive, %d Failed, %d Error, %d incomplete, %d not replayed\n",
			s.Judge, s.All.Runs, e.Runs, e.Successful, e.Inconclusive, e.Failed, e.Error, e.Incomplete, e.NotPlayed)
	}
}

func orUnknown(hash string, n int) string {
	if hash == "" {
		return "unknown"
	}
	return fmt.Sprintf("%s (%s)", hash, pods(n))
}
