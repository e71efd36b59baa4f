package rules

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/providers"
)

func TestLoadBadFiles(t *testing.T) {
	t.Parallel()
	cases := []struct {
		file string
		// want are substrings of the error, each with its file:line prefix.
		want []string
		// n is the number of errors, when it differs from len(want).
		n int
	}{
		{file: "unknown-field.bad.yaml", want: []string{`unknown-field.bad.yaml:6: unknown field "tolerence" in metric`}},
		{file: "unknown-top-field.bad.yaml", want: []string{`unknown-top-field.bad.yaml:2: unknown field "treshold" in rule set`}},
		{file: "missing-name.bad.yaml", want: []string{"missing-name.bad.yaml:1:1: name is required"}},
		{file: "missing-thresholds.bad.yaml", want: []string{"thresholds (pass and marginal) are required"}},
		{file: "bad-thresholds.bad.yaml", want: []string{"bad-thresholds.bad.yaml:2:24: thresholds.marginal must be in [0, pass], got 90"}},
		{file: "ratio-without-denominator.bad.yaml", want: []string{`ratio-without-denominator.bad.yaml:4:5: metric "errors": kind ratio needs denominator`}},
		{file: "value-with-numerator.bad.yaml", want: []string{`value-with-numerator.bad.yaml:6:5: metric "latency": kind value does not use numerator`}},
		{file: "template-unknown-field.bad.yaml", want: []string{`template-unknown-field.bad.yaml:5:5: metric "latency": query:`, "can't evaluate field Namespaces"}, n: 1},
		{file: "template-syntax.bad.yaml", want: []string{`template-syntax.bad.yaml:5:5: metric "latency": query: template:`}},
		{file: "duplicate-metric.bad.yaml", want: []string{`duplicate-metric.bad.yaml:6:5: metric "a" is already defined`}},
		{file: "bad-enums.bad.yaml", want: []string{
			`bad-enums.bad.yaml:2:1: judge "magic" is not one of canary, kayenta`,
			`bad-enums.bad.yaml:6:5: metric "a": kind "histogram" is not one of value, ratio, rate`,
			`bad-enums.bad.yaml:7:5: metric "a": source "graphite"`,
			`bad-enums.bad.yaml:8:5: metric "a": direction "up"`,
			`bad-enums.bad.yaml:9:5: metric "a": noData "pass"`,
		}},
		{file: "bad-numbers.bad.yaml", want: []string{
			"bad-numbers.bad.yaml:3:1: alpha must be in (0, 0.2], got 0.5",
			"bad-numbers.bad.yaml:4:1: step must be at least 1s",
			`bad-numbers.bad.yaml:8:5: metric "a": tolerance must not be negative`,
			`bad-numbers.bad.yaml:9:5: metric "a": weight must be positive`,
			`bad-numbers.bad.yaml:10:5: metric "a": min 5 is above max 1`,
		}},
		{file: "explicit-zero.bad.yaml", want: []string{
			"explicit-zero.bad.yaml:3:1: alpha must be in (0, 0.2], got 0",
			"explicit-zero.bad.yaml:4:1: step must be at least 1s",
			"explicit-zero.bad.yaml:5:1: looks must be positive",
			`explicit-zero.bad.yaml:9:5: metric "a": weight must be positive`,
		}},
		{file: "env-unknown-metric.bad.yaml", want: []string{`env-unknown-metric.bad.yaml:9:7: environment live overrides metric "b"`}},
		{file: "two-documents.bad.yaml", want: []string{"two-documents.bad.yaml:7: a rule file holds one rule set"}},
		{file: "no-metrics.bad.yaml", want: []string{"a rule set needs at least one metric"}},
		{file: "wrong-type.bad.yaml", want: []string{"wrong-type.bad.yaml:2: cannot unmarshal !!str `ninety` into float64"}},
		{file: "bad-name.bad.yaml", want: []string{`bad-name.bad.yaml:1:1: name "Bad_Name" must be lower-case`}},
		{file: "empty.bad.yaml", want: []string{"empty.bad.yaml: the file is empty"}},
		{file: "load-misuse.bad.yaml", want: []string{
			`load-misuse.bad.yaml:7:5: metric "cpu": max does not apply to a metric judged against load`,
			`load-misuse.bad.yaml:12:5: metric "errors": kind ratio does not use load`,
			`load-misuse.bad.yaml:16:7: environment live: metric "cpu" is judged against load: max and min do not apply`,
		}},
		{file: "suspect-level.bad.yaml", want: []string{
			`suspect-level.bad.yaml:3:1: suspectLevel must be in [0, 0.2] (0 turns it off), got 0.5`,
			`suspect-level.bad.yaml:9:5: suspectLevel must be in [0, 0.2] (0 turns it off), got -0.1`,
		}},
		{file: "weights-misuse.bad.yaml", want: []string{
			`weights-misuse.bad.yaml:7:5: metric "cpu": modelLookback applies to a metric with a load query only`,
			`weights-misuse.bad.yaml:11:5: metric "mem": modelLookback 10m is shorter than the lookback 30m`,
			`weights-misuse.bad.yaml:16:5: metric "errors": boundWeight needs a max or min bound`,
			`weights-misuse.bad.yaml:23:5: metric "errors2": boundWeight 2 must be below the weight 2`,
		}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			t.Parallel()
			_, err := LoadFile(filepath.Join("testdata", c.file), "")
			if err == nil {
				t.Fatal("loaded without error")
			}
			var es Errors
			if !errors.As(err, &es) {
				t.Fatalf("error %v is not rules.Errors", err)
			}
			n := c.n
			if n == 0 {
				n = len(c.want)
			}
			if len(es) != n {
				t.Errorf("got %d errors, want %d: %v", len(es), n, err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

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
		{"alpha", rs.Alpha, DefaultAlpha},
		{"source", m.Source, providers.TypePrometheus},
		{"kind", m.Kind, analysis.KindValue},
		{"direction", m.Direction, analysis.Increase},
		{"tolerance", *m.Tolerance, DefaultTolerance},
		{"weight", m.Weight, DefaultWeight},
		{"noData", m.NoData, analysis.NoDataInconclusive},
		{"critical", m.Critical, false},
		{"roles", len(m.Roles()), 1},
		{"looks", rs.Looks, DefaultLooks},
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
// environment it names.
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
