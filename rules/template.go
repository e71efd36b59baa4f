package rules

import (
	"fmt"
	"strings"
	"sync"
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
	// For a both-references request it matches all three ReplicaSets'
	// pods (PodMatcher.Within).
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
	// newPods matches the pods Increase counts a counter's first value of:
	// the canary's, or every pod's where all are alike (Everyone). It is
	// not CanaryPods so that a template's own use of CanaryPods can be
	// told from Increase's (Metric.PodLocal).
	newPods string
}

// Everyone returns p with every side matched by sel, and every pod's
// first counter value counted as a new pod's: for queries that see all
// pods alike (finding a namespace's pods, a dry run).
func (p Params) Everyone(sel string) Params {
	p.Pods, p.CanaryPods, p.StablePods, p.newPods = sel, sel, sel, sel
	return p
}

// exampleParams render every template once at load time, so that a template
// that uses an unknown field fails when the rule file is loaded, not when a
// canary is judged.
var exampleParams = Params{
	Namespace:  "shop",
	Pods:       `pod=~"web-(?:5f6b7c8d9e|7c9d5b6f4d)-[a-z0-9]+"`,
	CanaryPods: `pod=~"web-5f6b7c8d9e-[a-z0-9]+"`,
	StablePods: `pod=~"web-7c9d5b6f4d-[a-z0-9]+"`,
	newPods:    `pod=~"web-5f6b7c8d9e-[a-z0-9]+"`,
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
	// podLocal caches Metric.PodLocal's answer by source, pod and hash label: the
	// templates of a loaded rule set live as long as it does, and every
	// both-references request asks.
	podLocal sync.Map
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
