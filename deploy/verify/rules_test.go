package verify

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/canary-analyzer/canary-analyzer/rules"
)

// strictness is how much one environment's rule values demand of a canary;
// environments must not get more permissive from alpha to beta to live.
type strictness struct {
	pass, marginal float64
	// suspect is the suspect level: higher keeps more suspicious canaries
	// from passing (0: off).
	suspect float64
	// Per metric: an upper bound (lower is stricter), a lower bound (higher
	// is stricter) and the tolerance (lower is stricter).
	max, min, tolerance map[string]float64
}

func strictnessOf(rs *rules.RuleSet) strictness {
	s := strictness{pass: rs.Thresholds.Pass, marginal: rs.Thresholds.Marginal, suspect: rs.SuspectLevel,
		max: map[string]float64{}, min: map[string]float64{}, tolerance: map[string]float64{}}
	for _, m := range rs.Metrics {
		if m.Max != nil {
			s.max[m.Name] = *m.Max
		}
		if m.Min != nil {
			s.min[m.Name] = *m.Min
		}
		if m.Tolerance != nil {
			s.tolerance[m.Name] = *m.Tolerance
		}
	}
	return s
}

// atLeastAsStrict reports how b is more permissive than a (nil if it is
// not) and whether b is stricter than a anywhere.
func atLeastAsStrict(a, b strictness) (looser []string, stricter bool) {
	cmp := func(what string, av, bv float64, higherIsStricter bool) {
		if av == bv {
			return
		}
		if (bv > av) == higherIsStricter {
			stricter = true
		} else {
			looser = append(looser, what)
		}
	}
	cmp("thresholds.pass", a.pass, b.pass, true)
	cmp("thresholds.marginal", a.marginal, b.marginal, true)
	cmp("suspectLevel", a.suspect, b.suspect, true)
	for k, av := range a.max {
		if bv, ok := b.max[k]; ok {
			cmp(k+".max", av, bv, false)
		} else {
			looser = append(looser, k+".max dropped")
		}
	}
	for k, av := range a.min {
		if bv, ok := b.min[k]; ok {
			cmp(k+".min", av, bv, true)
		} else {
			looser = append(looser, k+".min dropped")
		}
	}
	for k, av := range a.tolerance {
		cmp(k+".tolerance", av, b.tolerance[k], false)
	}
	return looser, stricter
}

// TestRuleValuesPerEnvironment loads the rendered rules ConfigMap the way
// the mounted service does (rules.LoadDir with the overlay's
// ANALYZER_ENVIRONMENT) and checks that alpha is the most permissive and
// live the strictest environment, in every rule set.
func TestRuleValuesPerEnvironment(t *testing.T) {
	t.Parallel()
	loaded := map[string]map[string]*rules.RuleSet{}
	for _, env := range environments {
		o := renderOverlay(t, env)
		mount := t.TempDir()
		for name, content := range o.rules.Data {
			if err := os.WriteFile(filepath.Join(mount, name), []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		selected, _ := envValue(o.container(t), "ANALYZER_ENVIRONMENT")
		sets, err := rules.LoadDir(mount, selected)
		if err != nil {
			t.Fatalf("%s: the service would not start on its rules: %v", env, err)
		}
		loaded[env] = sets
	}
	for name, alpha := range loaded["alpha"] {
		t.Run(name, func(t *testing.T) {
			beta, live := loaded["beta"][name], loaded["live"][name]
			if beta == nil || live == nil {
				t.Fatalf("rule set %s is not loaded in every environment", name)
			}
			for _, rs := range []*rules.RuleSet{alpha, beta, live} {
				if _, has := rs.Environments[rs.Environment]; rs.Environment == "" || !has {
					t.Errorf("%s: no environments.%s values applied: each environment must say its own", rs.File, rs.Environment)
				}
			}
			a, b, l := strictnessOf(alpha), strictnessOf(beta), strictnessOf(live)
			if looser, _ := atLeastAsStrict(a, b); len(looser) > 0 {
				t.Errorf("beta is more permissive than alpha in %v", looser)
			}
			if looser, _ := atLeastAsStrict(b, l); len(looser) > 0 {
				t.Errorf("live is more permissive than beta in %v", looser)
			}
			if _, stricter := atLeastAsStrict(a, l); !stricter {
				t.Errorf("live is no stricter than alpha anywhere")
			}
		})
	}
}

// TestRuleSetsSplitAlphaOverTheTemplatesLooks checks that every shipped rule
// set spends its false-alarm budget over as many looks as the shipped
// AnalysisTemplates take (looks = count) on the templates' schedule
// (lookInterval = interval, lookDelay = initialDelay): with more looks than
// looks, or looks at other ages than the rule set's, the judge would take
// two requests for the same look and a run could spend more than its
// alpha.
func TestRuleSetsSplitAlphaOverTheTemplatesLooks(t *testing.T) {
	t.Parallel()
	tmpls := shippedTemplates(t)
	sets, err := rules.LoadDir(filepath.Join("..", "base", "rules"), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(sets) == 0 {
		t.Fatal("no rule sets")
	}
	for tmplName, tmpl := range tmpls {
		m := tmpl.Spec.Metrics[0]
		interval, err := m.Interval.Duration()
		if err != nil {
			t.Fatal(err)
		}
		delay, err := m.InitialDelay.Duration()
		if err != nil {
			t.Fatal(err)
		}
		for name, rs := range sets {
			if rs.Looks != m.Count.IntValue() || time.Duration(rs.LookInterval) != interval || time.Duration(*rs.LookDelay) != delay {
				t.Errorf("rule set %s: looks %d every %v from %v; template %s: count %d every %v from %v", name, rs.Looks,
					time.Duration(rs.LookInterval), time.Duration(*rs.LookDelay), tmplName, m.Count.IntValue(), interval, delay)
			}
		}
	}
}
