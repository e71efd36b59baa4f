package rules

import (
	"testing"

	"github.com/prometheus/common/model"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/providers"
	"github.com/canary-analyzer/canary-analyzer/request"
)

func TestLoadSignaturesDefaults(t *testing.T) {
	t.Parallel()
	rs, err := LoadFile("testdata/signatures.good.yaml", "")
	if err != nil {
		t.Fatal(err)
	}
	def, tuned := rs.Metrics[0], rs.Metrics[1]
	checks := []struct {
		name      string
		got, want any
	}{
		{"source defaults to loki", def.Source, providers.TypeLoki},
		{"direction", def.Direction, analysis.Increase},
		{"lineLimit", def.Signatures.LineLimit, DefaultLineLimit},
		// The signature judge's own knobs stay unset: it reads zero as its
		// default.
		{"minCount", def.Signatures.MinCount, 0},
		{"similarity", def.Signatures.Similarity, 0.0},
		{"series roles: the exposure only", len(def.Roles()), 1},
		{"tuned lineLimit", tuned.Signatures.LineLimit, 20000},
		{"tuned minCount", tuned.Signatures.MinCount, 5},
		{"tuned maxFindings", tuned.Signatures.MaxFindings, 3},
		{"tuned exampleLength", tuned.Signatures.ExampleLength, 120},
		{"tuned similarity", tuned.Signatures.Similarity, 0.7},
		{"tuned detectableCount", tuned.Signatures.DetectableCount, -1},
		{"tuned has no series queries", len(tuned.Roles()), 0},
		{"tuned tolerance", *tuned.Tolerance, 1.0},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if def.Roles()[0] != RoleExposure {
		t.Errorf("roles %v, want [exposure]", def.Roles())
	}
	if def.LogTemplate() == nil || def.Template(RoleQuery) != nil {
		t.Fatal("the log query is not kept apart from the series queries")
	}
	pm, err := NewPodMatcher(rs.Pods, request.Target{Namespace: "shop", Rollout: "web", CanaryHash: "5f6b7c8d9e", StableHash: "7c9d5b6f4d"})
	if err != nil {
		t.Fatal(err)
	}
	p := pm.Params(model.Duration(DefaultStep))
	p.Pods = p.CanaryPods
	got, err := def.LogTemplate().Render(p)
	if err != nil {
		t.Fatal(err)
	}
	want := "{namespace=\"shop\", pod=~\"web-5f6b7c8d9e-[a-z0-9]+\", stream=\"error\"} |~ `:(error|crit)\\]`"
	if got != want {
		t.Errorf("rendered for the canary:\n got %s\nwant %s", got, want)
	}
}
