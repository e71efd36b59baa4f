package rules

import (
	"fmt"
	"slices"
	"testing"
)

func TestPodLocal(t *testing.T) {
	t.Parallel()
	pods := PodMatching{By: ByName, PodLabel: "pod", Label: DefaultHashLabel}
	for _, c := range []struct {
		name, query string
		source      string
		want        bool
	}{
		{"a selector", `x{namespace="{{.Namespace}}", {{.Pods}}}`, "", true},
		{"a sum by pod", `sum by (pod) (rate(x{ {{.Pods}} }[5m]))`, "", true},
		{"a sum by pod and code", `sum by (code, pod) (x{ {{.Pods}} })`, "", true},
		{"a sum without another label", `sum without (code) (x{ {{.Pods}} })`, "", true},
		{"a sum of all pods", `sum(x{ {{.Pods}} })`, "", false},
		{"a sum by another label", `sum by (code) (x{ {{.Pods}} })`, "", false},
		{"a sum without the pod", `sum without (pod) (x{ {{.Pods}} })`, "", false},
		{"a top k of all pods", `topk(1, x{ {{.Pods}} })`, "", false},
		{"a ratio matched on all labels", `x{ {{.Pods}} } / y{ {{.Pods}} }`, "", true},
		{"a ratio matched on the pod", `x{ {{.Pods}} } / on (pod) group_left y{ {{.Pods}} }`, "", true},
		{"a ratio matched on the namespace", `x{ {{.Pods}} } / on (namespace) group_left sum by (namespace) (y{ {{.Pods}} })`, "", false},
		{"a ratio ignoring the pod", `x{ {{.Pods}} } / ignoring (pod) y`, "", false},
		{"a filter against a number", `x{ {{.Pods}} } > 0.5`, "", true},
		{"a share of a scalar", `x{ {{.Pods}} } / scalar(sum(x{ {{.Pods}} }))`, "", false},
		{"an or", `x{ {{.Pods}} } or y{ {{.Pods}} }`, "", true},
		{"an and on nothing", `x{ {{.Pods}} } and on () vector(1)`, "", false},
		{"absent", `x{ {{.Pods}} } or absent(x{ {{.Pods}} })`, "", false},
		{"a label_replace of another label", `label_replace(x{ {{.Pods}} }, "c", "$1", "code", "(.)..")`, "", true},
		{"a label_replace into the pod", `label_replace(x{ {{.Pods}} }, "pod", "$1", "pod_name", "(.*)")`, "", false},
		{"Increase", "sum by (pod) ({{.Increase `x{ {{.Pods}} }`}})", "", true},
		{"Rate", "sum by (pod) ({{.Rate `x{ {{.Pods}} }`}})", "", true},
		{"the canary apart", `x{ {{.CanaryPods}} } and y{ {{.CanaryPods}} } > 20 or x{ {{.StablePods}} }`, "", false},
		{"the canary only", `x{ {{.CanaryPods}} }`, "", false},
		{"no pods at all", `sum by (pod) (x{namespace="{{.Namespace}}"})`, "", true},
		// LogQL, read without Loki's parser: on the safe side.
		{"LogQL: a count by pod", `sum by (pod) (count_over_time({ {{.Pods}} } [{{.Step}}]))`, "loki", true},
		{"LogQL: a count by pod and class after", `sum(count_over_time({ {{.Pods}} } | json [1m])) by (class, pod)`, "loki", true},
		{"LogQL: a count of every stream", `count_over_time({ {{.Pods}} } [1m])`, "loki", true},
		{"LogQL: a sum without another label", `sum without (stream) (rate({ {{.Pods}} } [1m]))`, "loki", true},
		{"LogQL: a sum of all pods", `sum(count_over_time({ {{.Pods}} } [1m]))`, "loki", false},
		{"LogQL: a sum by another label", `sum by (class) (count_over_time({ {{.Pods}} } [1m]))`, "loki", false},
		{"LogQL: a sum without the pod", `sum without (pod) (count_over_time({ {{.Pods}} } [1m]))`, "loki", false},
		{"LogQL: a top k", `topk(1, count_over_time({ {{.Pods}} } [1m]))`, "loki", false},
		{"LogQL: an unwrapped average by pod", `avg_over_time({ {{.Pods}} } | unwrap d | __error__="" [1m]) by (pod) / 1000`, "loki", true},
		{"LogQL: an unwrapped average of every stream", `avg_over_time({ {{.Pods}} } | unwrap d [1m])`, "loki", true},
		{"LogQL: an unwrapped average by another label", `avg_over_time({ {{.Pods}} } | unwrap d [1m]) by (class)`, "loki", false},
		{"LogQL: a quantile without the pod", `quantile_over_time(0.95, { {{.Pods}} } | unwrap d [1m]) without (pod)`, "loki", false},
		{"LogQL: a match on the namespace", `sum by (pod) (rate({ {{.Pods}} } [1m])) / on (namespace) group_left sum by (namespace) (rate({ {{.Pods}} } [1m]))`, "loki", false},
		{"LogQL: a match on the pod", `sum by (pod) (rate({ {{.Pods}} } |= "x" [1m])) / on (pod) sum by (pod) (rate({ {{.Pods}} } [1m]))`, "loki", true},
		{"LogQL: a match ignoring the pod", `sum by (pod) (rate({ {{.Pods}} } [1m])) / ignoring (pod) sum by (pod) (rate({ {{.Pods}} } [1m]))`, "loki", false},
		{"LogQL: a label_format of another label", `sum by (pod, c) (count_over_time({ {{.Pods}} } | label_format c="{{"{{"}}.status{{"}}"}}" [1m]))`, "loki", true},
		{"LogQL: a label_format into the pod", `sum by (pod) (count_over_time({ {{.Pods}} } | label_format pod=host [1m]))`, "loki", false},
		{"LogQL: keep", `sum by (pod) (count_over_time({ {{.Pods}} } | keep level [1m]))`, "loki", false},
		{"LogQL: drop", `sum by (pod) (count_over_time({ {{.Pods}} } | drop pod [1m]))`, "loki", false},
		{"LogQL: vector", `sum by (pod) (count_over_time({ {{.Pods}} } [1m])) or vector(0)`, "loki", false},
		{"LogQL: words in strings", "sum by (pod) (count_over_time({ {{.Pods}} } |= `sum(x) on (namespace)` != \"keep\" [1m]))", "loki", true},
		{"LogQL: a label named like an operator", `sum by (pod) (count_over_time({ {{.Pods}} } | logfmt | count > 2 [1m]))`, "loki", true},
		{"LogQL: the canary apart", `count_over_time({ {{.CanaryPods}} } [1m]) or count_over_time({ {{.StablePods}} } [1m])`, "loki", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			m := Metric{Name: "m", Query: c.query}
			if c.source != "" {
				m.Source = "loki"
			} else {
				m.Source = "prometheus"
			}
			if got := m.PodLocal(RoleQuery, pods); got != c.want {
				t.Errorf("PodLocal(%s) = %v, want %v", c.query, got, c.want)
			}
		})
	}
	t.Run("another pod label", func(t *testing.T) {
		t.Parallel()
		m := Metric{Name: "m", Source: "prometheus", Query: `sum by (pod_name) (x{ {{.Pods}} })`}
		for _, c := range []struct {
			label string
			want  bool
		}{{"pod_name", true}, {"pod", false}} {
			if got := m.PodLocal(RoleQuery, PodMatching{By: ByName, PodLabel: c.label}); got != c.want {
				t.Errorf("pod label %s: %v, want %v", c.label, got, c.want)
			}
		}
	})
}

