package scenario

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/canary-analyzer/canary-analyzer/internal/promtest"
)

// promClient runs instant and range queries against a promtest server.
type promClient struct {
	t   *testing.T
	url string
}

type promAnswer struct {
	Status string `json:"status"`
	Error  string `json:"error"`
	Data   struct {
		Result []struct {
			Metric map[string]string `json:"metric"`
			Value  [2]any            `json:"value"`
			Values [][2]any          `json:"values"`
		} `json:"result"`
	} `json:"data"`
}

func (c promClient) get(path string, v url.Values) promAnswer {
	c.t.Helper()
	resp, err := http.Get(c.url + path + "?" + v.Encode())
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var a promAnswer
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		c.t.Fatal(err)
	}
	if a.Status != "success" {
		c.t.Fatalf("query %v: %s", v, a.Error)
	}
	return a
}

func parseValue(t *testing.T, p [2]any) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(p[1].(string), 64)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// byPod runs an instant query at ts and returns its values by pod label.
func (c promClient) byPod(q string, ts time.Time) map[string]float64 {
	c.t.Helper()
	a := c.get("/api/v1/query", url.Values{"query": {q}, "time": {strconv.FormatInt(ts.Unix(), 10)}})
	out := map[string]float64{}
	for _, r := range a.Data.Result {
		out[r.Metric["pod"]] = parseValue(c.t, r.Value)
	}
	return out
}

// scalar runs an instant query that must return exactly one series.
func (c promClient) scalar(q string, ts time.Time) float64 {
	c.t.Helper()
	m := c.byPod(q, ts)
	if len(m) != 1 {
		c.t.Fatalf("%s returned %d series, want 1", q, len(m))
	}
	for _, v := range m {
		return v
	}
	return 0
}

