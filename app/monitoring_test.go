package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"
	"gopkg.in/yaml.v3"

	dto "github.com/prometheus/client_model/go"

	"github.com/canary-analyzer/canary-analyzer/demo"
	"github.com/canary-analyzer/canary-analyzer/internal/promtest"
	"github.com/canary-analyzer/canary-analyzer/providers"
)

const (
	dashboardFile = "../deploy/monitoring/dashboard.json"
	alertsFile    = "../deploy/monitoring/prometheusrule.yaml"
)

// targetLabels are the labels Prometheus adds to every scraped series
// (the ServiceMonitor's job, instance, namespace, pod, ...): queries may
// use them although the service does not export them.
var targetLabels = []string{"job", "instance", "namespace", "pod", "service", "endpoint", "container"}

// unavailableLoki fails every call as an unreachable Loki.
type unavailableLoki struct{}

var errLokiDown = &providers.Error{Backend: providers.TypeLoki, Kind: providers.Unavailable, Msg: "connection refused"}

func (unavailableLoki) QueryRange(context.Context, providers.RangeQuery) (model.Matrix, error) {
	return nil, errLokiDown
}

func (unavailableLoki) QueryLogs(context.Context, providers.LogQuery) (providers.LogResult, error) {
	return providers.LogResult{}, errLokiDown
}

// recordedOrEmpty answers the demo recording's queries, and any other
// query with no series.
type recordedOrEmpty struct{ rec *demo.Recording }

func (r recordedOrEmpty) QueryRange(ctx context.Context, q providers.RangeQuery) (model.Matrix, error) {
	m, err := r.rec.QueryRange(ctx, q)
	if err != nil {
		return model.Matrix{}, nil
	}
	return m, nil
}

// exported runs the service on the demo recording (and a Loki that is
// down), judges the demo's canaries, asks for one judgement that needs the
// Loki and sends one bad request, then scrapes /metrics: the metric
// families a running service exports, with their label names.
func exported(t *testing.T) map[string]map[string]bool {
	t.Helper()
	rec, err := demo.Load()
	if err != nil {
		t.Fatal(err)
	}
	base := startService(t, Options{
		RulesDir:    "../deploy/base/rules",
		Environment: "live",
		Backends: map[providers.Type]providers.MetricQuerier{
			providers.TypePrometheus: recordedOrEmpty{rec},
			providers.TypeLoki:       unavailableLoki{},
		},
		QueryTimeout: 8 * time.Second,
		Now:          func() time.Time { return rec.End },
	})
	for _, c := range rec.Cases {
		if status, body := call(t, "GET", base, url.Values(mustQuery(t, c.Request().Query()))); status != http.StatusOK {
			t.Fatalf("%s: %d %s", c.Name, status, body)
		}
	}
	logs := url.Values{"namespace": {"shop"}, "canaryHash": {"5f6b7c8d9e"}, "stableHash": {"7c9d5b6f4d"}, "ruleSet": {"apache-frontend"}}
	if status, body := call(t, "GET", base, logs); status != http.StatusServiceUnavailable {
		t.Fatalf("a judgement with Loki down: %d %s", status, body)
	}
	if status, _ := call(t, "GET", base, url.Values{"namespace": {"shop"}}); status != http.StatusBadRequest {
		t.Fatalf("a bad request: %d", status)
	}
	res, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]bool{}
	add := func(name string, mf *dto.MetricFamily, extra ...string) {
		labels := map[string]bool{}
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				labels[lp.GetName()] = true
			}
		}
		for _, l := range extra {
			labels[l] = true
		}
		out[name] = labels
	}
	for name, mf := range mfs {
		add(name, mf)
		if mf.GetType() == dto.MetricType_HISTOGRAM {
			add(name+"_bucket", mf, "le")
			add(name+"_sum", mf)
			add(name+"_count", mf)
		}
	}
	return out
}

