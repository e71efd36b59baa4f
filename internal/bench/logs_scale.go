package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/canary-analyzer/canary-analyzer/api/wire"
	"github.com/canary-analyzer/canary-analyzer/internal/logscenario"
	"github.com/canary-analyzer/canary-analyzer/internal/lokitest"
	"github.com/canary-analyzer/canary-analyzer/internal/promtest"
	"github.com/canary-analyzer/canary-analyzer/providers"
	"github.com/canary-analyzer/canary-analyzer/providers/loki"
	"github.com/canary-analyzer/canary-analyzer/request"
	"github.com/canary-analyzer/canary-analyzer/rules"
)

// The production-scale log scenario (issue 14): a frontend of 5 stable pods
// and a canary, each serving ScaleRequestRate user requests per second, so
// that 30 minutes of its access log hold about 270,000 lines.
const (
	ScaleStablePods   = 5
	ScaleRequestRate  = 25.0
	scaleCanaryHash   = "5f6b7c8d9e"
	scaleStableHash   = "7c9d5b6f4d"
	scaleDataBefore   = 27 * time.Minute
	scaleLastCanaryAt = 30 * time.Minute
)

// ScaleCanaryStart is when the scale scenario's canary starts: six hours
// before the peak of its daily cycle (16:00), where the traffic is at its
// daily mean. Its data run from 27 minutes before (so that a look at canary
// age 4 minutes, the AnalysisTemplate's first, has a full 30-minute window)
// to canary age 30 minutes.
var ScaleCanaryStart = time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)

// ScaleAges are the canary ages the scale benchmark judges at: the shipped
// AnalysisTemplate's last look, where the canary covers a third of the
// window, and a canary as old as the window.
var ScaleAges = []time.Duration{10 * time.Minute, 30 * time.Minute}

// ScaleScenario returns the production-scale scenario with the canary's
// regression reg: ProfileStaticHeavy traffic (half static files, half pages
// and API calls) and the kind of variation between pods and over time the
// log families draw, fixed (no traffic spike or slow backend).
func ScaleScenario(namespace string, seed uint64, reg logscenario.Regression) logscenario.Config {
	return logscenario.Config{
		Namespace:         namespace,
		Rollout:           "web",
		CanaryHash:        scaleCanaryHash,
		StableHash:        scaleStableHash,
		StablePods:        ScaleStablePods,
		Start:             ScaleCanaryStart.Add(-scaleDataBefore),
		CanaryStart:       ScaleCanaryStart,
		End:               ScaleCanaryStart.Add(scaleLastCanaryAt),
		RequestRate:       ScaleRequestRate,
		CanaryRequestRate: ScaleRequestRate,
		Profile:           logscenario.ProfileStaticHeavy,
		Variation: logscenario.Variation{
			LatencySigma: 0.065, ErrorSigma: 0.15,
			SharedPhi: 0.97, SharedSigma: 0.04, PodPhi: 0.8, PodSigma: 0.05,
			DailyAmplitude: 0.4, DailyPeakHour: 16,
			TailProb: 0.01, WarmupFactor: 2, WarmupTau: 40 * time.Second, ReadyDelay: 10 * time.Second,
		},
		Canary: reg,
		Seed:   seed,
	}
}

// ScaleService holds scenarios ready to judge: their lines in a Loki
// stand-in that counts what each query costs (no results cache in front:
// every query of every judgement reaches it), their pods' container
// metrics in a real Prometheus, and the service with the rule sets given.
type ScaleService struct {
	Loki *lokitest.Server
	// Prometheus is the URL of the Prometheus, Truths what each scenario
	// generated, by namespace.
	Prometheus string
	Truths     map[string]logscenario.Truth
	url        string
	close      []func()
}

// StartScale generates the scenarios' lines and container metrics in dir
// (each scenario in its own namespace) and starts the backends and the
// service with ruleFiles (rule set name: file; the name replaces the
// file's own, so that two versions of one rule set can be compared). With
// recording rules, Prometheus also holds the series Loki's ruler would
// have recorded from the lines. Close stops everything.
func StartScale(ctx context.Context, dir string, cfgs []logscenario.Config, ruleFiles map[string]string, recording *RecordingRules) (*ScaleService, error) {
	s := &ScaleService{Truths: map[string]logscenario.Truth{}}
	ok := false
	defer func() {
		if !ok {
			s.Close()
		}
	}()
	store := &lokitest.Store{}
	var pods []logscenario.ResourcePod
	start, end := cfgs[0].Start, cfgs[0].End
	for _, cfg := range cfgs {
		logs, err := logscenario.Generate(cfg)
		if err != nil {
			return nil, err
		}
		store.AddEntries(logs.Entries)
		s.Truths[cfg.Namespace] = logs.Truth
		for _, p := range logs.ResourcePods(cfg.Namespace, cfg.CanaryStart) {
			p.CPUPerRequest = LogCPUPerRequest
			p.Seed = cfg.Seed
			pods = append(pods, p)
		}
		start, end = minTime(start, cfg.Start), maxTime(end, cfg.End)
	}
	lk, err := lokitest.Start(store)
	if err != nil {
		return nil, err
	}
	lk.SetReplay(nil)
	s.Loki = lk
	s.close = append(s.close, lk.Close)
	var recorded func(io.Writer) error
	if recording != nil {
		client, err := loki.NewFromOptions(providers.ClientOptions{URL: lk.URL})
		if err != nil {
			return nil, err
		}
		recorded = func(w io.Writer) error { return recording.WriteOpenMetrics(ctx, w, client, start, end) }
	}
	om := filepath.Join(dir, "resources.om")
	if err := writeResourceFile(om, pods, start, end, recorded); err != nil {
		return nil, err
	}
	prom, err := promtest.StartProcess(ctx, promtest.Options{Dir: filepath.Join(dir, "prometheus"), DataFile: om})
	if err != nil {
		return nil, err
	}
	s.close = append(s.close, func() { _ = prom.Close() })
	s.Prometheus = prom.URL
	_ = os.Remove(om)

	backends, err := logBackends(prom.URL, lk.URL)
	if err != nil {
		return nil, err
	}
	sets := map[string]*rules.RuleSet{}
	for name, file := range ruleFiles {
		rs, err := rules.LoadFile(file, "")
		if err != nil {
			return nil, err
		}
		rs.Name = name
		sets[name] = rs
	}
	// Generous: the benchmark measures the time, the machine may be busy.
	base, stop, err := startService(backends, sets, 5*time.Minute)
	if err != nil {
		return nil, err
	}
	s.url = base
	s.close = append(s.close, stop)
	ok = true
	return s, nil
}

