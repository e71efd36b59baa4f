package rules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/providers"
)

func TestLoadDefaults(t *testing.T) {
	t.Parallel()
	rs, err := LoadFile("testdata/minimal.good.yaml", "")
	if err != nil {
		t.Fatal(err)
	}
	m := rs.Metrics[0]
	checks := []struct {
		name      string
		got, want any
	}{
		{"judge", rs.Judge, JudgeCanary},
		{"pods.by", rs.Pods.By, ByName},
		{"pods.podLabel", rs.Pods.PodLabel, "pod"},
		{"pods.label", rs.Pods.Label, "rollouts_pod_template_hash"},
		{"step", rs.Step.String(), "1m"},
		{"lookback", rs.Lookback.String(), "30m"},
		{"warmup", rs.Warmup.String(), "2m"},
		{"alpha", rs.Alpha, analysis.DefaultAlpha},
		{"source", m.Source, providers.TypePrometheus},
		{"kind", m.Kind, analysis.KindValue},
		{"direction", m.Direction, analysis.Increase},
		{"tolerance", *m.Tolerance, DefaultTolerance},
		{"weight", m.Weight, DefaultWeight},
		{"noData", m.NoData, analysis.NoDataInconclusive},
		{"critical", m.Critical, false},
		{"roles", len(m.Roles()), 1},
		{"looks", rs.Looks, analysis.DefaultLooks},
		{"lookInterval", rs.LookInterval.String(), "2m"},
		{"lookDelay", rs.LookDelay.String(), "4m"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

// TestLoadQuery checks that a value metric takes a load query as its own
// role and that lookDelay is read.
func TestLoadQuery(t *testing.T) {
	t.Parallel()
	rs, err := LoadFile("testdata/load.good.yaml", "")
	if err != nil {
		t.Fatal(err)
	}
	m := rs.Metrics[0]
	roles := m.Roles()
	if len(roles) != 2 || roles[0] != RoleQuery || roles[1] != RoleLoad || m.Template(RoleLoad) == nil {
		t.Errorf("roles %v; want query and load", roles)
	}
	if rs.LookDelay.String() != "5m" {
		t.Errorf("lookDelay %s, want 5m", rs.LookDelay)
	}
}

// TestShippedRuleSets loads every rule file deploy/ ships, in every
// environment it names: without errors and without warnings (every counter
// in the exact form).
func TestShippedRuleSets(t *testing.T) {
	t.Parallel()
	const dir = "../deploy/base/rules"
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) == 0 {
		t.Fatal("no shipped rule files")
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, env := range []string{"", "alpha", "beta", "live"} {
			t.Run(e.Name()+"/"+env, func(t *testing.T) {
				rs, err := Load(b, e.Name(), env)
				if err != nil {
					t.Fatal(err)
				}
				for _, w := range rs.Warnings {
					t.Errorf("the shipped rules must load without warnings: %v", w)
				}
				if strings.TrimSuffix(e.Name(), ".yaml") != rs.Name {
					t.Errorf("file %s holds rule set %q: name files after their rule set", e.Name(), rs.Name)
				}
			})
		}
	}
}

func TestEnvironmentOverrides(t *testing.T) {
	t.Parallel()
	content := []byte(`
name: envs
thresholds: {pass: 90, marginal: 60}
alpha: 0.01
metrics:
  - name: p95
    query: 'x{ {{.Pods}} }'
    max: 1.0
    tolerance: 0.1
environments:
  live:
    thresholds: {pass: 95, marginal: 80}
    alpha: 0.005
    suspectLevel: 0.01
    metrics:
      p95: {max: 0.5, critical: true}
  alpha:
    thresholds: {pass: 70, marginal: 30}
`)
	cases := []struct {
		env            string
		pass, marginal float64
		alpha, max     float64
		critical       bool
		suspect        float64
	}{
		{"", 90, 60, 0.01, 1.0, false, 0},
		{"beta", 90, 60, 0.01, 1.0, false, 0}, // not mentioned: base values
		{"live", 95, 80, 0.005, 0.5, true, 0.01},
		{"alpha", 70, 30, 0.01, 1.0, false, 0},
	}
	for _, c := range cases {
		t.Run(c.env, func(t *testing.T) {
			rs, err := Load(content, "envs.yaml", c.env)
			if err != nil {
				t.Fatal(err)
			}
			m := rs.Metrics[0]
			if rs.Thresholds.Pass != c.pass || rs.Thresholds.Marginal != c.marginal || rs.Alpha != c.alpha || *m.Max != c.max ||
				m.Critical != c.critical || rs.SuspectLevel != c.suspect {
				t.Errorf("got pass %g marginal %g alpha %g max %g critical %v suspect %g; want %+v",
					rs.Thresholds.Pass, rs.Thresholds.Marginal, rs.Alpha, *m.Max, m.Critical, rs.SuspectLevel, c)
			}
			if *m.Tolerance != 0.1 {
				t.Errorf("tolerance changed to %g", *m.Tolerance)
			}
		})
	}
}

func TestLoadDir(t *testing.T) {
	t.Parallel()
	good, err := os.ReadFile("testdata/minimal.good.yaml")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("ok, skipping hidden entries and other files", func(t *testing.T) {
		dir := t.TempDir()
		write(t, dir, "minimal.yaml", good)
		write(t, dir, "README.md", []byte("not a rule file"))
		if err := os.Mkdir(filepath.Join(dir, "..2026_11_25"), 0o755); err != nil {
			t.Fatal(err)
		}
		write(t, dir, ".hidden.yaml", []byte("garbage: ["))
		sets, err := LoadDir(dir, "")
		if err != nil {
			t.Fatal(err)
		}
		if got := Names(sets); len(got) != 1 || got[0] != "minimal" {
			t.Errorf("loaded %v", got)
		}
	})
	t.Run("duplicate names", func(t *testing.T) {
		dir := t.TempDir()
		write(t, dir, "a.yaml", good)
		write(t, dir, "b.yml", good)
		_, err := LoadDir(dir, "")
		if err == nil || !strings.Contains(err.Error(), `rule set "minimal" is already defined in`) {
			t.Errorf("got %v", err)
		}
	})
	t.Run("one bad file fails all", func(t *testing.T) {
		dir := t.TempDir()
		write(t, dir, "a.yaml", good)
		write(t, dir, "b.yaml", []byte("name: b\n"))
		sets, err := LoadDir(dir, "")
		if err == nil || sets != nil {
			t.Errorf("got %v, %v", sets, err)
		}
	})
	t.Run("empty directory", func(t *testing.T) {
		if _, err := LoadDir(t.TempDir(), ""); err == nil || !strings.Contains(err.Error(), "no rule files") {
			t.Errorf("got %v", err)
		}
	})
}

func write(t *testing.T, dir, name string, b []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
		t.Fatal(err)
	}
}
