package rules

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/providers"
	"github.com/canary-analyzer/canary-analyzer/request"
)

// Finding is what a dry run found about one query.
type Finding struct {
	RuleSet string
	Metric  string
	Role    Role
	// Query is the query as it ran.
	Query string
	// Problem says what is wrong. Warning marks a finding that can be
	// right (a numerator that found no errors returns nothing).
	Problem string
	Warning bool
}

func (f Finding) String() string {
	sev := "error"
	if f.Warning {
		sev = "warning"
	}
	return fmt.Sprintf("%s: rule set %s, metric %s, %s: %s\n\t%s", sev, f.RuleSet, f.Metric, f.Role, f.Problem, f.Query)
}

// DryRun runs every query of rs against the backends over the rule set's
// lookback ending at end, for the pods of t (those of its namespace, of
// one rollout when t.Rollout is set, of one canary and its stable pods when
// both hashes are set), and reports each query that
// the backend refuses, that returns nothing, that returns a series without
// the pod label (or, matching pods by label, without the hash label), or
// more than one series for a pod: what would make a judgement fail or see
// no data. A metric whose backend is missing is a finding too.
func DryRun(ctx context.Context, rs *RuleSet, series map[providers.Type]providers.MetricQuerier,
	logs map[providers.Type]providers.LogQuerier, t request.Target, end time.Time) []Finding {
	rs = rs.WithDefaults()
	params, err := dryRunParams(rs, t)
	if err != nil {
		return []Finding{{RuleSet: rs.Name, Problem: err.Error()}}
	}
	step := time.Duration(rs.Step)
	end = end.Truncate(step)
	start := end.Add(-time.Duration(rs.Lookback))
	var out []Finding
	for i := range rs.Metrics {
		m := &rs.Metrics[i]
		add := func(r Role, q, problem string, warning bool) {
			out = append(out, Finding{RuleSet: rs.Name, Metric: m.Name, Role: r, Query: q, Problem: problem, Warning: warning})
		}
		if m.Kind == analysis.KindSignatures {
			q, err := m.LogTemplate().Render(params)
			switch {
			case err != nil:
				add(RoleLogs, q, err.Error(), false)
			case logs[m.Source] == nil:
				add(RoleLogs, q, fmt.Sprintf("no %s to ask (give its URL)", m.Source), false)
			default:
				res, err := logs[m.Source].QueryLogs(ctx, providers.LogQuery{Expr: q, Start: start, End: end, Limit: 100})
				if err != nil {
					add(RoleLogs, q, "the backend refused it: "+err.Error(), false)
				} else if p, warn := checkLines(res, rs.Pods); p != "" {
					add(RoleLogs, q, p, warn)
				}
			}
		}
		for _, r := range m.Roles() {
			q, err := m.Template(r).Render(params)
			if err != nil {
				add(r, q, err.Error(), false)
				continue
			}
			b := series[m.Source]
			if b == nil {
				add(r, q, fmt.Sprintf("no %s to ask (give its URL)", m.Source), false)
				continue
			}
			qStart := start
			if m.ReachesBack(r) {
				qStart = end.Add(-time.Duration(m.ModelLookback))
			}
			res, err := b.QueryRange(ctx, providers.RangeQuery{Expr: q, Start: qStart, End: end, Step: step})
			if err != nil {
				add(r, q, "the backend refused it: "+err.Error(), false)
				continue
			}
			if p, warn := checkSeries(res, rs.Pods, m, r); p != "" {
				add(r, q, p, warn)
			}
		}
	}
	return out
}

