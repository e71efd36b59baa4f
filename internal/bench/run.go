package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/canary-analyzer/canary-analyzer/analysisrun"
	"github.com/canary-analyzer/canary-analyzer/api/wire"
	"github.com/canary-analyzer/canary-analyzer/app"
	"github.com/canary-analyzer/canary-analyzer/internal/promtest"
	"github.com/canary-analyzer/canary-analyzer/internal/scenario"
	"github.com/canary-analyzer/canary-analyzer/providers"
	promprovider "github.com/canary-analyzer/canary-analyzer/providers/prometheus"
	"github.com/canary-analyzer/canary-analyzer/request"
	"github.com/canary-analyzer/canary-analyzer/rules"
)

// Judges compared by the benchmark: the shipped rule set with our judge,
// and the same metrics judged the way Kayenta does (pooled per-step
// average, Mann-Whitney at 0.98, tolerance 0.25, pass 95 / marginal 75).
const (
	JudgeOurs     = "canary"
	JudgeBaseline = "kayenta"
)

// Config is one benchmark run.
type Config struct {
	// Families to run; nil means all.
	Families []scenario.Family
	// Seeds per family, starting at FirstSeed.
	Seeds     int
	FirstSeed uint64
	// Alignments, when set, runs every family and seed once per
	// alignment: the canary's first sample that many seconds past a whole
	// minute (scenario.Scenario.Aligned). Nil leaves the canary's start to
	// the scrape phase, once per seed (the earlier tables).
	Alignments []int
	// Batch is how many instances share one Prometheus.
	Batch int
	// RuleFile is the shipped rule set to judge with.
	RuleFile string
	// Limits are the AnalysisTemplate's.
	Limits analysisrun.Limits
	// History is the stable pods' data before the canary starts.
	History time.Duration
	// CPUIdle, when positive, replaces every instance's idle CPU per pod
	// (scenario.Scenario.CPUBaseline, cores): the benchmark under another
	// CPU model, for what-if runs (docs/benchmark.md). Zero keeps the
	// families' own.
	CPUIdle float64
	// Scrape, when positive, replaces every instance's scrape interval
	// (scenario.Scenario.Interval, and in a World the cAdvisor and
	// kube-state-metrics intervals where they are shorter): the benchmark
	// with the scrapes of another Prometheus set-up (Prometheus' own
	// default is 1m), for what-if runs. Zero keeps the families' own.
	Scrape time.Duration
	// Baseline, when positive, gives every instance that many baseline
	// pods (scenario.Scenario.Baseline: pods of the stable version started
	// with the canary, each at its share; World families only), and both
	// judges compare the canary with them alone (the request's stable
	// hash is theirs), as an Argo experiment with a baseline template
	// would be judged. Zero judges against the stable pods.
	Baseline int
	// Both, with Baseline, asks for both references, as the product's
	// experiment template does: the canary's ReplicaSet
	// (<rollout>-<canary hash>) judged against the baseline's
	// (<rollout>-<baseline hash>) and against the stable pods by hash, in
	// one request that fails when both judgements fail or the age check
	// leaves a failure against the stable pods unexplained
	// (request.Target.BothReferences), for both judges.
	Both bool
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

// Result is one instance judged by one judge over the looks of one run.
type Result struct {
	Truth scenario.Truth
	Judge string
	// Verdicts and Reasons, one per look (Limits.Ages()).
	Verdicts []string
	Reasons  []string
	// Failed names the failing metrics at each look.
	Failed [][]string
	// Metrics holds each metric's classification and reason at each look.
	Metrics [][]MetricOutcome
	// References holds, at each look of a both-references run, each
	// judgement's verdict by what it was judged against (wire.Reference).
	References []map[string]string `json:",omitempty"`
	Run        analysisrun.Run
}

// MetricOutcome is one metric's classification at one look.
type MetricOutcome struct {
	Name           string `json:"name"`
	Classification string `json:"classification"`
	Reason         string `json:"reason"`
	Evidence       *struct {
		Tests []struct {
			Name   string   `json:"name"`
			PValue *float64 `json:"pValue"`
			Alpha  *float64 `json:"alpha"`
			Text   string   `json:"text"`
		} `json:"tests"`
		// Spread is the stable pods' spread a value metric was judged
		// against (WriteSpreads).
		Spread *struct {
			Observed *float64 `json:"observed"`
			Noise    *float64 `json:"noise"`
			Prior    *float64 `json:"prior"`
			Pods     int      `json:"pods"`
		} `json:"spread,omitempty"`
		// Throttling is set where the canary's CPU throttling held a High.
		Throttling *struct {
			CanaryShare    *float64 `json:"canaryShare"`
			StableMaxShare *float64 `json:"stableMaxShare"`
			Text           string   `json:"text"`
		} `json:"throttling,omitempty"`
	} `json:"evidence,omitempty"`
}

// DetectedAt is the canary age at which the run failed, or 0.
func (r Result) DetectedAt(l analysisrun.Limits) time.Duration {
	if r.Run.Phase != analysisrun.PhaseFailed {
		return 0
	}
	return l.Ages()[r.Run.Looks-1]
}

// instances returns the run's instances: every family at every seed and
// alignment, the canary a minute older than the last look, with the run's
// history and idle CPU where set.
func (cfg Config) instances() []scenario.Instance {
	ages := cfg.Limits.Ages()
	maxAge := ages[len(ages)-1]
	aligns := cfg.Alignments
	if aligns == nil {
		aligns = []int{-1}
	}
	var out []scenario.Instance
	for _, f := range cfg.Families {
		for i := 0; i < cfg.Seeds; i++ {
			seed := cfg.FirstSeed + uint64(i)
			for _, a := range aligns {
				s := f.Scenario(seed)
				s.CanaryAge = maxAge + time.Minute
				if cfg.History > 0 {
					s.History = cfg.History
				}
				if cfg.CPUIdle > 0 {
					s.CPUBaseline = cfg.CPUIdle
				}
				if cfg.Scrape > 0 {
					s.Interval = cfg.Scrape
					if w := s.World; w != nil {
						w.ResourceInterval = max(w.ResourceInterval, cfg.Scrape)
						w.KSMInterval = max(w.KSMInterval, cfg.Scrape)
					}
				}
				if a >= 0 {
					s.Aligned, s.Alignment = true, a
				}
				s.Baseline = cfg.Baseline
				out = append(out, scenario.Instance{Scenario: s, Seed: seed})
			}
		}
	}
	return out
}

// RunBenchmark generates the instances, judges them and replays each run.
func RunBenchmark(ctx context.Context, cfg Config) ([]Result, error) {
	if cfg.Families == nil {
		cfg.Families = scenario.Families()
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 64
	}
	if cfg.Parallel <= 0 {
		cfg.Parallel = 4
	}
	if cfg.Both && cfg.Baseline <= 0 {
		return nil, fmt.Errorf("both references need baseline pods (Baseline > 0)")
	}
	sets, err := ruleSets(cfg.RuleFile)
	if err != nil {
		return nil, err
	}
	dir := cfg.Dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "verdict-bench-"); err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
	}
	instances := cfg.instances()
	for _, in := range instances {
		if in.Scenario.Baseline > 0 && in.Scenario.World == nil {
			return nil, fmt.Errorf("family %s: baseline pods need a World (the misfit families)", in.Scenario.Name)
		}
	}
	return inBatches(len(instances), cfg.Batch, cfg.Progress, "instances", func(lo, hi int) ([]Result, error) {
		return runBatch(ctx, cfg, sets, dir, instances[lo:hi])
	})
}

