package engine

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/canary-analyzer/canary-analyzer/api/wire"
	"github.com/canary-analyzer/canary-analyzer/providers"
)

// costs counts what one judgement asks of its backends, from its
// concurrent fetches.
type costs struct {
	mu       sync.Mutex
	c        wire.Cost
	bySource map[providers.Type]*sourceCost
}

// sourceCost is what the judgement asked of one backend: requests sent,
// queries deduplicated and coalesced, and the log lines read for the
// requests it sent.
type sourceCost struct {
	sent, deduplicated, coalesced int
	linesRead                     int64
}

func (c *costs) source(t providers.Type) *sourceCost {
	if c.bySource == nil {
		c.bySource = map[providers.Type]*sourceCost{}
	}
	if c.bySource[t] == nil {
		c.bySource[t] = &sourceCost{}
	}
	return c.bySource[t]
}

// query counts one series fetch: its answer, whether a concurrent
// judgement's identical call gave it, and how many more of the
// judgement's queries it answered.
func (c *costs) query(source providers.Type, a fetched, shared bool, duplicates int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	sc := c.source(source)
	c.c.Queries += 1 + duplicates
	c.c.Deduplicated += duplicates
	sc.deduplicated += duplicates
	c.c.LogLinesRead += a.linesRead
	if shared {
		c.c.Coalesced++
		sc.coalesced++
		return
	}
	c.c.Sent++
	sc.sent++
	sc.linesRead += a.linesRead
}

// logs counts the requests of one log query (its pages) and the lines the
// backend read for them.
func (c *costs) logs(source providers.Type, requests int, linesRead int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	sc := c.source(source)
	c.c.Sent += requests
	c.c.LogLinesRead += linesRead
	sc.sent += requests
	sc.linesRead += linesRead
}

// cost returns the totals.
func (c *costs) cost() wire.Cost {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.c
}

// Metrics are the engine's Prometheus metrics: what judgements ask of the
// backends, and what that costs Loki.
type Metrics struct {
	queries *prometheus.CounterVec
	lines   *prometheus.CounterVec
	perRun  prometheus.Histogram
}

// NewMetrics registers the engine's metrics with r.
func NewMetrics(r prometheus.Registerer) *Metrics {
	f := promauto.With(r)
	return &Metrics{
		queries: f.NewCounterVec(prometheus.CounterOpts{
			Name: "analyzer_backend_queries_total",
			Help: "Queries of judgements by backend and outcome: sent to the backend, deduplicated (identical to another query of the same judgement) or coalesced (answered by a concurrent judgement's identical query).",
		}, []string{"backend", "outcome"}),
		lines: f.NewCounterVec(prometheus.CounterOpts{
			Name: "analyzer_backend_log_lines_read_total",
			Help: "Log lines the backend says it read for the queries sent (Loki's stats.summary.totalLinesProcessed).",
		}, []string{"backend"}),
		perRun: f.NewHistogram(prometheus.HistogramOpts{
			Name:    "analyzer_judgement_log_lines_read",
			Help:    "Log lines Loki read for the queries of one judgement, its own and those it shared.",
			Buckets: prometheus.ExponentialBuckets(1000, 4, 9), // 1k .. 65M
		}),
	}
}

// observe adds a judgement's costs to the metrics; m may be nil.
func (m *Metrics) observe(c *costs) {
	if m == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for src, sc := range c.bySource {
		m.queries.WithLabelValues(string(src), "sent").Add(float64(sc.sent))
		m.queries.WithLabelValues(string(src), "deduplicated").Add(float64(sc.deduplicated))
		m.queries.WithLabelValues(string(src), "coalesced").Add(float64(sc.coalesced))
		if sc.linesRead > 0 {
			m.lines.WithLabelValues(string(src)).Add(float64(sc.linesRead))
		}
	}
	m.perRun.Observe(float64(c.c.LogLinesRead))
}