// dryRunParams are the template values for a dry run's pods.
func dryRunParams(rs *RuleSet, t request.Target) (Params, error) {
	if t.Namespace == "" {
		return Params{}, fmt.Errorf("a dry run needs a namespace")
	}
	if t.CanaryHash != "" || t.StableHash != "" || t.ByReplicaSet() {
		pm, err := NewPodMatcher(rs.Pods, t)
		if err != nil {
			return Params{}, err
		}
		return pm.Params(rs.Step), nil
	}
	// Every pod (of the rollout): both sides alike.
	pods := rs.Pods.PodLabel + `=~".+"`
	switch {
	case rs.Pods.By == ByLabel:
		pods = rs.Pods.Label + `=~".+"`
	case t.Rollout != "":
		pods = rs.Pods.PodLabel + "=~" + strconv.Quote(regexp.QuoteMeta(t.Rollout)+"-.+")
	}
	p := Params{Namespace: quoteInner(t.Namespace), Rollout: quoteInner(t.Rollout), Step: rs.Step.String(),
		podLabel: rs.Pods.PodLabel, hashLabel: rs.Pods.Label}
	return p.Everyone(pods), nil
}

// checkSeries says what is wrong with a query's result, "" if nothing, and
// whether that is only a warning.
func checkSeries(res model.Matrix, pm PodMatching, m *Metric, r Role) (string, bool) {
	if len(res) == 0 {
		if r == RoleNumerator || m.Kind == analysis.KindRate && r == RoleQuery {
			return "returned nothing: right if no pod had such an event in the window, wrong if a metric or label name is", true
		}
		if r == RoleThrottled || r == RolePeriods {
			return "returned nothing: right if the pods have no CPU limit (then no High is held for throttling), wrong if a metric or label name is", true
		}
		return "returned nothing: is a metric or label name wrong, or does the namespace have no such pods?", false
	}
	perPod := map[string]int{}
	var unlabelled []string
	for _, ss := range res {
		pod := string(ss.Metric[model.LabelName(pm.PodLabel)])
		if pod == "" || pm.By == ByLabel && ss.Metric[model.LabelName(pm.Label)] == "" {
			unlabelled = append(unlabelled, ss.Metric.String())
			continue
		}
		perPod[pod]++
	}
	if len(unlabelled) > 0 {
		need := "the " + pm.PodLabel + " label"
		if pm.By == ByLabel {
			need += " and the " + pm.Label + " label"
		}
		return fmt.Sprintf("%d of %d series lack %s (keep it in the by (...) clause): %s", len(unlabelled), len(res), need, firstFew(unlabelled)), false
	}
	if sel, ok := m.Selector(r); ok {
		// Several series a pod are what a query metrics select from gives.
		return checkSelected(res, sel, r)
	}
	var dup []string
	for pod, n := range perPod {
		if n > 1 {
			dup = append(dup, fmt.Sprintf("%s (%d)", pod, n))
		}
	}
	if len(dup) > 0 {
		sort.Strings(dup)
		return fmt.Sprintf("more than one series for a pod: %s; aggregate by pod, e.g. sum by (%s) (...)", firstFew(dup), pm.PodLabel), false
	}
	return "", false
}

// checkSelected says whether any series has the values the metric's
// select gives for role r: none is only a warning for a numerator (no pod
// had such an event), an error otherwise (a label or a value is wrong).
func checkSelected(res model.Matrix, sel map[string]string, r Role) (string, bool) {
	for _, ss := range res {
		match := true
		for k, v := range sel {
			if string(ss.Metric[model.LabelName(k)]) != v {
				match = false
			}
		}
		if match {
			return "", false
		}
	}
	return fmt.Sprintf("no series has the labels select.%s gives (%v): right if no pod had such an event in the window, wrong if a label or a value is", r, sel), r == RoleNumerator
}

// checkLines says what is wrong with a log query's lines, "" if nothing.
func checkLines(res providers.LogResult, pm PodMatching) (string, bool) {
	if len(res.Entries) == 0 {
		return "returned no log lines: right if no pod logged such a line in the window, wrong if a label or filter is", true
	}
	for _, e := range res.Entries {
		if e.Labels[model.LabelName(pm.PodLabel)] == "" {
			return fmt.Sprintf("a line of stream %s lacks the %s label", e.Labels, pm.PodLabel), false
		}
	}
	return "", false
}

// firstFew joins up to three items.
func firstFew(items []string) string {
	if len(items) > 3 {
		return strings.Join(items[:3], ", ") + fmt.Sprintf(" and %d more", len(items)-3)
	}
	return strings.Join(items, ", ")
}