func mustQuery(t *testing.T, q string) url.Values {
	t.Helper()
	v, err := url.ParseQuery(q)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// grafanaVariables are the values the test gives the dashboard's variables
// before parsing a query: Grafana's own and the dashboard's.
var grafanaVariables = strings.NewReplacer(
	"$__rate_interval", "4m", "$__interval", "1m", "$__range", "7d",
	"$rule_set", ".*", "$environment", ".*",
)

// dashboardQueries returns every query of the dashboard by panel title,
// and the metric and label of each label_values variable.
func dashboardQueries(t *testing.T) (queries map[string][]string, variables [][2]string) {
	t.Helper()
	b, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Panels     []dashboardPanel `json:"panels"`
		Templating struct {
			List []struct {
				Name  string `json:"name"`
				Type  string `json:"type"`
				Query any    `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	queries = map[string][]string{}
	var walk func([]dashboardPanel)
	walk = func(ps []dashboardPanel) {
		for _, p := range ps {
			for _, tg := range p.Targets {
				queries[p.Title] = append(queries[p.Title], tg.Expr)
			}
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	labelValues := regexp.MustCompile(`^label_values\(([a-zA-Z_:][a-zA-Z0-9_:]*), *([a-zA-Z_][a-zA-Z0-9_]*)\)$`)
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		q, _ := v.Query.(map[string]any)
		m := labelValues.FindStringSubmatch(fmt.Sprint(q["query"]))
		if m == nil {
			t.Errorf("variable %s: query %v is not label_values(metric, label)", v.Name, v.Query)
			continue
		}
		variables = append(variables, [2]string{m[1], m[2]})
	}
	return queries, variables
}

type dashboardPanel struct {
	Title   string `json:"title"`
	Type    string `json:"type"`
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
	Panels []dashboardPanel `json:"panels"`
}

// alert is one alerting rule of the PrometheusRule.
type alert struct {
	Alert       string            `yaml:"alert"`
	Expr        string            `yaml:"expr"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

// alertRules reads the PrometheusRule's groups: the rule file itself, and
// each alert by name.
func alertRules(t *testing.T) (groups []byte, alerts map[string]alert) {
	t.Helper()
	b, err := os.ReadFile(alertsFile)
	if err != nil {
		t.Fatal(err)
	}
	var pr struct {
		Spec struct {
			Groups []struct {
				Name  string  `yaml:"name"`
				Rules []alert `yaml:"rules"`
			} `yaml:"groups"`
		} `yaml:"spec"`
	}
	var raw struct {
		Spec yaml.Node `yaml:"spec"`
	}
	if err := yaml.Unmarshal(b, &pr); err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	groups, err = yaml.Marshal(&raw.Spec)
	if err != nil {
		t.Fatal(err)
	}
	alerts = map[string]alert{}
	for _, g := range pr.Spec.Groups {
		for _, r := range g.Rules {
			alerts[r.Alert] = r
		}
	}
	return groups, alerts
}

// checkQuery parses one query and checks that every metric it reads is
// exported with every label it matches on, groups by or joins on.
func checkQuery(expr string, metrics map[string]map[string]bool) []string {
	var problems []string
	if m := regexp.MustCompile(`\$[a-zA-Z_]+`).FindString(expr); m != "" {
		return []string{"unknown variable " + m}
	}
	ast, err := parser.NewParser(parser.Options{}).ParseExpr(expr)
	if err != nil {
		return []string{err.Error()}
	}
	known := map[string]bool{}
	for _, l := range targetLabels {
		known[l] = true
	}
	parser.Inspect(ast, func(n parser.Node, _ []parser.Node) error {
		vs, ok := n.(*parser.VectorSelector)
		if !ok {
			return nil
		}
		labels, ok := metrics[vs.Name]
		if !ok {
			problems = append(problems, "reads "+vs.Name+", which the service does not export")
			return nil
		}
		for l := range labels {
			known[l] = true
		}
		for _, m := range vs.LabelMatchers {
			if m.Name != model.MetricNameLabel && !labels[m.Name] && !contains(targetLabels, m.Name) {
				problems = append(problems, fmt.Sprintf("%s has no label %s", vs.Name, m.Name))
			}
		}
		return nil
	})
	parser.Inspect(ast, func(n parser.Node, _ []parser.Node) error {
		var used []string
		switch e := n.(type) {
		case *parser.AggregateExpr:
			used = e.Grouping
			if e.Op == parser.COUNT_VALUES {
				if s, ok := e.Param.(*parser.StringLiteral); ok {
					known[s.Val] = true
				}
			}
		case *parser.BinaryExpr:
			if e.VectorMatching != nil {
				used = append(append(used, e.VectorMatching.MatchingLabels...), e.VectorMatching.Include...)
			}
		}
		for _, l := range used {
			if !known[l] {
				problems = append(problems, "groups or joins by "+l+", which no series in the query has")
			}
		}
		return nil
	})
	return problems
}

// TestMonitoringReadsExportedMetrics parses every dashboard and alert
// query and checks each metric and label it uses against the /metrics of a
// running service, so that a renamed metric or label fails here rather than
// leave a panel empty or an alert silent.
func TestMonitoringReadsExportedMetrics(t *testing.T) {
	metrics := exported(t)
	for _, want := range []string{
		"analyzer_judgements_total", "analyzer_metric_classifications_total", "analyzer_judgement_duration_seconds",
		"analyzer_backend_query_duration_seconds", "analyzer_backend_query_errors_total", "analyzer_request_errors_total",
		"analyzer_config_last_reload_successful", "analyzer_config_last_reload_success_timestamp_seconds", "analyzer_config_hash",
	} {
		if metrics[want] == nil {
			t.Errorf("the service does not export %s", want)
		}
	}
	queries, variables := dashboardQueries(t)
	if len(queries) < 10 {
		t.Errorf("%d dashboard panels with queries", len(queries))
	}
	read := map[string]bool{}
	for title, qs := range queries {
		for _, q := range qs {
			for _, p := range checkQuery(grafanaVariables.Replace(q), metrics) {
				t.Errorf("dashboard panel %q: %s\n%s", title, p, q)
			}
			read[title] = true
		}
	}
	for _, v := range variables {
		if metrics[v[0]] == nil || !metrics[v[0]][v[1]] {
			t.Errorf("dashboard variable: label_values(%s, %s) reads nothing the service exports", v[0], v[1])
		}
	}
	_, alerts := alertRules(t)
	if len(alerts) == 0 {
		t.Fatal("no alerts")
	}
	for name, a := range alerts {
		for _, p := range checkQuery(a.Expr, metrics) {
			t.Errorf("alert %s: %s\n%s", name, p, a.Expr)
		}
	}

	// The check itself finds what it is for.
	for _, bad := range []string{
		`rate(analyzer_judgments_total[5m])`,
		`sum by (ruleset) (rate(analyzer_judgements_total[5m]))`,
		`analyzer_judgements_total{verdit="Failed"}`,
		`sum(rate(analyzer_judgements_total[5m])`,
		`rate(analyzer_judgements_total[$__rate_intervall])`,
	} {
		if len(checkQuery(bad, metrics)) == 0 {
			t.Errorf("no problem found in %s", bad)
		}
	}
}

// alertCase is one promtool unit test of an alert: input series (one
// value a minute), the time to evaluate at, and the alerts expected then
// with their labels and rendered summary; before, if set, is a time when
// the condition already holds but not yet for the alert's `for`.
type alertCase struct {
	alert  string
	series map[string]string
	at     string
	want   []expAlert
	before string
}

type expAlert struct {
	labels  map[string]string
	summary string
}

// TestAlertRules checks the rule file with promtool, and runs promtool's
// unit tests of each alert: it fires on a failing service, not before its
// `for`, and not on a healthy one.
func TestAlertRules(t *testing.T) {
	t.Parallel()
	bin, err := promtest.FindBinaries()
	if err != nil {
		t.Fatalf("%v (the test needs promtool: run scripts/install-deps.sh)", err)
	}
	groups, alerts := alertRules(t)
	dir := t.TempDir()
	rules := filepath.Join(dir, "alerts.yaml")
	if err := os.WriteFile(rules, groups, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin.Promtool, "check", "rules", rules).CombinedOutput(); err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}

	healthy := map[string]string{
		`analyzer_config_last_reload_successful{namespace="canary-analyzer",pod="a"}`:                           "1x60",
		`analyzer_config_hash{namespace="canary-analyzer",pod="a"}`:                                             "42x60",
		`analyzer_config_hash{namespace="canary-analyzer",pod="b"}`:                                             "42x60",
		`analyzer_backend_query_errors_total{backend="prometheus",type="bad_query"}`:                            "0x60",
		`analyzer_backend_query_errors_total{backend="prometheus",type="unavailable"}`:                          "0+1x60",
		`analyzer_backend_query_duration_seconds_count{backend="prometheus",kind="metrics"}`:                    "0+100x60",
		`analyzer_request_errors_total{type="unavailable"}`:                                                     "0x60",
		`analyzer_judgement_duration_seconds_count`:                                                             "0+20x60",
		`analyzer_judgement_duration_seconds_bucket{le="1"}`:                                                    "0+20x60",
		`analyzer_judgement_duration_seconds_bucket{le="5"}`:                                                    "0+20x60",
		`analyzer_judgement_duration_seconds_bucket{le="10"}`:                                                   "0+20x60",
		`analyzer_judgement_duration_seconds_bucket{le="+Inf"}`:                                                 "0+20x60",
		`analyzer_metric_classifications_total{rule_set="http-service",metric="latency",classification="Pass"}`: "0+2x60",
	}
	with := func(over map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range healthy {
			out[k] = v
		}
		for k, v := range over {
			if v == "" {
				delete(out, k)
				continue
			}
			out[k] = v
		}
		return out
	}
	cases := []alertCase{
		{"CanaryAnalyzerAbsent", map[string]string{`analyzer_judgement_duration_seconds_count`: "0+1x60"}, "10m",
			[]expAlert{{nil, "No canary-analyzer has been scraped for 5 minutes."}}, "3m"},
		{"CanaryAnalyzerRulesReloadFailed", with(map[string]string{`analyzer_config_last_reload_successful{namespace="canary-analyzer",pod="a"}`: "1 1 0x58"}), "10m",
			[]expAlert{{map[string]string{"namespace": "canary-analyzer", "pod": "a"}, "a failed to reload its rule files."}}, "5m"},
		{"CanaryAnalyzerReplicasDisagreeOnRules", with(map[string]string{`analyzer_config_hash{namespace="canary-analyzer",pod="b"}`: "43x60"}), "20m",
			[]expAlert{{nil, "The canary-analyzer replicas have judged with different rule files for 15 minutes."}}, "10m"},
		{"CanaryAnalyzerBadQuery", with(map[string]string{`analyzer_backend_query_errors_total{backend="prometheus",type="bad_query"}`: "0x10 1x50"}), "15m",
			[]expAlert{{map[string]string{"backend": "prometheus"}, "prometheus rejected a rule's query in the last 15 minutes."}}, ""},
		{"CanaryAnalyzerBackendErrors", with(map[string]string{`analyzer_backend_query_errors_total{backend="prometheus",type="unavailable"}`: "0+30x60"}), "30m",
			[]expAlert{{map[string]string{"backend": "prometheus", "type": "unavailable"}, "30% of the calls to prometheus fail (unavailable)."}}, "8m"},
		{"CanaryAnalyzerErrorAnswers", with(map[string]string{`analyzer_request_errors_total{type="unavailable"}`: "0+2x60"}), "30m",
			[]expAlert{{nil, "10% of the judgements end in a server-side error."}}, "8m"},
		{"CanaryAnalyzerSlowJudgements", with(map[string]string{
			`analyzer_judgement_duration_seconds_bucket{le="1"}`: "0+10x60",
			`analyzer_judgement_duration_seconds_bucket{le="5"}`: "0+12x60",
		}), "30m", []expAlert{{nil, "One judgement in ten takes more than 8.75s."}}, "12m"}, // 5 s + 5 s·(18−12)/(20−12)
		{"CanaryAnalyzerMetricWithoutData", with(map[string]string{
			`analyzer_metric_classifications_total{rule_set="http-service",metric="latency",classification="NoData"}`: "0+3x60",
		}), "60m", []expAlert{{map[string]string{"rule_set": "http-service", "metric": "latency"}, "http-service/latency had no data in most judgements of the last 6 hours."}}, ""},
	}
	var tests []map[string]any
	for _, c := range cases {
		rule, ok := alerts[c.alert]
		if !ok {
			t.Errorf("no alert %s", c.alert)
			continue
		}
		if strings.Contains(rule.Annotations["description"], "{{") {
			t.Errorf("%s: the test expects a description without templates", c.alert)
		}
		var exp []map[string]any
		for _, a := range c.want {
			labels := map[string]string{}
			for _, m := range []map[string]string{rule.Labels, a.labels} {
				for k, v := range m {
					labels[k] = v
				}
			}
			exp = append(exp, map[string]any{"exp_labels": labels,
				"exp_annotations": map[string]string{"summary": a.summary, "description": rule.Annotations["description"]}})
		}
		var series []map[string]string
		for s, v := range c.series {
			series = append(series, map[string]string{"series": s, "values": v})
		}
		checks := []map[string]any{{"eval_time": c.at, "alertname": c.alert, "exp_alerts": exp}}
		if c.before != "" {
			checks = append(checks, map[string]any{"eval_time": c.before, "alertname": c.alert, "exp_alerts": []any{}})
		}
		tests = append(tests,
			map[string]any{"name": c.alert + " fires", "interval": "1m", "input_series": series, "alert_rule_test": checks},
			map[string]any{"name": c.alert + " is quiet on a healthy service", "interval": "1m", "input_series": seriesOf(healthy),
				"alert_rule_test": []map[string]any{{"eval_time": c.at, "alertname": c.alert, "exp_alerts": []any{}}}})
	}
	if len(alerts) != len(cases) {
		t.Errorf("%d alerts, %d tested", len(alerts), len(cases))
	}
	b, err := yaml.Marshal(map[string]any{"rule_files": []string{"alerts.yaml"}, "evaluation_interval": "1m", "tests": tests})
	if err != nil {
		t.Fatal(err)
	}
	testFile := filepath.Join(dir, "alerts_test.yaml")
	if err := os.WriteFile(testFile, b, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin.Promtool, "test", "rules", "alerts_test.yaml")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool test rules: %v\n%s", err, out)
	}
}

func seriesOf(m map[string]string) []map[string]string {
	var out []map[string]string
	for s, v := range m {
		out = append(out, map[string]string{"series": s, "values": v})
	}
	return out
}
