package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
)

// Options say where the service and the backends' own UIs are, as a
// browser reaches them.
type Options struct {
	// ExternalURL is the service's URL as users reach it (through an
	// ingress or a proxy), e.g. https://canary.example.com/analyzer; the
	// report links in judgements' summaries start with it. Empty: links are
	// paths ("/report/namespace/...").
	ExternalURL string
	// PrometheusURL is the Prometheus UI whose graph page a query links to
	// (empty: no link).
	PrometheusURL string
	// GrafanaURL is the Grafana whose Explore a query links to, with the
	// data sources' UIDs for Prometheus and Loki queries (empty: no link).
	GrafanaURL, GrafanaPrometheus, GrafanaLoki string
	// Recent is how many recent judgements the index lists (0: none).
	Recent int
	// Environment is the service's environment (--environment), marked in
	// the index's tables.
	Environment string
}

// check validates the URLs: absolute http(s) URLs without a query.
func (o Options) check() error {
	for _, u := range []struct{ flag, v string }{
		{"external URL", o.ExternalURL}, {"Prometheus URL", o.PrometheusURL}, {"Grafana URL", o.GrafanaURL},
	} {
		if u.v == "" {
			continue
		}
		p, err := url.Parse(u.v)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || p.RawQuery != "" || p.Fragment != "" {
			return fmt.Errorf("%s %q: want an absolute http or https URL without query or fragment", u.flag, u.v)
		}
	}
	if o.GrafanaURL != "" && o.GrafanaPrometheus == "" && o.GrafanaLoki == "" {
		return errors.New("a Grafana URL needs the UID of its Prometheus or Loki data source")
	}
	if o.Recent < 0 {
		return fmt.Errorf("recent judgements %d: must not be negative", o.Recent)
	}
	return nil
}

// URL is the report's URL: under ExternalURL, or a path.
func (o Options) URL(l Link) string {
	return strings.TrimSuffix(o.ExternalURL, "/") + PagePath + l.Path()
}

// prefix is the path the pages' own links start with: ExternalURL's path,
// without its trailing slash ("" at the root).
func (o Options) prefix() string {
	u, err := url.Parse(o.ExternalURL)
	if err != nil {
		return "" // check refused it
	}
	return strings.TrimSuffix(u.Path, "/")
}

// prometheusGraph links expr to the Prometheus UI's graph of the window
// [end-rng, end] at step (the parameters both the old and the new UI read).
func (o Options) prometheusGraph(expr string, end time.Time, rng, step time.Duration) string {
	if o.PrometheusURL == "" {
		return ""
	}
	v := url.Values{}
	v.Set("g0.expr", expr)
	v.Set("g0.tab", "0")
	v.Set("g0.range_input", model.Duration(rng).String())
	v.Set("g0.end_input", end.UTC().Format("2006-01-02 15:04:05"))
	v.Set("g0.moment_input", end.UTC().Format("2006-01-02 15:04:05"))
	v.Set("g0.step_input", strconv.FormatInt(int64(step/time.Second), 10))
	v.Set("g0.res_type", "fixed")
	v.Set("g0.res_step", strconv.FormatFloat(step.Seconds(), 'f', -1, 64))
	return strings.TrimSuffix(o.PrometheusURL, "/") + "/graph?" + v.Encode()
}

// grafanaExplore links expr to Grafana's Explore on the data source of
// source (prometheus or loki) over [start, end]; "" without a Grafana URL
// or a UID for that source.
func (o Options) grafanaExplore(source, expr string, start, end time.Time) string {
	uid := map[string]string{"prometheus": o.GrafanaPrometheus, "loki": o.GrafanaLoki}[source]
	if o.GrafanaURL == "" || uid == "" {
		return ""
	}
	type ds struct {
		Type string `json:"type"`
		UID  string `json:"uid"`
	}
	type query struct {
		RefID      string `json:"refId"`
		Expr       string `json:"expr"`
		Datasource ds     `json:"datasource"`
	}
	type pane struct {
		Datasource string            `json:"datasource"`
		Queries    []query           `json:"queries"`
		Range      map[string]string `json:"range"`
	}
	panes := map[string]pane{"a": {
		Datasource: uid,
		Queries:    []query{{RefID: "A", Expr: expr, Datasource: ds{Type: source, UID: uid}}},
		Range: map[string]string{
			"from": strconv.FormatInt(start.UnixMilli(), 10),
			"to":   strconv.FormatInt(end.UnixMilli(), 10),
		},
	}}
	b, _ := json.Marshal(panes) // strings and maps: always encodes
	v := url.Values{}
	v.Set("schemaVersion", "1")
	v.Set("panes", string(b))
	v.Set("orgId", "1")
	return strings.TrimSuffix(o.GrafanaURL, "/") + "/explore?" + v.Encode()
}
