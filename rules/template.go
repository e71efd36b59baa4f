package rules

import (
	"fmt"
	"strings"
	"text/template"
	"time"

	"github.com/prometheus/common/model"
)

// Params are the values a query template can use. Every value is already
// escaped for a PromQL or LogQL label matcher.
type Params struct {
	// Namespace is the namespace, safe inside a double-quoted string.
	Namespace string
	// Pods matches the canary's and the stable pods' series, e.g.
	// pod=~"web-(?:5f6b7c8d9e|7c9d5b6f4d)-[a-z0-9]+".
	Pods string
	// CanaryPods and StablePods match one side only.
	CanaryPods string
	StablePods string
	// Step is the query step as a PromQL/LogQL duration ("1m", "30s").
	Step string
	// Rollout is the rollout name ("" when unknown), safe inside a string.
	Rollout string
}

// counterGap is how far back Increase looks for a counter's previous sample:
// a gap in the scrapes shorter than this is bridged (its increase counts at
// the step after it), a series with no sample that far back is new.
const counterGap = "1h"

// Increase returns the exact increase of the counters that selector
// selects over each query step, for a query template:
//
//	sum by (pod) ({{.Increase `restarts_total{namespace="{{.Namespace}}", {{.Pods}}}`}})
//
// increase(x[step]) at a step equal to its range only sees the samples
// inside each window and loses what happens between the last sample of one
// window and the first of the next (a restart, an error). The exact form
// subtracts the counter's value one step earlier, so consecutive steps add
// up to the whole increase. A counter that went down was reset (its
// container restarted) and counts its new value; a series with no sample in
// the hour before is new (a new pod, the first error of its kind) and counts
// its first value, which a counter that starts above zero (kube-state-
// metrics' restarts of a pod that crashed before its first scrape) needs.
// The selector is itself a template.
func (p Params) Increase(selector string) (string, error) {
	sel, err := p.renderSelector("Increase", selector)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("(%[1]s - last_over_time(%[1]s[%[2]s] offset %[3]s) >= 0 or %[1]s)", sel, counterGap, p.Step), nil
}

// Rate is Increase per second of the step: the exact rate of the counters
// over each step (rate(x[step]) loses what happens between two windows).
func (p Params) Rate(selector string) (string, error) {
	inc, err := p.Increase(selector)
	if err != nil {
		return "", err
	}
	step, err := model.ParseDuration(p.Step)
	if err != nil || step <= 0 {
		return "", fmt.Errorf("Rate: the step %q is not a duration", p.Step)
	}
	return fmt.Sprintf("(%s / %g)", inc, time.Duration(step).Seconds()), nil
}

// renderSelector renders the selector template given to a helper and
// checks that it is one series selector.
func (p Params) renderSelector(helper, selector string) (string, error) {
	t, err := template.New(helper).Option("missingkey=error").Parse(selector)
	if err != nil {
		return "", fmt.Errorf("%s: %w", helper, err)
	}
	var b strings.Builder
	if err := t.Execute(&b, p); err != nil {
		return "", fmt.Errorf("%s: %w", helper, err)
	}
	sel := strings.TrimSpace(b.String())
	if _, err := promqlParser.ParseMetricSelector(sel); err != nil {
		return "", fmt.Errorf("%s takes one series selector such as name{label=\"value\"}, not %q: %w", helper, sel, err)
	}
	return sel, nil
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
