package rules

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/canary-analyzer/canary-analyzer/internal/promtest"
	"github.com/canary-analyzer/canary-analyzer/internal/scenario"
	"github.com/canary-analyzer/canary-analyzer/providers"
	promprovider "github.com/canary-analyzer/canary-analyzer/providers/prometheus"
	"github.com/canary-analyzer/canary-analyzer/request"
)

// BenchmarkShippedQueries measures what one judgement with the shipped
// http-service rule set costs a real Prometheus: every query of every
// metric over the 30-minute window at its 1-minute step, one after the
// other, on the end-to-end data (four stable pods and a canary):
//
//	go test -run '^$' -bench ShippedQueries -benchtime 15x ./rules/
func BenchmarkShippedQueries(b *testing.B) {
	var om bytes.Buffer
	healthy, _, err := scenario.WriteE2E(&om)
	if err != nil {
		b.Fatal(err)
	}
	prom := promtest.Start(b, &om)
	client, err := promprovider.New(providers.ClientOptions{URL: prom.URL})
	if err != nil {
		b.Fatal(err)
	}
	rs, err := LoadFile("../deploy/base/rules/http-service.yaml", "")
	if err != nil {
		b.Fatal(err)
	}
	pm, err := NewPodMatcher(rs.Pods, request.Target{Namespace: healthy.Namespace, Rollout: healthy.Rollout,
		CanaryHash: healthy.CanaryHash, StableHash: healthy.StableHash})
	if err != nil {
		b.Fatal(err)
	}
	p := pm.Params(rs.Step)
	var queries []string
	for i := range rs.Metrics {
		m := &rs.Metrics[i]
		for _, r := range m.Roles() {
			q, err := m.Template(r).Render(p)
			if err != nil {
				b.Fatal(err)
			}
			queries = append(queries, q)
		}
	}
	end := healthy.End
	q := providers.RangeQuery{Start: end.Add(-time.Duration(rs.Lookback)), End: end, Step: time.Duration(rs.Step)}
	for b.Loop() {
		for _, expr := range queries {
			q.Expr = expr
			m, err := client.QueryRange(context.Background(), q)
			if err != nil {
				b.Fatal(err)
			}
			if len(m) == 0 {
				b.Fatalf("no series: %s", expr)
			}
		}
	}
	b.ReportMetric(float64(len(queries)), "queries/op")
}