// TestPodLocalShipped pins which of the shipped rule sets' queries a
// both-references request sends once for its three judgements: every
// query but http-service's latencies, which filter the canary's minutes by
// their requests ({{.CanaryPods}}).
func TestPodLocalShipped(t *testing.T) {
	t.Parallel()
	for file, want := range map[string][]string{
		"http-service.yaml": {"error-ratio.numerator", "error-ratio.denominator", "not-found-ratio.numerator", "not-found-ratio.denominator",
			"cpu.query", "cpu.load", "cpu.throttled", "cpu.periods", "memory.query", "restarts.query"},
		"apache-frontend.yaml": {"error-ratio.numerator", "error-ratio.denominator", "not-found-ratio.numerator", "not-found-ratio.denominator",
			"latency.query", "new-errors.exposure", "cpu.query", "memory.query", "restarts.query"},
	} {
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			rs, err := LoadFile("../deploy/base/rules/"+file, "")
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for i := range rs.Metrics {
				m := &rs.Metrics[i]
				for _, r := range m.Roles() {
					if m.PodLocal(r, rs.Pods) {
						got = append(got, fmt.Sprintf("%s.%s", m.Name, r))
					}
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("shared %v, want %v", got, want)
			}
		})
	}
}

// BenchmarkPodLocal measures what deciding the shared queries costs a
// both-references request with the shipped http-service rule set (every
// role of every metric, as engine.podLocalRoles asks).
func BenchmarkPodLocal(b *testing.B) {
	rs, err := LoadFile("../deploy/base/rules/http-service.yaml", "")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		for i := range rs.Metrics {
			m := &rs.Metrics[i]
			for _, r := range m.Roles() {
				m.PodLocal(r, rs.Pods)
			}
		}
	}
}
