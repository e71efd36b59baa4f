package bench

import (
	"fmt"
	"io"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/analysisrun"
	"github.com/canary-analyzer/canary-analyzer/api/wire"
	"github.com/canary-analyzer/canary-analyzer/engine"
)

// ReferenceRule is one way to answer a both-references request from the
// judgements it recorded at each look (Result.References).
type ReferenceRule struct {
	Name string
	// Look gives the verdict of one look from its judgements' verdicts.
	Look func(refs map[string]string) string
}

// ReferenceRules are the answers WriteReferences compares: the
// intersection-union rule alone (Failed only when both judgements are,
// Successful when either is; engine/combine.go without its age check)
// and the judgement against the stable pods alone. The request's own
// answer, with the age check, is the run's Verdicts.
var ReferenceRules = []ReferenceRule{
	{"both Failed (no age check)", func(refs map[string]string) string {
		return string(engine.IntersectionUnion(analysis.Verdict(refs[wire.AgainstBaseline]), analysis.Verdict(refs[wire.AgainstStable])))
	}},
	{"against the stable pods alone", func(refs map[string]string) string { return refs[wire.AgainstStable] }},
}

// referenceRun replays the looks of a recorded r as rule answers them.
func referenceRun(r Result, rule ReferenceRule, l analysisrun.Limits) analysisrun.Run {
	looks := make([]string, len(r.References))
	for i, refs := range r.References {
		looks[i] = rule.Look(refs)
	}
	return Replay(looks, l)
}

// recorded says whether r recorded its judgements at every look (a
// both-references run).
func recorded(r Result) bool { return len(r.References) > 0 && len(r.References) == len(r.Verdicts) }

// WithReferences returns the results that recorded their judgements at
// every look.
func WithReferences(results []Result) []Result {
	var out []Result
	for _, r := range results {
		if recorded(r) {
			out = append(out, r)
		}
	}
	return out
}

// WriteReferences prints, for the canary judge's runs of a
// both-references benchmark (-both), each family's runs Successful /
// Inconclusive / Failed as the request answered them and as each of
// ReferenceRules would have, from the same judgements; runs that did not
// record their judgements at every look are left out, and nothing is
// printed when none did.
func WriteReferences(w io.Writer, results []Result, l analysisrun.Limits) {
	type counts struct{ s, i, f int }
	add := func(c *counts, p analysisrun.Phase) {
		switch p {
		case analysisrun.PhaseSuccessful:
			c.s++
		case analysisrun.PhaseFailed:
			c.f++
		default:
			c.i++
		}
	}
	var order []string
	rows := map[string][]counts{}
	healthy := map[string]bool{}
	totals := map[bool][]counts{}
	for _, r := range results {
		if r.Judge != JudgeOurs || !recorded(r) {
			continue
		}
		runs := []analysisrun.Run{r.Run}
		for _, rule := range ReferenceRules {
			runs = append(runs, referenceRun(r, rule, l))
		}
		fam := r.Truth.Name
		if _, seen := rows[fam]; !seen {
			order = append(order, fam)
			rows[fam] = make([]counts, len(runs))
			healthy[fam] = r.Truth.Healthy
		}
		if totals[r.Truth.Healthy] == nil {
			totals[r.Truth.Healthy] = make([]counts, len(runs))
		}
		for i, run := range runs {
			add(&rows[fam][i], run.Phase)
			add(&totals[r.Truth.Healthy][i], run.Phase)
		}
	}
	if len(order) == 0 {
		return
	}
	fmt.Fprintln(w, "The canary judge's runs Successful / Inconclusive / Failed: as the request answered (with the age check), and from the same looks' judgements by each other rule:")
	fmt.Fprintln(w)
	fmt.Fprint(w, "| family | class | the request |")
	for _, rule := range ReferenceRules {
		fmt.Fprintf(w, " %s |", rule.Name)
	}
	fmt.Fprint(w, "\n|---|---|---:|")
	for range ReferenceRules {
		fmt.Fprint(w, "---:|")
	}
	fmt.Fprintln(w)
	line := func(name, class string, cs []counts) {
		fmt.Fprintf(w, "| %s | %s |", name, class)
		for _, c := range cs {
			fmt.Fprintf(w, " %d / %d / %d |", c.s, c.i, c.f)
		}
		fmt.Fprintln(w)
	}
	class := map[bool]string{true: "healthy", false: "regressed"}
	for _, fam := range order {
		line("`"+fam+"`", class[healthy[fam]], rows[fam])
	}
	for _, h := range []bool{true, false} {
		if totals[h] != nil {
			line("**all "+class[h]+"**", class[h], totals[h])
		}
	}
}
