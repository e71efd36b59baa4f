package rules

import (
	"testing"

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
