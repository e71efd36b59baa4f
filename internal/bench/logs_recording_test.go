package bench

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/canary-analyzer/canary-analyzer/analysisrun"
	"github.com/canary-analyzer/canary-analyzer/internal/logscenario"
	"github.com/canary-analyzer/canary-analyzer/internal/longtest"
	"github.com/canary-analyzer/canary-analyzer/providers"
	promprovider "github.com/canary-analyzer/canary-analyzer/providers/prometheus"
)

// The Loki ruler's rules and the rule set that judges what they record.
const (
	rulerRulesFile    = "../../deploy/loki-recording/loki-ruler-rules.yaml"
	recordedRulesFile = "../../deploy/loki-recording/apache-frontend-recorded.yaml"
)

// TestRecordedVariant evaluates the Loki ruler's recording rules over
// generated access logs as the ruler would (every minute, in the Loki
// stand-in), loads what they record into a real Prometheus, and checks
//
//   - that the series are those apache-frontend-recorded reads, and count
//     what the generator made: every pod's requests, 5xx and 404s, and
//     the durations of its requests;
//   - that apache-frontend-recorded, judging them at the AnalysisTemplate's
//     looks, passes a healthy canary and fails a canary with 10 times the
//     API errors, one with 50% slower pages and API calls, and one with a
//     new error signature, naming the metric that saw it.
func TestRecordedVariant(t *testing.T) {
	longtest.Skip(t)
	rr, err := LoadRecordingRules(rulerRulesFile)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		reg    logscenario.Regression
		metric string // the metric that must fail; "" for a healthy canary
	}{
		{"healthy", logscenario.Regression{}, ""},
		{"errors", logscenario.Regression{ServerErrorFactor: 10}, "error-ratio"},
		{"slow", logscenario.Regression{DynamicSlowdown: 1.5}, "latency"},
		{"new-error", logscenario.Regression{NewErrorRate: 0.01}, "new-errors"},
	}
	l, err := analysisrun.ReadLimits("../../deploy/analysis/cluster-analysis-template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ages := l.Ages()
	var cfgs []logscenario.Config
	for _, c := range cases {
		cfg := ScaleScenario(c.name, 3, c.reg)
		cfg.RequestRate, cfg.CanaryRequestRate = 3, 3
		cfg.End = cfg.CanaryStart.Add(ages[len(ages)-1])
		cfgs = append(cfgs, cfg)
	}
	s, err := StartScale(t.Context(), t.TempDir(), cfgs, map[string]string{"recorded": recordedRulesFile}, &rr)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	t.Run("the recorded series", func(t *testing.T) {
		for _, cfg := range cfgs {
			checkRecorded(t, s, cfg)
		}
	})
	t.Run("the variant's verdicts", func(t *testing.T) {
		for i, c := range cases {
			r := Result{}
			for _, age := range ages {
				j, err := s.Judge(t.Context(), cfgs[i], "recorded", age)
				if err != nil {
					t.Fatal(err)
				}
				r.Verdicts = append(r.Verdicts, j.Verdict)
				r.Metrics = append(r.Metrics, j.Metrics)
				if j.Cost.RegexpLines+j.Cost.PatternLines+j.Cost.FormatLines > 0 {
					t.Errorf("%s at canary age %v: Loki parsed lines (%+v); only new-errors reads raw logs, without a parser", c.name, age, j.Cost)
				}
			}
			run := Replay(r.Verdicts, l)
			last := r.Metrics[run.Looks-1]
			t.Logf("%s: %s after %v at canary age %v: %s", c.name, run.Phase, r.Verdicts, ages[run.Looks-1], classifications(last))
			switch {
			case c.metric == "" && run.Phase != analysisrun.PhaseSuccessful:
				t.Errorf("healthy canary: %s after %v (%s)", run.Phase, r.Verdicts, classifications(last))
			case c.metric != "" && run.Phase != analysisrun.PhaseFailed:
				t.Errorf("%s: %s after %v, want Failed (%s)", c.name, run.Phase, r.Verdicts, classifications(last))
			case c.metric != "" && !strings.Contains(classifications(last), c.metric+" High"):
				t.Errorf("%s: failed without %s High: %s", c.name, c.metric, classifications(last))
			}
		}
	})
}

// checkRecorded compares the recorded series of scenario cfg, summed over
// its whole window, with what the generator made and with the durations of
// the stored access lines.
func checkRecorded(t *testing.T, s *ScaleService, cfg logscenario.Config) {
	t.Helper()
	prom, err := promprovider.New(providers.ClientOptions{URL: s.Prometheus})
	if err != nil {
		t.Fatal(err)
	}
	total := func(expr string) map[string]float64 {
		t.Helper()
		q := fmt.Sprintf(expr, cfg.Namespace)
		m, err := prom.QueryRange(t.Context(), providers.RangeQuery{Expr: q, Start: cfg.End, End: cfg.End, Step: time.Minute})
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		out := map[string]float64{}
		for _, ss := range m {
			for _, p := range ss.Values {
				out[string(ss.Metric["pod"])+" "+string(ss.Metric["class"])] += float64(p.Value)
			}
		}
		return out
	}
	// Every sample of the window: (End − 1h, End] holds them all.
	counts := total(`sum by (pod, class) (sum_over_time(apache_requests:count1m{namespace="%s"}[1h]))`)
	durations := total(`sum by (pod) (sum_over_time(apache_request_duration_seconds:sum1m{namespace="%s"}[1h]))`)
	tr := s.Truths[cfg.Namespace]
	stored := storedDurations(s, cfg.Namespace)
	for _, pod := range append([]string{tr.CanaryPod}, tr.StablePods...) {
		requests := 0.0
		for _, class := range []string{"2xx", "3xx", "404", "4xx", "5xx"} {
			requests += counts[pod+" "+class]
		}
		for _, c := range []struct {
			what      string
			got, want float64
		}{
			{"requests", requests, float64(tr.Requests[pod])},
			{"5xx", counts[pod+" 5xx"], float64(tr.ServerErrors[pod])},
			{"404s", counts[pod+" 404"], float64(tr.NotFound[pod])},
		} {
			if c.got != c.want {
				t.Errorf("%s %s: %v recorded, the generator made %v", cfg.Namespace, c.what, c.got, c.want)
			}
		}
		if got, want := durations[pod+" "], stored[pod]; math.Abs(got-want) > 1e-9*want || want == 0 {
			t.Errorf("%s %s: %g s of requests recorded, the lines hold %g s", cfg.Namespace, pod, got, want)
		}
	}
	if len(counts) == 0 || len(durations) != 1+len(tr.StablePods) {
		t.Errorf("%s: series %v and %v", cfg.Namespace, counts, durations)
	}
}

// storedDurations adds up, per pod of the namespace, the %D of the user
// requests in the Loki stand-in (the last field of an access line, in
// microseconds), in seconds.
func storedDurations(s *ScaleService, namespace string) map[string]float64 {
	out := map[string]float64{}
	for _, st := range s.Loki.Store.Streams() {
		if string(st.Labels["namespace"]) != namespace || st.Labels["stream"] != "access" {
			continue
		}
		for _, e := range st.Entries {
			if strings.Contains(e.Line, "kube-probe/") {
				continue
			}
			us, err := strconv.ParseFloat(e.Line[strings.LastIndexByte(e.Line, ' ')+1:], 64)
			if err == nil {
				out[string(st.Labels["pod"])] += us / 1e6
			}
		}
	}
	return out
}
