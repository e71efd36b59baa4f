package rules

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/canary-analyzer/canary-analyzer/analysis"
)

func TestStoreReloadIsAllOrNothing(t *testing.T) {
	t.Parallel()
	good, err := os.ReadFile("testdata/minimal.good.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	reg := prometheus.NewRegistry()
	s := DirStore(dir, "", reg)
	if s.RuleSets() != nil {
		t.Fatal("rule sets before the first load")
	}
	if err := s.Reload(); err == nil {
		t.Fatal("empty directory loaded")
	}
	if got := testutil.ToFloat64(s.lastSuccess); got != 0 {
		t.Errorf("last_reload_successful = %g after a failure", got)
	}

	write(t, dir, "minimal.yaml", good)
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	first := s.RuleSets()
	if _, ok := s.RuleSet("minimal"); !ok {
		t.Fatal("minimal not loaded")
	}
	if got := testutil.ToFloat64(s.lastSuccess); got != 1 {
		t.Errorf("last_reload_successful = %g after a success", got)
	}
	hash := testutil.ToFloat64(s.configHash)

	// A second, broken file: the reload fails and the first set stays.
	write(t, dir, "broken.yaml", []byte("name: broken\nthresholds: {pass: 90}\nmetrics: [{name: x, kind: nope, query: q}]\n"))
	if err := s.Reload(); err == nil {
		t.Fatal("broken file loaded")
	}
	if got := s.RuleSets(); len(got) != 1 || got["minimal"] != first["minimal"] {
		t.Errorf("rule sets changed after a failed reload: %v", Names(got))
	}
	if got := testutil.ToFloat64(s.lastSuccess); got != 0 {
		t.Errorf("last_reload_successful = %g after a failure", got)
	}

	// Fixed: both load, and the fingerprint changes.
	if err := os.Rename(filepath.Join(dir, "broken.yaml"), filepath.Join(dir, "other.yaml")); err != nil {
		t.Fatal(err)
	}
	write(t, dir, "other.yaml", []byte("name: other\nthresholds: {pass: 90, marginal: 50}\nmetrics: [{name: x, query: 'up{ {{.Pods}} }'}]\n"))
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	if got := Names(s.RuleSets()); len(got) != 2 {
		t.Errorf("loaded %v", got)
	}
	if testutil.ToFloat64(s.configHash) == hash {
		t.Error("config hash did not change")
	}
}

// TestUnknownEnvironment checks that an environment no rule file defines
// (a misspelt --environment) fails the load instead of quietly selecting
// the base values, and that one some file defines is fine for the others.
func TestUnknownEnvironment(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, dir, "with-envs.yaml", []byte("name: with-envs\nthresholds: {pass: 90, marginal: 60}\nmetrics: [{name: x, query: 'up{ {{.Pods}} }'}]\nenvironments: {live: {alpha: 0.005}, beta: {}}\n"))
	write(t, dir, "plain.yaml", []byte("name: plain\nthresholds: {pass: 90, marginal: 60}\nmetrics: [{name: x, query: 'up{ {{.Pods}} }'}]\n"))
	for _, c := range []struct {
		env string
		ok  bool
	}{{"", true}, {"live", true}, {"beta", true}, {"liv", false}, {"Live", false}} {
		t.Run(c.env, func(t *testing.T) {
			sets, err := LoadDir(dir, c.env)
			if c.ok {
				if err != nil {
					t.Fatal(err)
				}
				if c.env == "live" && (sets["with-envs"].Alpha != 0.005 || sets["plain"].Alpha != analysis.DefaultAlpha) {
					t.Errorf("live: alpha %g and %g", sets["with-envs"].Alpha, sets["plain"].Alpha)
				}
				return
			}
			if !errors.Is(err, ErrUnknownEnvironment) || !strings.Contains(err.Error(), "the rule sets define beta, live") {
				t.Errorf("got %v", err)
			}
			s := DirStore(dir, c.env, prometheus.NewRegistry())
			if err := s.Reload(); !errors.Is(err, ErrUnknownEnvironment) || s.RuleSets() != nil {
				t.Errorf("store reload: %v", err)
			}
		})
	}
	sets, err := LoadDir(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := Environments(sets); strings.Join(got, ",") != "beta,live" {
		t.Errorf("environments %v", got)
	}
}
