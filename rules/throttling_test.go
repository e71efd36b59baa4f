package rules

import "testing"

// TestBothReferencesHoldNothing: a both-references request judges with a
// copy of the rule set without throttling holds (and without their
// counters' queries); the rule set itself keeps them.
func TestBothReferencesHoldNothing(t *testing.T) {
	t.Parallel()
	rs, err := Load([]byte(`
name: test
thresholds: {pass: 90, marginal: 60}
metrics:
  - name: latency
    query: 'lat{ {{.Pods}} }'
  - name: cpu
    query: 'cpu{ {{.Pods}} }'
    load: 'rps{ {{.Pods}} }'
    throttled: 'thr{ {{.Pods}} }'
    periods: 'per{ {{.Pods}} }'
    throttlingExplains: [latency]
`), "test.yaml", "")
	if err != nil {
		t.Fatal(err)
	}
	both := rs.WithoutThrottlingHolds()
	cpu := both.Metrics[1]
	if roles := cpu.Roles(); len(roles) != 2 || cpu.Analysis().ThrottlingExplains != nil {
		t.Errorf("both references: cpu has roles %v and holds %v; want query and load, no hold", roles, cpu.Analysis().ThrottlingExplains)
	}
	if orig := rs.Metrics[1]; len(orig.Roles()) != 4 || len(orig.Analysis().ThrottlingExplains) != 1 {
		t.Errorf("the rule set itself lost its holds: roles %v", orig.Roles())
	}
}
