package main

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"github.com/canary-analyzer/canary-analyzer/api/wire"
)

// writeText prints a judgement for a person at a terminal: the verdict, a
// table of the metrics and, with series, their sparklines.
func writeText(w io.Writer, r *wire.Response) {
	fmt.Fprintf(w, "%s  score %.0f  (rule set %s", r.Verdict, r.Score, r.RuleSet)
	if r.Environment != "" {
		fmt.Fprintf(w, ", environment %s", r.Environment)
	}
	fmt.Fprintf(w, ", judge %s)\n", r.Judge)
	fmt.Fprintf(w, "%s\n\n", r.Reason)
	fmt.Fprintf(w, "namespace %s  canary %s (%s", r.Target.Namespace, r.Target.Canary(), strings.Join(r.Canary.Pods, ", "))
	if r.Canary.Age != "" {
		fmt.Fprintf(w, "; age %s", r.Canary.Age)
	}
	fmt.Fprintf(w, ")  stable %s (%d pods)\n", r.Target.Stable(), len(r.Stable.Pods))
	fmt.Fprintf(w, "window %s .. %s, step %s\n\n", r.Window.Start.Format("2006-01-02 15:04:05"), r.Window.End.Format("15:04:05 MST"), r.Window.Step)
	if len(r.References) > 0 {
		fmt.Fprintln(w, "Both references (the canary fails when it fails against both, or against the stable pods where the baseline "+
			"shows no sign of its excess; the metrics below are against the baseline):")
		for _, ref := range r.References {
			if ref.Against == wire.AgeCheck {
				fmt.Fprintf(w, "  age check: baseline %s (%d pods) against %s (%d pods): %s, score %.0f: %s\n", ref.Target.Canary(), len(ref.Canary.Pods),
					ref.Target.Stable(), len(ref.Stable.Pods), ref.Verdict, ref.Score, ref.Reason)
				continue
			}
			fmt.Fprintf(w, "  against %s %s (%d pods): %s, score %.0f: %s\n", ref.Against, ref.Target.Stable(), len(ref.Stable.Pods), ref.Verdict, ref.Score, ref.Reason)
		}
		fmt.Fprintln(w)
	}

	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "METRIC\tRESULT\tCANARY\tSTABLE\tREASON")
	for _, m := range r.Metrics {
		name := m.Name
		if m.Critical {
			name += " (critical)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", name, m.Classification, num(float64(m.Canary.Median)), num(float64(m.Stable.Median)), m.Reason)
	}
	tw.Flush()
	writeSeries(w, r)
}

func num(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "-"
	}
	return fmt.Sprintf("%.4g", v)
}
