package rules

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
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