// inBatches runs judge on the instances [lo, hi) of n, batch at a time,
// and reports each batch to progress (if set).
func inBatches(n, batch int, progress io.Writer, what string, judge func(lo, hi int) ([]Result, error)) ([]Result, error) {
	var results []Result
	for lo := 0; lo < n; lo += batch {
		hi := min(lo+batch, n)
		rs, err := judge(lo, hi)
		if err != nil {
			return nil, err
		}
		results = append(results, rs...)
		if progress != nil {
			fmt.Fprintf(progress, "judged %d of %d %s\n", hi, n, what)
		}
	}
	return results, nil
}

// ruleSets loads the shipped rule set and derives the baseline from it.
func ruleSets(file string) (map[string]*rules.RuleSet, error) {
	ours, err := rules.LoadFile(file, "")
	if err != nil {
		return nil, err
	}
	ours.Judge = rules.JudgeCanary
	base := *ours
	base.Name = ours.Name + "-" + JudgeBaseline
	base.Judge = rules.JudgeKayenta
	base.Thresholds = rules.Thresholds{Pass: 95, Marginal: 75}
	return map[string]*rules.RuleSet{JudgeOurs: ours, JudgeBaseline: &base}, nil
}

func runBatch(ctx context.Context, cfg Config, sets map[string]*rules.RuleSet, dir string, instances []scenario.Instance) ([]Result, error) {
	path := filepath.Join(dir, "data.om")
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	truths, err := scenario.GenerateMany(w, instances)
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	prom, err := promtest.StartProcess(ctx, promtest.Options{Dir: filepath.Join(dir, "prometheus"), DataFile: path})
	if err != nil {
		return nil, err
	}
	defer prom.Close()
	_ = os.Remove(path)

	client, err := promprovider.New(providers.ClientOptions{URL: prom.URL})
	if err != nil {
		return nil, err
	}
	backends := map[providers.Type]providers.MetricQuerier{providers.TypePrometheus: client}
	return judgeTruths(ctx, backends, sets, truths, cfg.Parallel, cfg.Limits, 30*time.Second, cfg.Both, cfg.Inspect)
}

