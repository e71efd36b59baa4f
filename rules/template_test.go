package rules

import (
	"strings"
	"testing"
	"time"
)

// TestCounterHelpers checks what the counter helpers accept; what they
// compute is TestIncreaseOnPrometheus's.
func TestCounterHelpers(t *testing.T) {
	t.Parallel()
	p := exampleParams
	p.Step = "30s"
	cases := []struct {
		name, text string
		// has are parts of the rendered query; err, the error's.
		has []string
		err string
	}{
		{"increase", "sum by (pod) ({{.Increase `restarts{namespace=\"{{.Namespace}}\", {{.Pods}}}`}})",
			[]string{`(restarts{namespace="shop", pod=~"web-(?:5f6b7c8d9e|7c9d5b6f4d)-[a-z0-9]+"} - restarts{namespace="shop", pod=~"web-(?:5f6b7c8d9e|7c9d5b6f4d)-[a-z0-9]+"} offset 30s >= 0 or `,
				`pod=~"web-5f6b7c8d9e-[a-z0-9]+"} unless last_over_time(`, `pod=~"web-5f6b7c8d9e-[a-z0-9]+"}[1h] offset 30s)))`}, ""},
		{"rate", "{{.Rate `cpu{ {{.CanaryPods}} }`}}", []string{" offset 30s >= 0) / (timestamp(", " offset 30s) > 0))"}, ""},
		{"not a selector", "{{.Increase `sum(x)`}}", nil, "Increase takes one series selector"},
		{"unknown field inside", "{{.Increase `x{ {{.Podz}} }`}}", nil, "can't evaluate field Podz"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tp, err := ParseTemplate(c.name, c.text)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("got %v, want an error with %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := tp.Render(p)
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range c.has {
				if !strings.Contains(got, h) {
					t.Errorf("%s lacks %s", got, h)
				}
			}
			if problem, warnings := checkPromQL(got, 30*time.Second); problem != nil || len(warnings) > 0 {
				t.Errorf("the exact form does not check clean: %+v %v", problem, warnings)
			}
		})
	}
}
