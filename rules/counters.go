package rules

import (
	"fmt"
	"strings"
	"text/template"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
)

// counterGap is how far back Increase looks for a counter's previous
// sample: a gap in the scrapes shorter than this is bridged (its increase
// counts at the step after it).
const counterGap = "1h"

// Increase returns the exact increase over each query step of the counters
// that selector selects, for a query template:
//
//	sum by (pod) ({{.Increase `restarts_total{namespace="{{.Namespace}}", {{.Pods}}}`}})
//
// increase(x[step]) at a step equal to its range only sees the samples
// inside each window and loses what happens between the last sample of one
// window and the first of the next (a restart, an error). The exact form
// subtracts the counter's last value before the step (up to counterGap
// back), so consecutive steps add up to the whole increase:
//
//   - a counter that went down was reset (its container restarted): the
//     step counts its new value;
//   - a series that is new (no sample in the hour before) counts its first
//     value when its pod is the canary, or when its pod had other series of
//     the same metric before (the first 5xx of a stable pod): a counter can
//     start above zero (kube-state-metrics' restarts of a pod that crashed
//     before its first scrape, a counter created at its first increment);
//   - a new series of a stable pod with no such history counts from its
//     second sample: Prometheus cannot tell a new pod from one whose data
//     only begins here (a new Prometheus, a target added, the start of the
//     history), whose first value holds everything since the pod started.
//
// The selector is itself a template.
func (p Params) Increase(selector string) (string, error) {
	sel, matchers, err := p.renderSelector("Increase", selector)
	if err != nil {
		return "", err
	}
	pod := p.podLabel
	if pod == "" {
		pod = DefaultPodLabel
	}
	prev := fmt.Sprintf("last_over_time(%s[%s] offset %s)", sel, counterGap, p.Step)
	// The pod's series of the same metric, by the matchers that name the
	// metric, the namespace and the pods.
	var keep []string
	for _, m := range matchers {
		switch m.Name {
		case model.MetricNameLabel, "namespace", pod, p.hashLabel:
			keep = append(keep, m.String())
		}
	}
	podBefore := fmt.Sprintf("group by (%s) (last_over_time({%s}[%s] offset %s))", pod, strings.Join(keep, ", "), counterGap, p.Step)
	parts := []string{
		sel + " - " + prev + " >= 0",
		sel + " < " + prev,
		fmt.Sprintf("(%s and on (%s) %s)", sel, pod, podBefore),
	}
	if p.CanaryPods != "" {
		canary := make([]string, 0, len(matchers)+1)
		for _, m := range matchers {
			canary = append(canary, m.String())
		}
		canary = append(canary, p.CanaryPods)
		parts = append(parts, "{"+strings.Join(canary, ", ")+"}")
	}
	return "(" + strings.Join(parts, " or ") + ")", nil
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
func (p Params) renderSelector(helper, selector string) (string, []*labels.Matcher, error) {
	t, err := template.New(helper).Option("missingkey=error").Parse(selector)
	if err != nil {
		return "", nil, fmt.Errorf("%s: %w", helper, err)
	}
	var b strings.Builder
	if err := t.Execute(&b, p); err != nil {
		return "", nil, fmt.Errorf("%s: %w", helper, err)
	}
	sel := strings.TrimSpace(b.String())
	matchers, err := promqlParser.ParseMetricSelector(sel)
	if err != nil {
		return "", nil, fmt.Errorf("%s takes one series selector such as name{label=\"value\"}, not %q: %w", helper, sel, err)
	}
	return sel, matchers, nil
}
