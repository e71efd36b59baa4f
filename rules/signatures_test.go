package rules

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/common/model"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/providers"
	"github.com/canary-analyzer/canary-analyzer/request"
)

func TestLoadSignaturesBadFiles(t *testing.T) {
	t.Parallel()
	cases := []struct {
		file string
		want []string
	}{
		{file: "signatures-prometheus.bad.yaml", want: []string{
			`signatures-prometheus.bad.yaml:5:5: metric "new-errors": kind signatures reads log lines and needs source loki`,
		}},
		{file: "signatures-queries.bad.yaml", want: []string{
			`signatures-queries.bad.yaml:6:5: metric "metric-query": query must be a LogQL log query`,
			`signatures-queries.bad.yaml:9:5: metric "sides": query selects pods with {{.Pods}}, which is rendered once per side`,
			`signatures-queries.bad.yaml:12:5: metric "no-pods": query must select pods with {{.Pods}}`,
			`signatures-queries.bad.yaml:16:5: metric "log-exposure": exposure must be a LogQL metric query by pod`,
			`signatures-queries.bad.yaml:20:5: metric "with-numerator": kind signatures does not use numerator`,
		}},
		{file: "signatures-options.bad.yaml", want: []string{
			`signatures-options.bad.yaml:7:5: metric "new-errors": kind signatures only judges increases`,
			`signatures-options.bad.yaml:8:5: metric "new-errors": kind signatures has no value to bound`,
			`signatures-options.bad.yaml:10:7: metric "new-errors": signatures.lineLimit must be in 1..50000, got 100000`,
			`signatures-options.bad.yaml:11:7: metric "new-errors": signatures.maxFindings must be in 1..100, got -1`,
			`signatures-options.bad.yaml:12:7: metric "new-errors": signatures.exampleLength must be in 20..2000, got 5`,
			`signatures-options.bad.yaml:13:7: metric "new-errors": signatures.similarity must be in (0, 1], got 1.5`,
			`signatures-options.bad.yaml:14:7: metric "new-errors": signatures.detectableCount must be positive, or -1`,
			`signatures-options.bad.yaml:17:5: metric "latency": signatures options need kind signatures`,
		}},
		{file: "loki-rate-without-exposure.bad.yaml", want: []string{
			`loki-rate-without-exposure.bad.yaml:6:5: metric "error-lines": a rate from Loki needs an exposure query`,
		}},
		{file: "signatures-unknown-option.bad.yaml", want: []string{
			`signatures-unknown-option.bad.yaml:8: unknown field "limit" in signatures options`,
		}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			t.Parallel()
			_, err := LoadFile(filepath.Join("testdata", c.file), "")
			var es Errors
			if !errors.As(err, &es) {
				t.Fatalf("error %v is not rules.Errors", err)
			}
			if len(es) != len(c.want) {
				t.Errorf("got %d errors, want %d: %v", len(es), len(c.want), err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

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
