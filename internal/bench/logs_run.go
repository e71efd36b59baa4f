package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/canary-analyzer/canary-analyzer/analysisrun"
	"github.com/canary-analyzer/canary-analyzer/api/wire"
	"github.com/canary-analyzer/canary-analyzer/internal/logscenario"
	"github.com/canary-analyzer/canary-analyzer/internal/lokitest"
	"github.com/canary-analyzer/canary-analyzer/internal/promtest"
	"github.com/canary-analyzer/canary-analyzer/internal/scenario"
	"github.com/canary-analyzer/canary-analyzer/providers"
	"github.com/canary-analyzer/canary-analyzer/providers/loki"
	promprovider "github.com/canary-analyzer/canary-analyzer/providers/prometheus"
	"github.com/canary-analyzer/canary-analyzer/rules"
)

// LogConfig is one run of the log benchmark.
type LogConfig struct {
	// Families to run; nil means all (LogFamilies).
	Families []LogFamily
	// Seeds per family, starting at FirstSeed.
	Seeds     int
	FirstSeed uint64
	// Batch is how many instances share one data set: one Loki stand-in
	// and one Prometheus, each instance in its own namespace.
	Batch int
	// RuleFile is the rule set to judge with (apache-frontend).
	RuleFile string
	// Limits are the AnalysisTemplate's.
	Limits analysisrun.Limits
	// Parallel requests to the service.
	Parallel int
	// Dir holds the temporary data; "" means a new temp dir.
	Dir string
	// Progress, if set, receives a line per batch.
	Progress io.Writer
	// Inspect, if set, sees every answer of the service (from several
	// goroutines at once).
	Inspect func(*wire.Response)
}

// LogCPUPerRequest is the CPU time (core-seconds) an Apache pod spends per
// user request in the log benchmark's container metrics, on top of about
// 0.02 cores idle (logscenario.WriteResources).
const LogCPUPerRequest = 0.002

// logInstance is one instance of a log family.
type logInstance struct {
	family LogFamily
	seed   uint64
}

// RunLogBenchmark generates the log instances, judges each through the
// service's HTTP API with Loki played by internal/lokitest and the pods'
// container metrics in a real Prometheus, and replays each run as Argo
// does. Results carry a scenario.Truth made from the instance
// (LogTruth), so that Summarize and WriteMarkdown tabulate them; use
// SummarizeLogs for the log families' classes, order and best possible.
func RunLogBenchmark(ctx context.Context, cfg LogConfig) ([]Result, error) {
	if cfg.Families == nil {
		cfg.Families = LogFamilies()
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 32
	}
	if cfg.Parallel <= 0 {
		cfg.Parallel = 2
	}
	sets, err := ruleSets(cfg.RuleFile)
	if err != nil {
		return nil, err
	}
	lookback := time.Duration(sets[JudgeOurs].Lookback)
	if lookback == 0 {
		lookback = rules.DefaultLookback
	}
	w := LogWindowFor(cfg.Limits, lookback)
	dir := cfg.Dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "verdict-bench-logs-"); err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
	}
	var instances []logInstance
	for _, f := range cfg.Families {
		for i := 0; i < cfg.Seeds; i++ {
			instances = append(instances, logInstance{family: f, seed: cfg.FirstSeed + uint64(i)})
		}
	}
	return inBatches(len(instances), cfg.Batch, cfg.Progress, "log instances", func(lo, hi int) ([]Result, error) {
		return runLogBatch(ctx, cfg, sets, dir, w, instances[lo:hi])
	})
}

// generateLogBatch generates the instances into one Loki store and one
// OpenMetrics file of their container metrics.
func generateLogBatch(instances []logInstance, w LogWindow, omPath string) (*lokitest.Store, []scenario.Truth, error) {
	store := &lokitest.Store{}
	var pods []logscenario.ResourcePod
	var truths []scenario.Truth
	for _, in := range instances {
		c := in.family.Config(in.seed, w)
		logs, err := logscenario.Generate(c)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", c.Namespace, err)
		}
		store.AddEntries(logs.Entries)
		for _, p := range logs.ResourcePods(c.Namespace, w.CanaryStart) {
			p.CPUPerRequest = LogCPUPerRequest
			p.Seed = in.seed
			pods = append(pods, p)
		}
		truths = append(truths, LogTruth(in.family, c, logs))
	}
	if err := writeResourceFile(omPath, pods, w.Start, w.End, nil); err != nil {
		return nil, nil, err
	}
	return store, truths, nil
}

func runLogBatch(ctx context.Context, cfg LogConfig, sets map[string]*rules.RuleSet, dir string, w LogWindow, instances []logInstance) ([]Result, error) {
	path := filepath.Join(dir, "resources.om")
	store, truths, err := generateLogBatch(instances, w, path)
	if err != nil {
		return nil, err
	}
	prom, err := promtest.StartProcess(ctx, promtest.Options{Dir: filepath.Join(dir, "prometheus"), DataFile: path})
	if err != nil {
		return nil, err
	}
	defer prom.Close()
	_ = os.Remove(path)
	lk, err := lokitest.Start(store)
	if err != nil {
		return nil, err
	}
	defer lk.Close()
	lk.SetReplay(nil) // generated data only: never answer with a recording
	cache := newResultsCache(lk.URL)
	defer cache.Close()

	backends, err := logBackends(prom.URL, cache.URL)
	if err != nil {
		return nil, err
	}
	return judgeTruths(ctx, backends, sets, truths, cfg.Parallel, cfg.Limits, time.Minute, false, cfg.Inspect)
}

