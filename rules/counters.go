package rules

import (
	"fmt"
	"strings"
	"text/template"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
)

// canarySeen is how far back Increase looks for an earlier sample of a
// canary series that has none one step earlier: longer than any analysis.
const canarySeen = "1h"

// Increase returns the exact increase over each query step of the counters
// that selector selects, for a query template:
//
//	sum by (pod) ({{.Increase `restarts_total{namespace="{{.Namespace}}", {{.Pods}}}`}})
//
// increase(x[step]) at a step equal to its range only sees the samples
// inside each window and loses what happens between the last sample of one
// window and the first of the next (a restart, an error). The exact form
// subtracts the counter's value one step earlier (x offset step: its last
// sample then, up to Prometheus' lookback of 5 minutes back, so shorter
// gaps in the scrapes are bridged), so consecutive steps add up to the whole
// increase:
//
//   - a counter that went down was reset (its container restarted): the
//     step counts its new value;
//   - a series without a value one step earlier counts its first value
//     when its pod is the canary (Params.newPods) and the series had no
//     sample in the hour before (canarySeen), or when its pod had other
//     series of the same metric one step earlier (the first 5xx of a
//     stable pod, a container's new series after a restart): a counter
//     can start above zero (kube-state-metrics' restarts of a pod that
//     crashed before its first scrape, a counter created at its first
//     increment). A canary series back after more than 5 minutes without
//     a sample (a Prometheus outage, an unreachable pod) is not new:
//     counting its value again would count everything before the gap
//     twice;
//   - any other series without a value one step earlier (a stable pod whose
//     data begin here, or come back after more than 5 minutes without)
//     counts from its next step: Prometheus cannot tell a new pod from one
//     whose data only begin here (a new Prometheus, a target added, the
//     start of the history), whose first value holds everything since the
//     pod started.
//
// Every part but the canary's is an instant selector, as cheap as the
// counter itself; the canary's adds a range over its own few series. The
// selector is itself a template.
func (p Params) Increase(selector string) (string, error) {
	sel, matchers, err := p.renderSelector("Increase", selector)
	if err != nil {
		return "", err
	}
	pod := p.podLabel
	if pod == "" {
		pod = DefaultPodLabel
	}
	prev := fmt.Sprintf("%s offset %s", sel, p.Step)
	// The pod's series of the same metric, by the matchers that name the
	// metric, the namespace and the pods.
	var keep []string
	for _, m := range matchers {
		switch m.Name {
		case model.MetricNameLabel, "namespace", pod, p.hashLabel:
			keep = append(keep, m.String())
		}
	}
	podBefore := fmt.Sprintf("group by (%s) ({%s} offset %s)", pod, strings.Join(keep, ", "), p.Step)
	parts := []string{
		sel + " - " + prev + " >= 0",
		sel + " < " + prev,
		fmt.Sprintf("(%s and on (%s) %s)", sel, pod, podBefore),
	}
	if p.newPods != "" {
		canary := make([]string, 0, len(matchers)+1)
		for _, m := range matchers {
			canary = append(canary, m.String())
		}
		canary = append(canary, p.newPods)
		sel := "{" + strings.Join(canary, ", ") + "}"
		parts = append(parts, fmt.Sprintf("(%[1]s unless last_over_time(%[1]s[%[2]s] offset %[3]s))", sel, canarySeen, p.Step))
	}
	return "(" + strings.Join(parts, " or ") + ")", nil
}

// Rate returns the exact per-second rate over each query step of the
// counters that selector selects, for value metrics (CPU seconds into
// cores, requests into requests per second as a load):
//
//	sum by (pod) ({{.Rate `container_cpu_usage_seconds_total{namespace="{{.Namespace}}", {{.Pods}}}`}})
//
// It is the counter's increase between its last sample at the step and its
// last sample one step earlier, over the seconds between those two samples'
// own timestamps, where both exist, the counter did not go down and a new
// sample came in between: a series' first step and the step of a reset have
// no value, as with rate(), and so has a step in which no new sample
// arrived (a lost scrape, a Prometheus outage), which is no measurement of
// a rate rather than a rate of zero. Dividing by the samples' own interval
// rather than the step keeps a rate a rate when the samples are not a step
// apart: a scrape every 30 s whose samples are stamped a few seconds early
// or late would otherwise put one or three scrapes' increase into a
// minute's step (half or one and a half times the rate), and the step after
// a gap everything the gap held. A value metric can do without a sample; a
// count cannot lose events, which is why counts take Increase, whose edge
// cases (a pod's other series, the canary's first value) cost Prometheus more.
func (p Params) Rate(selector string) (string, error) {
	sel, _, err := p.renderSelector("Rate", selector)
	if err != nil {
		return "", err
	}
	step, err := model.ParseDuration(p.Step)
	if err != nil || step <= 0 {
		return "", fmt.Errorf("Rate: the step %q is not a duration", p.Step)
	}
	return fmt.Sprintf("((%[1]s - %[1]s offset %[2]s >= 0) / (timestamp(%[1]s) - timestamp(%[1]s offset %[2]s) > 0))",
		sel, p.Step), nil
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
