package report

import (
	"fmt"
	"sort"
	"strconv"

	"github.com/canary-analyzer/canary-analyzer/rules"
)

// indexView is what the index template shows.
type indexView struct {
	Environment string
	Keep        int
	Recent      []recentView
	RuleSets    []ruleSetView
}

type recentView struct {
	At, Href, Target, Canary, RuleSet, Verdict, Class, Score, Reason string
}

// ruleSetView is one rule set's effective values: a column per
// environment its file defines, after the base values; Current is the
// column of the service's environment.
type ruleSetView struct {
	Name, Revision, Judge, File, Description string
	Envs                                     []string
	Current                                  int
	Rows                                     []valueRow
}

type valueRow struct {
	Name  string
	Cells []valueCell
}

// valueCell is one effective value; Changed marks one that differs from
// the base value.
type valueCell struct {
	Value   string
	Changed bool
}

func (r *Reports) indexView(sets map[string]*rules.RuleSet, env string) indexView {
	v := indexView{Environment: env, Keep: r.o.Recent}
	for _, e := range r.recent.list() {
		t := e.Link.Request.Target
		canary := t.Canary() + " vs " + t.Stable()
		v.Recent = append(v.Recent, recentView{
			At:      e.At.UTC().Format("2006-01-02 15:04:05"),
			Href:    e.URL,
			Target:  target(t),
			Canary:  canary,
			RuleSet: e.Link.Request.RuleSet,
			Verdict: string(e.Verdict),
			Class:   classOfVerdict(string(e.Verdict)),
			Score:   fmt.Sprintf("%.0f", e.Score),
			Reason:  e.Reason,
		})
	}
	for _, name := range rules.Names(sets) {
		v.RuleSets = append(v.RuleSets, ruleSetValues(sets[name], env))
	}
	return v
}

func classOfVerdict(v string) string {
	switch v {
	case "Successful":
		return "good"
	case "Failed":
		return "bad"
	}
	return "unsure"
}

// ruleSetValues lays out a rule set's effective values in each of its
// environments.
func ruleSetValues(rs *rules.RuleSet, env string) ruleSetView {
	envs := []string{""}
	for e := range rs.Environments {
		envs = append(envs, e)
	}
	sort.Strings(envs[1:])
	v := ruleSetView{Name: rs.Name, Revision: rs.Revision, Judge: string(rs.WithDefaults().Judge), File: rs.File,
		Description: rs.Description, Current: -1}
	cols := make([][]string, len(envs))
	var names []string
	for i, e := range envs {
		v.Envs = append(v.Envs, or(e, "base"))
		if e == env {
			v.Current = i
		}
		names, cols[i] = values(rs.InEnvironment(e))
	}
	if v.Current < 0 {
		v.Current = 0 // an environment the file does not define: the base values apply
	}
	for k, name := range names {
		row := valueRow{Name: name}
		set := false
		for i := range envs {
			row.Cells = append(row.Cells, valueCell{Value: cols[i][k], Changed: i > 0 && cols[i][k] != cols[0][k]})
			set = set || cols[i][k] != unset
		}
		if set {
			v.Rows = append(v.Rows, row)
		}
	}
	return v
}

// values lists a rule set's effective values that environments can
// change, by name.
func values(rs *rules.RuleSet) (names, vals []string) {
	d := rs.WithDefaults()
	add := func(name, v string) {
		names = append(names, name)
		vals = append(vals, v)
	}
	add("pass threshold", num(d.Thresholds.Pass))
	add("marginal threshold", num(d.Thresholds.Marginal))
	add("alpha", num(d.Alpha))
	add("suspect level", num(d.SuspectLevel))
	add("lookback", d.Lookback.String())
	add("step", d.Step.String())
	add("warm-up", d.Warmup.String())
	add("looks", strconv.Itoa(d.Looks))
	add("look interval", d.LookInterval.String())
	add("first look at age", d.LookDelay.String())
	for _, m := range d.Metrics {
		add(m.Name+": tolerance", ptr(m.Tolerance))
		add(m.Name+": max", ptr(m.Max))
		add(m.Name+": min", ptr(m.Min))
		add(m.Name+": critical", strconv.FormatBool(m.Critical))
		add(m.Name+": weight", num(m.Weight))
		if m.Warmup != nil {
			add(m.Name+": warm-up", m.Warmup.String())
		}
	}
	return names, vals
}

func num(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// unset is shown for a bound that is not set; a row unset in every
// environment is left out.
const unset = "–"

func ptr(v *float64) string {
	if v == nil {
		return unset
	}
	return num(*v)
}
