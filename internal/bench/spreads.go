package bench

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"

	"github.com/canary-analyzer/canary-analyzer/analysis/stats"
)

// The judge's prior for how much healthy pods differ (a value metric's
// podSpread) is the knob its false alarms and its power hang on, and the
// families draw their pods' spreads from their own models. FamilySpreads
// measures, per family, what an operator of such a service would measure
// with analyzer replay: the stable pods' spread at each run's last look,
// pooled over the instances (stats.PoolSpread), beside the prior.

// FamilySpread is one family's measured spread of each value metric.
type FamilySpread struct {
	Family string
	// Metrics, in the order of SpreadMetrics.
	Metrics []stats.PooledSpread
}

// spreadSample is one run's last spread of one metric.
type spreadSample struct {
	s2, v2 float64
	pods   int
}

// FamilySpreads returns each family's pooled spreads (the canary judge's
// runs; the alignments of a seed share its pods and count once; only the
// healthy families where there are any, since a regressed family's stable
// pods are its healthy twin's), the value metrics that have one, and their
// priors.
func FamilySpreads(results []Result) (fams []FamilySpread, metrics []string, priors []float64) {
	healthyOnly := false
	for _, r := range results {
		healthyOnly = healthyOnly || (r.Judge == JudgeOurs && r.Truth.Healthy)
	}
	type key struct {
		family, metric string
		seed           uint64
	}
	by := map[key][]spreadSample{}
	prior := map[string]float64{}
	var order []string
	famOrder := map[string]int{}
	for _, r := range results {
		if r.Judge != JudgeOurs || (healthyOnly && !r.Truth.Healthy) {
			continue
		}
		last := map[string]spreadSample{}
		for _, look := range r.Metrics {
			for _, m := range look {
				if m.Evidence == nil || m.Evidence.Spread == nil {
					continue
				}
				sp := m.Evidence.Spread
				if sp.Observed == nil || sp.Noise == nil || sp.Prior == nil || sp.Pods < 2 {
					continue
				}
				last[m.Name] = spreadSample{s2: *sp.Observed * *sp.Observed, v2: *sp.Noise * *sp.Noise, pods: sp.Pods}
				if _, ok := prior[m.Name]; !ok {
					prior[m.Name] = *sp.Prior
					order = append(order, m.Name)
				}
			}
		}
		if _, ok := famOrder[r.Truth.Name]; !ok {
			famOrder[r.Truth.Name] = len(famOrder)
		}
		for name, s := range last {
			k := key{r.Truth.Name, name, r.Truth.Seed}
			by[k] = append(by[k], s)
		}
	}
	groups := map[string]map[string][]stats.SpreadGroup{}
	for k, ss := range by {
		var g stats.SpreadGroup
		for _, s := range ss {
			g.Var += s.s2 / float64(len(ss))
			g.Noise += s.v2 / float64(len(ss))
			g.Pods = max(g.Pods, s.pods)
		}
		if groups[k.family] == nil {
			groups[k.family] = map[string][]stats.SpreadGroup{}
		}
		groups[k.family][k.metric] = append(groups[k.family][k.metric], g)
	}
	names := make([]string, 0, len(groups))
	for f := range groups {
		names = append(names, f)
	}
	sort.Slice(names, func(i, j int) bool { return famOrder[names[i]] < famOrder[names[j]] })
	for _, f := range names {
		fs := FamilySpread{Family: f}
		for _, m := range order {
			fs.Metrics = append(fs.Metrics, stats.PoolSpread(groups[f][m], 0.9))
		}
		fams = append(fams, fs)
	}
	for _, m := range order {
		priors = append(priors, prior[m])
	}
	return fams, order, priors
}

// WriteSpreads writes the families' measured spreads as a Markdown table
// (nothing without spread evidence: results recorded before the judge
// reported its noise part).
func WriteSpreads(w io.Writer, results []Result) {
	fams, metrics, priors := FamilySpreads(results)
	if len(fams) == 0 {
		return
	}
	fmt.Fprintln(w, "The stable pods' spread a value metric was judged against, at each run's last look, pooled over the family's seeds "+
		"(90% interval; what analyzer replay would measure on such a service), against the rule set's podSpread (↑: the prior is below the interval, ↓: above it):")
	fmt.Fprintln(w)
	head := []string{"family"}
	rule := []string{"---"}
	for i, m := range metrics {
		head = append(head, fmt.Sprintf("%s (podSpread %.3g)", m, priors[i]))
		rule = append(rule, "---:")
	}
	fmt.Fprintf(w, "| %s |\n|%s|\n", strings.Join(head, " | "), strings.Join(rule, "|"))
	for _, f := range fams {
		row := []string{f.Family}
		for i, p := range f.Metrics {
			row = append(row, spreadCell(p, priors[i]))
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(row, " | "))
	}
}

// spreadCell is "0.071 (0.062-0.082)", marked ↑ where the prior lies
// below the interval and ↓ where above it.
func spreadCell(p stats.PooledSpread, prior float64) string {
	if p.DF == 0 || math.IsNaN(p.Estimate) {
		return "-"
	}
	mark := ""
	switch {
	case prior < p.Lower:
		mark = " ↑"
	case prior > p.Upper:
		mark = " ↓"
	}
	return fmt.Sprintf("%.3f (%.3f-%.3f)%s", p.Estimate, p.Lower, p.Upper, mark)
}
