package rules

import (
	"strings"
	"testing"
)

func TestCounterHelpers(t *testing.T) {
	t.Parallel()
	p := exampleParams
	p.Step = "30s"
	cases := []struct {
		name, text, want, err string
	}{
		{"increase", "sum by (pod) ({{.Increase `restarts{namespace=\"{{.Namespace}}\", {{.Pods}}}`}})",
			`sum by (pod) ((restarts{namespace="shop", pod=~"web-(?:5f6b7c8d9e|7c9d5b6f4d)-[a-z0-9]+"} - last_over_time(restarts{namespace="shop", pod=~"web-(?:5f6b7c8d9e|7c9d5b6f4d)-[a-z0-9]+"}[1h] offset 30s) >= 0 or restarts{namespace="shop", pod=~"web-(?:5f6b7c8d9e|7c9d5b6f4d)-[a-z0-9]+"}))`, ""},
		{"rate", "{{.Rate `cpu{ {{.CanaryPods}} }`}}",
			`((cpu{ pod=~"web-5f6b7c8d9e-[a-z0-9]+" } - last_over_time(cpu{ pod=~"web-5f6b7c8d9e-[a-z0-9]+" }[1h] offset 30s) >= 0 or cpu{ pod=~"web-5f6b7c8d9e-[a-z0-9]+" }) / 30)`, ""},
		{"not a selector", "{{.Increase `sum(x)`}}", "", "Increase takes one series selector"},
		{"unknown field inside", "{{.Increase `x{ {{.Podz}} }`}}", "", "can't evaluate field Podz"},
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
			if got != c.want {
				t.Errorf("got\n%s\nwant\n%s", got, c.want)
			}
			if problem, warnings := checkPromQL(got, 30e9); problem != nil || len(warnings) > 0 {
				t.Errorf("the exact form does not check clean: %+v %v", problem, warnings)
			}
		})
	}
}
