package main

import (
	"flag"

	htmlreport "github.com/canary-analyzer/canary-analyzer/report"
)

// reportFlags registers the flags of the HTML pages and report links
// (serve only).
func reportFlags(fs *flag.FlagSet, o *htmlreport.Options) {
	fs.StringVar(&o.ExternalURL, "web.external-url", "", "URL under which users reach the service (e.g. https://canary.example.com/analyzer): report links start with it; empty: links are paths")
	fs.StringVar(&o.PrometheusURL, "report.prometheus-url", "", "Prometheus UI a report's queries link to (its graph page); empty: no link")
	fs.StringVar(&o.GrafanaURL, "report.grafana-url", "", "Grafana whose Explore a report's queries link to; empty: no link")
	fs.StringVar(&o.GrafanaPrometheus, "report.grafana-prometheus-uid", "", "UID of Grafana's Prometheus data source, for the Explore links of Prometheus queries")
	fs.StringVar(&o.GrafanaLoki, "report.grafana-loki-uid", "", "UID of Grafana's Loki data source, for the Explore links of LogQL queries")
	fs.IntVar(&o.Recent, "report.recent", 200, "recent judgements the index page lists (kept in memory; 0: none)")
}