// rangeByPod runs a range query and returns the values of each pod.
func (c promClient) rangeByPod(q string, start, end time.Time, step time.Duration) map[string][]float64 {
	c.t.Helper()
	a := c.get("/api/v1/query_range", url.Values{
		"query": {q}, "start": {strconv.FormatInt(start.Unix(), 10)},
		"end": {strconv.FormatInt(end.Unix(), 10)}, "step": {strconv.Itoa(int(step.Seconds()))},
	})
	out := map[string][]float64{}
	for _, r := range a.Data.Result {
		for _, p := range r.Values {
			out[r.Metric["pod"]] = append(out[r.Metric["pod"]], parseValue(c.t, p))
		}
	}
	return out
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// TestInPrometheus backfills several instances into one Prometheus and
// checks that what PromQL sees matches the scenarios' knobs and truths.
func TestInPrometheus(t *testing.T) {
	names := []string{"healthy", "latency-50", "errors-x5", "errors-new", "crash-loop", "memory-leak", "cpu-50"}
	var instances []Instance
	for i, name := range names {
		seed := uint64(i + 1)
		s := small(t, name, seed)
		s.CanaryShare = 0.2
		s.RequestRate = 60
		instances = append(instances, Instance{Scenario: s, Seed: seed})
	}
	var buf bytes.Buffer
	truths, err := GenerateMany(&buf, instances)
	if err != nil {
		t.Fatal(err)
	}
	srv := promtest.Start(t, &buf)
	c := promClient{t: t, url: srv.URL}
	tr := map[string]Truth{}
	for _, x := range truths {
		tr[x.Name] = x
	}
	sel := func(x Truth) string { return fmt.Sprintf(`namespace=%q`, x.Namespace) }

	// All checks use the last 10 minutes: canary ages 5 to 15 minutes, past
	// the warm-up.
	t.Run("canary share", func(t *testing.T) {
		for _, name := range []string{"healthy", "latency-50"} {
			x := tr[name]
			rates := c.byPod(fmt.Sprintf(`sum by (pod) (rate(http_requests_total{%s}[10m]))`, sel(x)), x.End)
			var total float64
			for _, v := range rates {
				total += v
			}
			share := rates[x.CanaryPod] / total
			// Binomial noise of the share over the window's requests, plus
			// a little for rate()'s extrapolation.
			tol := 4*math.Sqrt(0.2*0.8/(total*600)) + 0.005
			if math.Abs(share-0.2) > tol {
				t.Errorf("%s: canary share %.4f, want 0.2 ± %.4f", name, share, tol)
			}
			if len(rates) != len(x.Pods) {
				t.Errorf("%s: %d pods have requests, want %d", name, len(rates), len(x.Pods))
			}
		}
	})

	t.Run("histogram count equals requests", func(t *testing.T) {
		x := tr["healthy"]
		diff := c.rangeByPod(fmt.Sprintf(`sum by (pod) (http_request_duration_seconds_count{%[1]s}) - sum by (pod) (http_requests_total{%[1]s})`, sel(x)),
			x.Start.Add(time.Minute), x.End, time.Minute)
		if len(diff) != len(x.Pods) {
			t.Fatalf("%d pods, want %d", len(diff), len(x.Pods))
		}
		for pod, vs := range diff {
			for _, v := range vs {
				if v != 0 {
					t.Fatalf("%s: _count differs from http_requests_total by %v", pod, v)
				}
			}
		}
	})

	// Mean latency: the canary's over the stable pods' (request-weighted)
	// is LatencyFactor·o_canary / Σ share_i·o_i / Σ share_i, up to the AR
	// noise averaged over 40 scrapes (σ ≈ 0.05·√(1.8/0.2/40) ≈ 0.024 per pod).
	latencyRatio := func(x Truth) (got, want float64) {
		mean := c.byPod(fmt.Sprintf(`sum by (pod) (rate(http_request_duration_seconds_sum{%[1]s}[10m])) / sum by (pod) (rate(http_request_duration_seconds_count{%[1]s}[10m]))`, sel(x)), x.End)
		stableMean := c.scalar(fmt.Sprintf(`sum(rate(http_request_duration_seconds_sum{%[1]s,pod!=%[2]q}[10m])) / sum(rate(http_request_duration_seconds_count{%[1]s,pod!=%[2]q}[10m]))`, sel(x), x.CanaryPod), x.End)
		var offsets, shares float64
		for _, p := range x.Pods {
			if !p.Canary {
				offsets += p.Share * p.LatencyOffset
				shares += p.Share
			}
		}
		return mean[x.CanaryPod] / stableMean, factor(x.Effects.LatencyFactor) * x.Canary().LatencyOffset / (offsets / shares)
	}
	t.Run("latency offset", func(t *testing.T) {
		for _, name := range []string{"healthy", "latency-50", "errors-x5"} {
			got, want := latencyRatio(tr[name])
			if math.Abs(math.Log(got/want)) > 0.08 {
				t.Errorf("%s: canary/stable mean latency %.3f, want %.3f (log difference within 0.08)", name, got, want)
			}
		}
	})

	// The p95 of the rule set's query is coarse: inside the wide buckets
	// (0.1 to 0.25 s, 0.25 to 0.5 s) linear interpolation compresses
	// differences, and a pod whose p95 sits near a bucket bound flips
	// between buckets from minute to minute (a healthy canary with a +10%
	// pod offset can show a 1-minute p95 40% above the stable pods'). The
	// exact check of the latency offset is the mean above; here the query
	// must work on the data and show the regression's direction.
	t.Run("p95", func(t *testing.T) {
		for _, name := range []string{"healthy", "latency-50"} {
			x := tr[name]
			p95 := c.rangeByPod(fmt.Sprintf(`histogram_quantile(0.95, sum by (pod, le) (rate(http_request_duration_seconds_bucket{%s}[1m])))`, sel(x)),
				x.End.Add(-10*time.Minute), x.End, time.Minute)
			var canary float64
			var stables []float64
			for _, p := range x.Pods {
				vs := p95[p.Name]
				if len(vs) != 11 {
					t.Fatalf("%s: %s has %d p95 values, want 11", name, p.Name, len(vs))
				}
				if p.Canary {
					canary = median(vs)
				} else {
					stables = append(stables, median(vs))
				}
			}
			got := canary / median(stables)
			switch {
			case name == "latency-50" && got <= 1:
				t.Errorf("latency regression not visible in p95: canary/stable %.3f", got)
			case name == "healthy" && (got < 1/1.6 || got > 1.6):
				t.Errorf("healthy canary's p95 is %.3f times the stable pods'", got)
			}
		}
	})

	t.Run("5xx ratio", func(t *testing.T) {
		x := tr["errors-x5"]
		q := `sum(increase(http_requests_total{%[1]s,pod%[2]s%[3]q,code=~"5.."}[10m])) / sum(increase(http_requests_total{%[1]s,pod%[2]s%[3]q}[10m]))`
		canary := c.scalar(fmt.Sprintf(q, sel(x), "=", x.CanaryPod), x.End)
		stable := c.scalar(fmt.Sprintf(q, sel(x), "!=", x.CanaryPod), x.End)
		var fs, ws float64
		for _, p := range x.Pods {
			if !p.Canary {
				fs += p.Share * p.ErrorFactor
				ws += p.Share
			}
		}
		want := 5 * x.Canary().ErrorFactor / (fs / ws)
		// Poisson noise of both counts: about 0.015·12·600 = 108 canary and
		// 0.003·48·600 = 86 stable errors.
		nc, ns := canary*12*600, stable*48*600
		tol := 4 * math.Sqrt(1/nc+1/ns)
		if got := canary / stable; math.Abs(math.Log(got/want)) > tol {
			t.Errorf("5xx ratio canary %.4f / stable %.4f = %.2f, want %.2f (log tolerance %.2f)", canary, stable, got, want, tol)
		}
		if canary < 2*stable {
			t.Errorf("regression not visible: canary 5xx ratio %.4f, stable %.4f", canary, stable)
		}
	})

	t.Run("5xx only on the canary", func(t *testing.T) {
		x := tr["errors-new"]
		series := c.byPod(fmt.Sprintf(`count by (pod) (http_requests_total{%s,code=~"5.."})`, sel(x)), x.End)
		if len(series) != 1 || series[x.CanaryPod] == 0 {
			t.Errorf("pods with 5xx series: %v, want only the canary %s", series, x.CanaryPod)
		}
	})

	t.Run("crash loop", func(t *testing.T) {
		x := tr["crash-loop"]
		n := float64(len(x.CanaryRestarts))
		restarts := c.byPod(fmt.Sprintf(`kube_pod_container_status_restarts_total{%s}`, sel(x)), x.End)
		for _, p := range x.Pods {
			want := float64(p.RestartsBefore)
			if p.Canary {
				want = n
			}
			if restarts[p.Name] != want {
				t.Errorf("%s: %v restarts, want %v", p.Name, restarts[p.Name], want)
			}
		}
		for _, metric := range []string{`http_requests_total{%s,pod=%q,code="200",method="GET"}`, `container_cpu_usage_seconds_total{%s,pod=%q}`} {
			m := fmt.Sprintf(metric, sel(x), x.CanaryPod)
			resets := c.scalar(fmt.Sprintf(`resets(%s[15m])`, m), x.End)
			// The last restart may come too late for a sample after it.
			if resets < n-1 || resets > n {
				t.Errorf("resets(%s) = %v, want %v restarts", m, resets, n)
			}
		}
		samples := c.scalar(fmt.Sprintf(`count_over_time(container_memory_working_set_bytes{%s,pod=%q}[15m])`, sel(x), x.CanaryPod), x.End)
		if samples >= 60 {
			t.Errorf("%v memory samples in 15 minutes: no gaps while the container was down", samples)
		}
	})

	t.Run("memory leak", func(t *testing.T) {
		x := tr["memory-leak"]
		slope := c.byPod(fmt.Sprintf(`deriv(container_memory_working_set_bytes{%s}[10m])`, sel(x)), x.End)
		leak := 10.0 * mib / 60
		if got := slope[x.CanaryPod]; math.Abs(got/leak-1) > 0.25 {
			t.Errorf("canary memory grows %.0f B/s, want %.0f ± 25%%", got, leak)
		}
		for _, pod := range x.StablePods {
			if math.Abs(slope[pod]) > 0.2*leak {
				t.Errorf("stable pod %s memory changes %.0f B/s", pod, slope[pod])
			}
		}
	})

	t.Run("CPU per request", func(t *testing.T) {
		for _, name := range []string{"cpu-50", "healthy"} {
			x := tr[name]
			cpu := c.byPod(fmt.Sprintf(`sum by (pod) (rate(container_cpu_usage_seconds_total{%s}[10m]))`, sel(x)), x.End)
			rps := c.byPod(fmt.Sprintf(`sum by (pod) (rate(http_requests_total{%s}[10m]))`, sel(x)), x.End)
			for _, p := range x.Pods {
				f := 1.0
				if p.Canary {
					f = factor(x.Effects.CPUFactor)
				}
				// CPU = baseline + per-request cost·rate; the AR noise
				// averages to about 2.4% over the window.
				want := p.CPUBaseline + p.CPUPerRequest*f*rps[p.Name]
				if got := cpu[p.Name]; math.Abs(got/want-1) > 0.08 {
					t.Errorf("%s %s: CPU %.4f cores, want %.4f ± 8%%", name, p.Name, got, want)
				}
			}
		}
	})
}

// modelQuantile is what histogram_quantile returns, without sampling noise,
// for the pod's latency distribution under the model: a mix over request
// classes of latencyDist with the pod's median, bucketed like the data and
// interpolated linearly inside the bucket as Prometheus does.
