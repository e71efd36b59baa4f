package rules

import (
	"fmt"
	"strings"
	"text/template"
)

// Params are the values a query template can use. Every value is already
// escaped for a PromQL or LogQL label matcher.
type Params struct {
	// Namespace is the namespace, safe inside a double-quoted string.
	Namespace string
	// Pods matches the canary's and the stable pods' series, e.g.
	// pod=~"web-(?:5f6b7c8d9e|7c9d5b6f4d)-[a-z0-9]+", or, for a request
	// that names ReplicaSets, pod=~"(?:web-1-canary-[a-z0-9]+|web-1-baseline-[a-z0-9]+)".
	Pods string
	// CanaryPods and StablePods match one side only.
	CanaryPods string
	StablePods string
	// Step is the query step as a PromQL/LogQL duration ("1m", "30s").
	Step string
	// Rollout is the rollout name ("" when unknown), safe inside a string.
	Rollout string

	// podLabel names the pod in series and hashLabel holds the
	// pod-template hash (pods.podLabel and pods.label), for Increase.
	podLabel, hashLabel string
}

// exampleParams render every template once at load time, so that a template
// that uses an unknown field fails when the rule file is loaded, not when a
// canary is judged.
var exampleParams = Params{
	Namespace:  "shop",
	Pods:       `pod=~"web-(?:5f6b7c8d9e|7c9d5b6f4d)-[a-z0-9]+"`,
	CanaryPods: `pod=~"web-5f6b7c8d9e-[a-z0-9]+"`,
	StablePods: `pod=~"web-7c9d5b6f4d-[a-z0-9]+"`,
	Step:       "1m",
	Rollout:    "web",
	podLabel:   DefaultPodLabel,
	hashLabel:  DefaultHashLabel,
}

// Template is a parsed query template.
type Template struct {
	text string
	tmpl *template.Template
	// err is why text does not parse (a metric built in code).
	err error
}

// ParseTemplate parses a query template and renders it once with example
// values.
func ParseTemplate(name, text string) (*Template, error) {
	t, err := template.New(name).Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, err
	}
	tp := &Template{text: text, tmpl: t}
	if _, err := tp.Render(exampleParams); err != nil {
		return nil, err
	}
	return tp, nil
}

// Text returns the template source.
func (t *Template) Text() string { return t.text }

// Render fills the template in.
func (t *Template) Render(p Params) (string, error) {
	if t.err != nil {
		return "", fmt.Errorf("parsing query template: %w", t.err)
	}
	var b strings.Builder
	if err := t.tmpl.Execute(&b, p); err != nil {
		return "", fmt.Errorf("rendering query template: %w", err)
	}
	return strings.TrimSpace(b.String()), nil
}
