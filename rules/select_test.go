package rules

import (
	"strings"
	"testing"

	"github.com/prometheus/common/model"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/request"
)

// TestSelectFromOneQuery loads metrics that take their series from one
// query (written once, with a YAML anchor): the roles render the same
// query, and each role's selector is the file's.
func TestSelectFromOneQuery(t *testing.T) {
	t.Parallel()
	rs, err := LoadFile("testdata/select.good.yaml", "")
	if err != nil {
		t.Fatal(err)
	}
	pm, err := NewPodMatcher(rs.Pods, request.Target{Namespace: "shop", Rollout: "web", CanaryHash: "5f6b7c8d9e", StableHash: "7c9d5b6f4d"})
	if err != nil {
		t.Fatal(err)
	}
	render := func(m *Metric, r Role) string {
		t.Helper()
		q, err := m.Template(r).Render(pm.Params(rs.Step))
		if err != nil {
			t.Fatal(err)
		}
		return q
	}
	ratio, sigs := &rs.Metrics[0], &rs.Metrics[1]
	num, den, exp := render(ratio, RoleNumerator), render(ratio, RoleDenominator), render(sigs, RoleExposure)
	if num != den || num != exp {
		t.Errorf("the three roles render different queries:\n%s\n%s\n%s", num, den, exp)
	}
	for _, c := range []struct {
		m      *Metric
		r      Role
		want   map[string]string
		listed bool
	}{
		{ratio, RoleNumerator, map[string]string{"class": "5xx"}, true},
		{ratio, RoleDenominator, map[string]string{}, true},
		{sigs, RoleExposure, map[string]string{}, true},
		{sigs, RoleQuery, nil, false},
	} {
		sel, ok := c.m.Selector(c.r)
		if ok != c.listed || len(sel) != len(c.want) || sel["class"] != c.want["class"] {
			t.Errorf("%s %s: selector %v (%v), want %v (%v)", c.m.Name, c.r, sel, ok, c.want, c.listed)
		}
	}
}

// TestDryRunSelect: a query that metrics select from may return several
// series a pod; a selector no series matches is a warning for a numerator
// (no pod had such an event) and an error for any other role.
func TestDryRunSelect(t *testing.T) {
	t.Parallel()
	res := model.Matrix{
		{Metric: model.Metric{"pod": "web-c1-a", "class": "2xx"}},
		{Metric: model.Metric{"pod": "web-c1-a", "class": "5xx"}},
		{Metric: model.Metric{"pod": "web-s1-b", "class": "2xx"}},
	}
	m := &Metric{Name: "errors", Kind: analysis.KindRatio, Select: map[Role]map[string]string{
		RoleNumerator: {"class": "404"}, RoleDenominator: {},
	}}
	pm := PodMatching{By: ByName, PodLabel: "pod"}
	for _, c := range []struct {
		role    Role
		problem bool
		warning bool
	}{
		{RoleDenominator, false, false},
		{RoleNumerator, true, true},
	} {
		msg, warning := checkSeries(res, pm, m, c.role)
		if (msg != "") != c.problem || warning != c.warning {
			t.Errorf("%s: %q (warning %v)", c.role, msg, warning)
		}
	}
	m.Select[RoleDenominator] = map[string]string{"class": "nope"}
	if msg, warning := checkSeries(res, pm, m, RoleDenominator); msg == "" || warning {
		t.Errorf("a denominator selecting nothing: %q (warning %v), want an error", msg, warning)
	}
	delete(m.Select, RoleDenominator)
	if msg, _ := checkSeries(res, pm, m, RoleDenominator); !strings.Contains(msg, "more than one series for a pod") {
		t.Errorf("without select: %q, want the error about several series a pod", msg)
	}
}
