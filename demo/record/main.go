// Command record makes the demo's recording: it generates the end-to-end
// scenarios (a healthy canary and a regressed one), loads them into a real
// Prometheus, judges both with the shipped http-service rule set while
// recording every query's answer, and writes demo/recording.json.gz.
//
//	go run ./demo/record            (needs prometheus and promtool: scripts/install-deps.sh)
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/demo"
	"github.com/canary-analyzer/canary-analyzer/engine"
	"github.com/canary-analyzer/canary-analyzer/internal/promtest"
	"github.com/canary-analyzer/canary-analyzer/internal/scenario"
	"github.com/canary-analyzer/canary-analyzer/providers"
	promprovider "github.com/canary-analyzer/canary-analyzer/providers/prometheus"
	"github.com/canary-analyzer/canary-analyzer/request"
	"github.com/canary-analyzer/canary-analyzer/rules"
)

// recordWindow is how far back the recording reaches from the demo's end,
// so that the demo can also be asked about earlier moments.
const recordWindow = time.Hour

func main() {
	out := flag.String("out", "demo/recording.json.gz", "file to write")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "record:", err)
		os.Exit(1)
	}
}

// recorder wraps a backend and keeps every answer.
type recorder struct {
	next providers.MetricQuerier
	mu   sync.Mutex
	data map[string]model.Matrix
}

func (r *recorder) QueryRange(ctx context.Context, q providers.RangeQuery) (model.Matrix, error) {
	m, err := r.next.QueryRange(ctx, q)
	if err == nil {
		r.mu.Lock()
		r.data[q.Expr] = m
		r.mu.Unlock()
	}
	return m, err
}

func run(out string) error {
	var om bytes.Buffer
	healthy, regressed, err := scenario.WriteE2E(&om)
	if err != nil {
		return err
	}
	ctx := context.Background()
	srv, err := promtest.StartProcess(ctx, promtest.Options{Data: &om})
	if err != nil {
		return err
	}
	defer srv.Close()
	client, err := promprovider.New(providers.ClientOptions{URL: srv.URL})
	if err != nil {
		return err
	}
	rec := &recorder{next: client, data: map[string]model.Matrix{}}
	end := healthy.End.Truncate(time.Minute)
	svc := &engine.Service{
		Rules:    demo.Store(prometheus.NewRegistry()),
		Backends: map[providers.Type]providers.MetricQuerier{providers.TypePrometheus: rec},
		Now:      func() time.Time { return end },
	}
	if err := svc.Rules.(*rules.Store).Reload(); err != nil {
		return err
	}
	recording := &demo.Recording{End: end, Step: model.Duration(time.Minute), Data: rec.data}
	for _, c := range []struct {
		name   string
		expect analysis.Verdict
		truth  scenario.Truth
	}{
		{"healthy", analysis.Successful, healthy},
		{"regressed", analysis.Failed, regressed},
	} {
		target := request.Target{Namespace: c.truth.Namespace, Rollout: c.truth.Rollout, CanaryHash: c.truth.CanaryHash, StableHash: c.truth.StableHash}
		resp, err := svc.Judge(ctx, request.Request{Target: target, RuleSet: demo.RuleSet, Lookback: recordWindow})
		if err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
		fmt.Printf("%s: %s (score %.0f) %s\n", c.name, resp.Verdict, resp.Score, resp.Reason)
		if resp.Verdict != c.expect {
			return fmt.Errorf("%s canary judged %s, want %s: not recording a misleading demo", c.name, resp.Verdict, c.expect)
		}
		recording.Cases = append(recording.Cases, demo.Case{Name: c.name, Target: target, Expect: c.expect})
	}
	var buf bytes.Buffer
	if err := recording.Encode(&buf); err != nil {
		return err
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Printf("wrote %s (%d queries, %d bytes)\n", out, len(rec.data), buf.Len())
	return nil
}
