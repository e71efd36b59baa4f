package canary_test

import (
	"fmt"
	"math"
	"time"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/analysis/canary"
)

// ExampleJudge_Judge judges a canary 50% slower than three stable pods that
// differ among themselves by a few percent.
func ExampleJudge_Judge() {
	t0 := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	series := func(pod string, start int, level float64) analysis.Series {
		s := analysis.Series{Pod: pod}
		for i := start; i < 20; i++ {
			// A shared daily ramp and a small wiggle per pod.
			v := level * (1 + 0.02*float64(i)) * (1 + 0.03*math.Sin(float64(i)+level*100))
			s.Points = append(s.Points, analysis.Point{T: t0.Add(time.Duration(i) * time.Minute).UnixMilli(), V: v})
		}
		return s
	}
	latency := analysis.Metric{
		Name: "latency-p95", Kind: analysis.KindValue, Direction: analysis.Increase,
		Max: math.NaN(), Min: math.NaN(), PodSpread: 0.06, Critical: true,
	}
	data := analysis.Data{
		Canary: []analysis.Series{series("web-5f6b7c8d9e-x2kqp", 8, 0.15)},
		Stable: []analysis.Series{
			series("web-7c9d5b6f4d-a1b2c", 0, 0.1), series("web-7c9d5b6f4d-d3e4f", 0, 0.104),
			series("web-7c9d5b6f4d-g5h6j", 0, 0.097),
		},
	}
	s := analysis.Settings{Alpha: 0.01, Looks: 5, Interval: 2 * time.Minute, Warmup: 2 * time.Minute, Step: time.Minute}
	rep := canary.New().Judge(analysis.Input{
		Metrics:    []analysis.MetricInput{{Metric: latency, Data: data}},
		Settings:   s,
		Thresholds: analysis.Thresholds{Pass: 95, Marginal: 75},
		CanaryPods: []string{"web-5f6b7c8d9e-x2kqp"},
		StablePods: []string{"web-7c9d5b6f4d-a1b2c", "web-7c9d5b6f4d-d3e4f", "web-7c9d5b6f4d-g5h6j"},
	})
	m := rep.Metrics[0]
	fmt.Println(rep.Verdict)
	fmt.Println(m.Classification, m.Evidence.Rank.Text)
	fmt.Println(m.Evidence.Warmup.Text)
	fmt.Printf("estimate %+.0f%%, look %d of %d\n", 100*float64(m.Estimate), m.Evidence.Look.Look, m.Evidence.Look.Of)
	// Output:
	// Failed
	// High highest of 4 pods (above all 3 stable pods)
	// canary age 11m0s; first 2m0s cut as warm-up (2 samples), 10 left
	// estimate +50%, look 5 of 5
}