// logBackends returns the clients of the Prometheus and the Loki at the
// given URLs.
func logBackends(promURL, lokiURL string) (map[providers.Type]providers.MetricQuerier, error) {
	promClient, err := promprovider.New(providers.ClientOptions{URL: promURL})
	if err != nil {
		return nil, err
	}
	lokiClient, err := loki.NewFromOptions(providers.ClientOptions{URL: lokiURL})
	if err != nil {
		return nil, err
	}
	return map[providers.Type]providers.MetricQuerier{providers.TypePrometheus: promClient, providers.TypeLoki: lokiClient}, nil
}

// Regressions a log instance can have, beside scenario's signals.
const (
	// SignalNewErrorSignature is an error-log signature the stable pods
	// never log.
	SignalNewErrorSignature scenario.Signal = "new-error-signature"
)

// LogTruth describes a log instance as a scenario.Truth, the form the
// benchmark's results and tables use: names, times, the pods (stable, then
// the canary) with their requests, 5xx and 404s after the canary's start,
// the pod-to-pod spread, and the regressed signals. Effects stay zero: the
// metrics oracle (BestPossible) does not apply to log instances; see
// LogBestPossible.
func LogTruth(f LogFamily, c logscenario.Config, logs logscenario.Logs) scenario.Truth {
	t := scenario.Truth{
		Name: f.Name, Healthy: f.Healthy, Description: f.Description, Seed: c.Seed,
		Scenario: scenario.Scenario{
			Name: f.Name, Healthy: f.Healthy, Description: f.Description,
			Namespace: c.Namespace, Rollout: c.Rollout, CanaryHash: c.CanaryHash, StableHash: c.StableHash,
			StablePods: c.StablePods, End: c.End, CanaryAge: c.End.Sub(c.CanaryStart),
			History: c.CanaryStart.Sub(c.Start), Interval: logscenario.ScrapeInterval,
			ReadyDelay: c.Variation.ReadyDelay,
		},
		Namespace: c.Namespace, Rollout: c.Rollout, Container: "httpd",
		CanaryHash: c.CanaryHash, StableHash: c.StableHash,
		CanaryPod: logs.Truth.CanaryPod, StablePods: logs.Truth.StablePods,
		Start: c.Start, CanaryStart: c.CanaryStart, End: c.End, Interval: logscenario.ScrapeInterval,
		Spread: scenario.Spread{
			LatencyPodSigma: c.Variation.LatencySigma, ErrorPodSigma: c.Variation.ErrorSigma,
			LatencyARPhi: c.Variation.PodPhi, LatencyARSigma: c.Variation.PodSigma,
			LatencySharedPhi: c.Variation.SharedPhi, LatencySharedSigma: c.Variation.SharedSigma,
			TailProb: c.Variation.TailProb, WarmupLatencyFactor: c.Variation.WarmupFactor,
			WarmupLatencyTau: c.Variation.WarmupTau,
		},
	}
	reg := c.Canary
	if reg.NewErrorRate > 0 {
		t.Regressions = append(t.Regressions, SignalNewErrorSignature)
	}
	if reg.Slowdown > 1 {
		t.Regressions = append(t.Regressions, scenario.SignalLatency)
	}
	if reg.ServerErrorFactor > 1 {
		t.Regressions = append(t.Regressions, scenario.SignalErrors)
	}
	if reg.NotFoundRate > 0 && reg.NotFoundTo > reg.NotFoundFrom {
		t.Regressions = append(t.Regressions, scenario.SignalNotFound)
	}
	for _, e := range c.Variation.Spikes {
		t.Spikes = append(t.Spikes, scenario.Episode{Start: e.Start, Duration: e.Duration, Height: e.Height})
	}
	for _, e := range c.Variation.SlowBackends {
		t.SlowDependencies = append(t.SlowDependencies, scenario.Episode{Start: e.Start, Duration: e.Duration, Height: e.Height})
	}
	// Count what each pod answered after the canary's start.
	type counts struct{ requests, errors, notFound int64 }
	byPod := map[string]*counts{}
	for _, e := range logs.Entries {
		if e.Labels["stream"] != "access" || !e.Time.After(c.CanaryStart) || strings.Contains(e.Line, "kube-probe/") {
			continue
		}
		pod := string(e.Labels["pod"])
		n := byPod[pod]
		if n == nil {
			n = &counts{}
			byPod[pod] = n
		}
		n.requests++
		switch status := accessStatus(e.Line); {
		case status >= 500:
			n.errors++
		case status == 404:
			n.notFound++
		}
	}
	var total float64
	for _, r := range logs.Truth.RequestRates {
		total += r
	}
	pod := func(name string, canary bool) scenario.PodTruth {
		p := scenario.PodTruth{
			Name: name, Canary: canary, Share: logs.Truth.RequestRates[name] / total,
			LatencyOffset: logs.Truth.LatencyFactors[name], ErrorFactor: logs.Truth.ErrorFactors[name],
		}
		if n := byPod[name]; n != nil {
			p.Requests, p.Errors5xx, p.NotFound = n.requests, n.errors, n.notFound
		}
		return p
	}
	for _, s := range logs.Truth.StablePods {
		t.Pods = append(t.Pods, pod(s, false))
	}
	t.Pods = append(t.Pods, pod(logs.Truth.CanaryPod, true))
	t.Scenario.CanaryShare = t.Pods[len(t.Pods)-1].Share
	return t
}

// accessStatus returns the status of an access-log line in the combined
// format, or 0.
func accessStatus(line string) int {
	_, rest, ok := strings.Cut(line, `HTTP/1.1" `)
	if !ok || len(rest) < 3 {
		return 0
	}
	n := 0
	for _, c := range rest[:3] {
		if c < '0' || c > '9' {
			return 0
		}
		n = 10*n + int(c-'0')
	}
	return n
}
