package api

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

type metrics struct {
	verdicts *prometheus.CounterVec
	// classifications counts each metric's classification per judgement.
	classifications *prometheus.CounterVec
	errors          *prometheus.CounterVec
	duration        prometheus.Histogram
	inFlight        prometheus.Gauge
}

func newMetrics(r prometheus.Registerer) *metrics {
	f := promauto.With(r)
	return &metrics{
		verdicts: f.NewCounterVec(prometheus.CounterOpts{
			Name: "analyzer_judgements_total",
			Help: "Completed judgements by rule set, environment and verdict.",
		}, []string{"rule_set", "environment", "verdict"}),
		classifications: f.NewCounterVec(prometheus.CounterOpts{
			Name: "analyzer_metric_classifications_total",
			Help: "Each metric's classification in completed judgements, by rule set, environment, metric and classification.",
		}, []string{"rule_set", "environment", "metric", "classification"}),
		errors: f.NewCounterVec(prometheus.CounterOpts{
			Name: "analyzer_request_errors_total",
			Help: "Requests answered with an error, by error type.",
		}, []string{"type"}),
		duration: f.NewHistogram(prometheus.HistogramOpts{
			Name:    "analyzer_judgement_duration_seconds",
			Help:    "Time to fetch data and judge one canary.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}),
		inFlight: f.NewGauge(prometheus.GaugeOpts{
			Name: "analyzer_judgements_in_flight",
			Help: "Judgements running now (at most --query.max-concurrency).",
		}),
	}
}

func promhttpHandler(g prometheus.Gatherer) http.Handler {
	return promhttp.HandlerFor(g, promhttp.HandlerOpts{})
}