// judgeTruths runs the service with the backends and both rule sets, and
// judges every truth with both judges at every look, parallel requests at
// a time, against both references when both is set (target); inspect, if
// set, sees every answer.
func judgeTruths(ctx context.Context, backends map[providers.Type]providers.MetricQuerier, sets map[string]*rules.RuleSet,
	truths []scenario.Truth, parallel int, limits analysisrun.Limits, queryTimeout time.Duration, both bool, inspect func(*wire.Response)) ([]Result, error) {
	base, stop, err := startService(backends, sets, queryTimeout)
	if err != nil {
		return nil, err
	}
	defer stop()

	var results []Result
	for _, t := range truths {
		for _, judge := range []string{JudgeOurs, JudgeBaseline} {
			if sets[judge] == nil {
				continue // a what-if that judges with one of them only
			}
			results = append(results, Result{Truth: t, Judge: judge})
		}
	}
	jobs := make(chan *Result)
	errs := make(chan error, len(results))
	var wg sync.WaitGroup
	for range parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range jobs {
				if err := judgeLooks(ctx, base, sets[r.Judge].Name, r, limits, both, inspect); err != nil {
					errs <- err
				}
			}
		}()
	}
	for i := range results {
		jobs <- &results[i]
	}
	close(jobs)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, err
	}
	return results, nil
}

// startService runs the service with the rule sets and backends on a
// loopback port.
func startService(backends map[providers.Type]providers.MetricQuerier, sets map[string]*rules.RuleSet, queryTimeout time.Duration) (string, func(), error) {
	byName := map[string]*rules.RuleSet{}
	for _, rs := range sets {
		byName[rs.Name] = rs
	}
	store := rules.NewStore(func() (map[string]*rules.RuleSet, error) { return byName, nil }, prometheus.NewRegistry())
	listening := make(chan string, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- app.Run(ctx, app.Options{
			ListenAddress: "127.0.0.1:0",
			Store:         store,
			Backends:      backends,
			QueryTimeout:  queryTimeout,
			Logger:        zap.NewNop(),
			Listening:     listening,
		})
	}()
	select {
	case addr := <-listening:
		return "http://" + addr, func() { cancel(); <-done }, nil
	case err := <-done:
		cancel()
		return "", nil, err
	}
}

// target is the request's target for an instance: its canary against its
// stable pods, or against its baseline pods when it has them; with both
// (and baseline pods), against both references, the canary and the
// baseline named by their ReplicaSets as an experiment names them (the
// generator names pods <rollout>-<hash>-<suffix>, so a hash's ReplicaSet
// is <rollout>-<hash>).
func target(t scenario.Truth, both bool) request.Target {
	if both && t.BaselineHash != "" {
		return request.Target{Namespace: t.Namespace, Rollout: t.Rollout, StableHash: t.StableHash,
			CanaryReplicaSet: t.Rollout + "-" + t.CanaryHash, StableReplicaSet: t.Rollout + "-" + t.BaselineHash}
	}
	stable := t.StableHash
	if t.BaselineHash != "" {
		stable = t.BaselineHash
	}
	return request.Target{Namespace: t.Namespace, Rollout: t.Rollout, CanaryHash: t.CanaryHash, StableHash: stable}
}

// verdictBody is the part of the answer the benchmark reads.
type verdictBody struct {
	Verdict string `json:"verdict"`
	Reason  string `json:"reason"`
	Error   string `json:"error"`
	Summary struct {
		Failed []string `json:"failed"`
	} `json:"summary"`
	Metrics    []MetricOutcome `json:"metrics"`
	Cost       wire.Cost       `json:"cost"`
	References []struct {
		Against string `json:"against"`
		Verdict string `json:"verdict"`
	} `json:"references"`
}

// judgeLooks asks for a verdict at each look, as Argo would (GET, no
// lookback: the rule set's), shows each answer to inspect (if set), and
// replays the run.
func judgeLooks(ctx context.Context, base, ruleSet string, r *Result, l analysisrun.Limits, both bool, inspect func(*wire.Response)) error {
	c := &http.Client{Timeout: time.Minute}
	for _, age := range l.Ages() {
		q := request.Request{Target: target(r.Truth, both), RuleSet: ruleSet, End: r.Truth.CanaryStart.Add(age)}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, q.URL(base), nil)
		if err != nil {
			return err
		}
		res, err := c.Do(req)
		if err != nil {
			return err
		}
		var body verdictBody
		raw, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err == nil {
			err = json.Unmarshal(raw, &body)
		}
		if err != nil {
			return fmt.Errorf("%s at age %v: %w", r.Truth.Namespace, age, err)
		}
		if res.StatusCode != http.StatusOK {
			return fmt.Errorf("%s at age %v: HTTP %d: %s", r.Truth.Namespace, age, res.StatusCode, body.Error)
		}
		if inspect != nil {
			var full wire.Response
			if err := json.Unmarshal(raw, &full); err != nil {
				return fmt.Errorf("%s at age %v: %w", r.Truth.Namespace, age, err)
			}
			inspect(&full)
		}
		r.Verdicts = append(r.Verdicts, body.Verdict)
		r.Reasons = append(r.Reasons, body.Reason)
		r.Failed = append(r.Failed, body.Summary.Failed)
		r.Metrics = append(r.Metrics, body.Metrics)
		if len(body.References) > 0 {
			refs := map[string]string{}
			for _, ref := range body.References {
				refs[ref.Against] = ref.Verdict
			}
			r.References = append(r.References, refs)
		}
	}
	r.Run = Replay(r.Verdicts, l)
	return nil
}
