package rules

import (
	"strings"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/providers"
)

// Sentinels rendered into a signatures metric's queries at load time to see
// which pod matchers they use.
const (
	probeCanary = "__canary_pods__"
	probeStable = "__stable_pods__"
)

// signatures checks a signatures metric (m, with its defaults; raw as
// decoded) and rejects signatures options on other kinds. It runs after the
// metric's queries are parsed.
func (v *validator) signatures(i int, raw, m *Metric) {
	at := func(key ...any) []any { return append([]any{"metrics", i}, key...) }
	if m.Kind != analysis.KindSignatures {
		if m.Signatures != (SignatureOptions{}) {
			v.errorf(at("signatures"), "metric %q: signatures options need kind signatures", m.Name)
		}
		return
	}
	if q := v.templates[i][RoleLogs]; q != nil {
		if msg := checkLogQuery(q); msg != "" {
			v.errorf(at("query"), "metric %q: %s", m.Name, msg)
		}
	}
	if q := v.templates[i][RoleExposure]; q != nil {
		if out, err := q.Render(exampleParams); err == nil && isLogQuery(out) {
			v.errorf(at("exposure"), "metric %q: exposure must be a LogQL metric query by pod (e.g. sum by (pod) (count_over_time(...[{{.Step}}]))), not a log query", m.Name)
		}
	}
	if m.Source != providers.TypeLoki {
		v.errorf(at("source"), "metric %q: kind signatures reads log lines and needs source loki", m.Name)
	}
	if m.Direction != analysis.Increase {
		v.errorf(at("direction"), "metric %q: kind signatures only judges increases (new or more frequent signatures)", m.Name)
	}
	if m.Max != nil || m.Min != nil {
		v.errorf(at("max"), "metric %q: kind signatures has no value to bound: leave out max and min", m.Name)
	}
	o := raw.Signatures
	check := func(key string, bad bool, format string, args ...any) {
		if bad {
			v.errorf(at("signatures", key), "metric %q: signatures."+key+" "+format, append([]any{m.Name}, args...)...)
		}
	}
	check("lineLimit", o.LineLimit < 0 || o.LineLimit > MaxLineLimit, "must be in 1..%d, got %d", MaxLineLimit, o.LineLimit)
	check("minCount", o.MinCount < 0, "must be at least 1, got %d", o.MinCount)
	check("maxFindings", o.MaxFindings < 0 || o.MaxFindings > MaxMaxFindings, "must be in 1..%d, got %d", MaxMaxFindings, o.MaxFindings)
	check("exampleLength", o.ExampleLength < 0 || o.ExampleLength > MaxExampleLength, "must be in 20..%d, got %d", MaxExampleLength, o.ExampleLength)
	check("exampleLength", o.ExampleLength > 0 && o.ExampleLength < 20, "must be in 20..%d, got %d", MaxExampleLength, o.ExampleLength)
	check("similarity", o.Similarity < 0 || o.Similarity > 1, "must be in (0, 1], got %g", o.Similarity)
	check("detectableCount", o.DetectableCount < -1, "must be positive, or -1 to turn the check off, got %d", o.DetectableCount)
}

// checkLogQuery says what is wrong with a signatures metric's log query, ""
// if nothing: it must be a log query (a stream selector and a pipeline) that
// selects pods with {{.Pods}}, which is rendered once for the canary's pods
// and once for the stable pods.
func checkLogQuery(t *Template) string {
	p := exampleParams
	p.CanaryPods, p.StablePods = probeCanary, probeStable
	a, errA := t.Render(p)
	p.Pods = `pod=~"other"`
	b, errB := t.Render(p)
	switch {
	case errA != nil || errB != nil:
		return "" // ParseTemplate already rendered it; nothing to add
	case !isLogQuery(a):
		return "query must be a LogQL log query: a stream selector {...} with an optional pipeline, not a metric query"
	case strings.Contains(a, probeCanary) || strings.Contains(a, probeStable):
		return "query selects pods with {{.Pods}}, which is rendered once per side, not {{.CanaryPods}} or {{.StablePods}}"
	case a == b:
		return "query must select pods with {{.Pods}} (it is run once for the canary's pods and once for the stable pods)"
	}
	return ""
}

// isLogQuery reports whether a rendered LogQL query is a log query: it
// starts with a stream selector.
func isLogQuery(q string) bool {
	return strings.HasPrefix(strings.TrimSpace(q), "{")
}