// writeResourceFile writes the pods' container metrics as OpenMetrics,
// and the families extra writes (nil: none) before the closing "# EOF".
func writeResourceFile(path string, pods []logscenario.ResourcePod, start, end time.Time, extra func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := logscenario.WriteResources(&buf, pods, start, end, 1); err != nil {
		return err
	}
	const eof = "# EOF\n"
	text, ok := bytes.CutSuffix(buf.Bytes(), []byte(eof))
	if !ok {
		return fmt.Errorf("bench: the container metrics do not end with %q", eof)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	_, err = bw.Write(text)
	if err == nil && extra != nil {
		err = extra(bw)
	}
	if err == nil {
		_, err = bw.WriteString(eof)
	}
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Close stops the service and the backends.
func (s *ScaleService) Close() {
	for i := len(s.close) - 1; i >= 0; i-- {
		s.close[i]()
	}
	s.close = nil
}

// ScaleJudgement is one judgement of a scale scenario and what it made Loki
// do.
type ScaleJudgement struct {
	Verdict string
	Metrics []MetricOutcome
	// Queries is the number of requests Loki received, Cost what they
	// cost in lokitest's cost model, Wall the judgement's time. PerQuery
	// is each request's cost. Reported is the cost the answer reports.
	Queries  int
	Cost     lokitest.Cost
	PerQuery []lokitest.Cost
	Wall     time.Duration
	Reported wire.Cost
}

// LokiWall is the time in the cost model a Loki of the given cores takes to
// answer the judgement's queries, which the service sends side by side:
// their cost spread over the cores, but no less than the costliest query
// (a query runs on one core; Loki does not split a 30-minute query).
func (j ScaleJudgement) LokiWall(cores int) float64 {
	longest := 0.0
	for _, c := range j.PerQuery {
		longest = math.Max(longest, c.Seconds())
	}
	return math.Max(j.Cost.Seconds()/float64(cores), longest)
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// Judge asks the service for a verdict of the rule set on the scenario cfg
// at canary age age (GET, as Argo asks) and counts the Loki requests it
// caused. Judgements must not overlap.
func (s *ScaleService) Judge(ctx context.Context, cfg logscenario.Config, ruleSet string, age time.Duration) (ScaleJudgement, error) {
	q := request.Request{
		Target: request.Target{Namespace: cfg.Namespace, Rollout: cfg.Rollout,
			CanaryHash: cfg.CanaryHash, StableHash: cfg.StableHash},
		RuleSet: ruleSet, End: cfg.CanaryStart.Add(age),
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, q.URL(s.url), nil)
	if err != nil {
		return ScaleJudgement{}, err
	}
	before := len(s.Loki.Requests())
	began := time.Now()
	res, err := (&http.Client{Timeout: 6 * time.Minute}).Do(req)
	if err != nil {
		return ScaleJudgement{}, err
	}
	var body verdictBody
	err = json.NewDecoder(res.Body).Decode(&body)
	res.Body.Close()
	j := ScaleJudgement{Wall: time.Since(began)}
	if err != nil {
		return j, err
	}
	if res.StatusCode != http.StatusOK {
		return j, fmt.Errorf("%s at canary age %v: HTTP %d: %s", ruleSet, age, res.StatusCode, body.Error)
	}
	j.Verdict, j.Metrics, j.Reported = body.Verdict, body.Metrics, body.Cost
	for _, r := range s.Loki.Requests()[before:] {
		j.Queries++
		j.Cost = j.Cost.Add(r.Cost)
		j.PerQuery = append(j.PerQuery, r.Cost)
	}
	return j, nil
}

// AccessLines counts the access-log lines of the scenario cfg in the
// judged window of a look at canary age age, (end − lookback, end]: what
// one scan of the window's access log reads.
func (s *ScaleService) AccessLines(cfg logscenario.Config, age, lookback time.Duration) int64 {
	end := cfg.CanaryStart.Add(age).UnixNano()
	var n int64
	for _, st := range s.Loki.Store.Streams() {
		if st.Labels["stream"] != "access" || string(st.Labels["namespace"]) != cfg.Namespace {
			continue
		}
		for _, e := range st.Entries {
			if e.T > end-lookback.Nanoseconds() && e.T <= end {
				n++
			}
		}
	}
	return n
}
