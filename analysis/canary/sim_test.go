package canary

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/canary-analyzer/canary-analyzer/analysis"
)

// simWorld is a small seeded simulator of the canary setting (the model
// of internal/scenario, reduced to what one metric per step needs): K
// stable pods and a canary that starts simAge before the end, a shared
// AR(1) movement, persistent per-pod offsets, per-pod AR(1) noise,
// heavy-tailed sampling noise that grows as a pod serves fewer requests,
// a warm-up, and Poisson error counts with a per-pod error factor.
type simWorld struct {
	r *rand.Rand
	// Pods and traffic.
	stable      int
	share       float64 // canary's share of all requests
	rate        float64 // requests per second, all pods together
	step        time.Duration
	history     time.Duration // stable data before the canary starts
	podSpread   float64       // σ of a pod's log level offset
	arPhi       float64       // per-step AR(1) of each pod's log noise
	arSigma     float64
	sharedPhi   float64
	sharedSigma float64
	noisyPod    bool
	warmup      float64       // latency factor of a new pod
	warmupTau   time.Duration // decay of the warm-up
	// Effects on the canary.
	latencyFactor float64
	errorRatio    float64
	errorFactor   float64
	errorSpread   float64 // σ of a pod's log error factor
	extraErrors   float64
	leakPerMin    float64 // relative growth of memory per minute
}

// newSimWorld draws the nuisance knobs like scenario.Family.Scenario.
func newSimWorld(seed uint64) *simWorld {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	return &simWorld{
		r:           r,
		stable:      3 + r.IntN(6),
		share:       0.05 + 0.25*r.Float64(),
		rate:        math.Exp(math.Log(10) + r.Float64()*math.Log(8)),
		step:        time.Minute,
		history:     30 * time.Minute,
		podSpread:   0.05 + 0.03*r.Float64(),
		arPhi:       0.41, // 0.8 per 15 s scrape
		arSigma:     0.05,
		sharedPhi:   0.885,
		sharedSigma: 0.04,
		warmup:      2,
		warmupTau:   40 * time.Second,
		errorRatio:  0.003,
		errorFactor: 1,
		errorSpread: 0.15,
	}
}

// simData is one simulated instance: latency (p95-like) value series,
// 5xx counts and memory, each for the canary and the stable pods, up to a
// canary age of maxAge.
type simData struct {
	canaryStart time.Time
	step        time.Duration
	latency     analysis.Data
	errors      analysis.Data
	memory      analysis.Data
}

// simAR draws an AR(1) path of n steps with stationary σ.
func simAR(r *rand.Rand, n int, phi, sigma float64) []float64 {
	out := make([]float64, n)
	x := sigma * r.NormFloat64()
	for i := range out {
		x = phi*x + sigma*math.Sqrt(1-phi*phi)*r.NormFloat64()
		out[i] = x
	}
	return out
}

// simHeavy draws a heavy-tailed unit-scale noise (Student t with 4 df,
// scaled to unit variance).
func simHeavy(r *rand.Rand) float64 {
	var c float64
	for range 4 {
		z := r.NormFloat64()
		c += z * z
	}
	return r.NormFloat64() / math.Sqrt(c/4) / math.Sqrt(2)
}

// simPoisson draws a Poisson count (normal approximation above 500).
func simPoisson(r *rand.Rand, mean float64) float64 {
	if mean <= 0 {
		return 0
	}
	if mean > 500 {
		return math.Max(0, math.Round(mean+math.Sqrt(mean)*r.NormFloat64()))
	}
	l, k, p := math.Exp(-mean), 0.0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// generate simulates the world up to canary age maxAge.
func (w *simWorld) generate(maxAge time.Duration) simData {
	r := w.r
	end := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	start := end.Add(-maxAge - w.history)
	canaryStart := end.Add(-maxAge)
	steps := int((maxAge + w.history) / w.step)
	stepSec := w.step.Seconds()
	shared := simAR(r, steps, w.sharedPhi, w.sharedSigma)
	k := w.stable
	pods := k + 1 // the canary is the last row
	offset := make([]float64, pods)
	errFactor := make([]float64, pods)
	arSigma := make([]float64, pods)
	memLevel := make([]float64, pods)
	for p := range pods {
		offset[p] = w.podSpread * r.NormFloat64()
		errFactor[p] = math.Exp(w.errorSpread * r.NormFloat64())
		arSigma[p] = w.arSigma
		memLevel[p] = 0.08 * r.NormFloat64()
	}
	if w.noisyPod {
		offset[0] = 0.25
		if r.IntN(2) == 0 {
			offset[0] = -0.25
		}
		arSigma[0] = 3 * w.arSigma
	}
	weights := make([]float64, k)
	var wsum float64
	for p := range weights {
		weights[p] = math.Exp(0.05 * r.NormFloat64())
		wsum += weights[p]
	}
	d := simData{canaryStart: canaryStart, step: w.step}
	for p := range pods {
		canary := p == k
		name := "stable-" + string(rune('a'+p))
		if canary {
			name = "canary-x"
		}
		noise := simAR(r, steps, w.arPhi, arSigma[p])
		memNoise := simAR(r, steps, 0.92, 0.015)
		lat := analysis.Series{Pod: name}
		errs := analysis.CountSeries{Pod: name}
		mem := analysis.Series{Pod: name}
		for i := range steps {
			t := start.Add(time.Duration(i+1) * w.step)
			age := t.Sub(canaryStart)
			if canary && age <= 0 {
				continue
			}
			var reqRate float64
			if canary {
				reqRate = w.rate * w.share
			} else {
				reqRate = w.rate * weights[p] / wsum
				if t.After(canaryStart) {
					reqRate *= 1 - w.share
				}
			}
			n := simPoisson(r, reqRate*stepSec)
			ms := t.UnixMilli()
			// Latency: log p95 of this pod in this step.
			if n > 0 {
				v := math.Log(0.1) + shared[i] + offset[p] + noise[i] + 1.06/math.Sqrt(n)*simHeavy(r)
				if canary {
					v += math.Log(1 + (w.warmup-1)*math.Exp(-age.Seconds()/w.warmupTau.Seconds()))
					v += math.Log(factorOr1(w.latencyFactor))
				}
				lat.Points = append(lat.Points, analysis.Point{T: ms, V: math.Exp(v)})
			} else {
				lat.Points = append(lat.Points, analysis.Point{T: ms, V: math.NaN()})
			}
			// 5xx counts.
			ratio := w.errorRatio * errFactor[p]
			if canary {
				ratio = ratio*factorOr1(w.errorFactor) + w.extraErrors
			}
			errs.Points = append(errs.Points, analysis.CountPoint{T: ms, Events: simPoisson(r, n*ratio), Trials: n})
			// Memory: a fresh pod starts 30% below its level.
			m := 256 * math.Exp(memLevel[p]+memNoise[i])
			if canary {
				m *= 1 - 0.3*math.Exp(-age.Seconds()/90)
				m += 256 * w.leakPerMin * age.Minutes()
			}
			mem.Points = append(mem.Points, analysis.Point{T: ms, V: m})
		}
		if canary {
			d.latency.Canary = []analysis.Series{lat}
			d.errors.CanaryCounts = []analysis.CountSeries{errs}
			d.memory.Canary = []analysis.Series{mem}
		} else {
			d.latency.Stable = append(d.latency.Stable, lat)
			d.errors.StableCounts = append(d.errors.StableCounts, errs)
			d.memory.Stable = append(d.memory.Stable, mem)
		}
	}
	return d
}

// factorOr1 returns f, or 1 for zero.
func factorOr1(f float64) float64 {
	if f == 0 {
		return 1
	}
	return f
}

// at returns the data as seen at canary age age: every sample up to then.
func (d simData) at(age time.Duration) (latency, errors, memory analysis.Data, end time.Time) {
	end = d.canaryStart.Add(age)
	cut := end.UnixMilli()
	vs := func(ss []analysis.Series) []analysis.Series {
		out := make([]analysis.Series, len(ss))
		for i, s := range ss {
			out[i].Pod = s.Pod
			for _, p := range s.Points {
				if p.T <= cut {
					out[i].Points = append(out[i].Points, p)
				}
			}
		}
		return out
	}
	cs := func(ss []analysis.CountSeries) []analysis.CountSeries {
		out := make([]analysis.CountSeries, len(ss))
		for i, s := range ss {
			out[i].Pod = s.Pod
			for _, p := range s.Points {
				if p.T <= cut {
					out[i].Points = append(out[i].Points, p)
				}
			}
		}
		return out
	}
	latency = analysis.Data{Canary: vs(d.latency.Canary), Stable: vs(d.latency.Stable)}
	errors = analysis.Data{CanaryCounts: cs(d.errors.CanaryCounts), StableCounts: cs(d.errors.StableCounts)}
	memory = analysis.Data{Canary: vs(d.memory.Canary), Stable: vs(d.memory.Stable)}
	return latency, errors, memory, end
}

// simFamily is a kind of simulated situation.
type simFamily struct {
	name    string
	healthy bool
	set     func(*simWorld)
}

// simFamilies mirrors the benchmark's families that the simulator models.
var simFamilies = []simFamily{
	{"healthy", true, func(*simWorld) {}},
	{"healthy-faster", true, func(w *simWorld) { w.latencyFactor = 0.85 }},
	{"healthy-noisy-pod", true, func(w *simWorld) { w.noisyPod = true }},
	{"healthy-quiet", true, func(w *simWorld) { w.rate = 0.3 + 0.7*w.r.Float64() }},
	{"latency-10", false, func(w *simWorld) { w.latencyFactor = 1.1 }},
	{"latency-25", false, func(w *simWorld) { w.latencyFactor = 1.25 }},
	{"latency-50", false, func(w *simWorld) { w.latencyFactor = 1.5 }},
	{"errors-x2", false, func(w *simWorld) { w.errorFactor = 2 }},
	{"errors-x5", false, func(w *simWorld) { w.errorFactor = 5 }},
	{"errors-new", false, func(w *simWorld) { w.errorRatio, w.extraErrors = 0, 0.005 }},
	{"memory-leak", false, func(w *simWorld) { w.leakPerMin = 10.0 / 256 }},
}

// simAges are the canary ages of the looks (Argo count 4, interval 3m).
var simAges = []time.Duration{3 * time.Minute, 6 * time.Minute, 9 * time.Minute, 12 * time.Minute}

// simErrorWarmup is the warm-up of the simulated error metric: a new pod
// answers errors like any other once it gets traffic.
var simErrorWarmup = 30 * time.Second

// simMetrics returns the simulated rule set: latency, 5xx ratio, memory
// with a trend test.
func simMetrics(latencySpread float64) []analysis.Metric {
	mw := 4 * time.Minute
	errWarmup := simErrorWarmup
	return []analysis.Metric{
		{Name: "latency", Kind: analysis.KindValue, Direction: analysis.Increase, Max: math.NaN(), Min: math.NaN(), PodSpread: latencySpread},
		{Name: "errors", Kind: analysis.KindRatio, Direction: analysis.Increase, Max: math.NaN(), Min: math.NaN(), Warmup: &errWarmup},
		{Name: "memory", Kind: analysis.KindValue, Direction: analysis.Increase, Max: math.NaN(), Min: math.NaN(), PodSpread: 0.1,
			Trend: true, TrendTolerance: 1, Warmup: &mw},
	}
}

// simOutcome counts what the AnalysisRuns of one family ended as.
type simOutcome struct {
	runs, successful, failed, failedBy10 int
	// failing counts runs in which each metric failed at some look.
	failing map[string]int
	// notEnough counts, per look, the runs whose verdict was capped by
	// NotEnoughData.
	notEnough []int
}

// argoReplay replays Argo's assessment of one metric over the verdicts of
// one run (analysis.go assessMetricStatus): Failed once failures exceed
// failureLimit, Inconclusive once inconclusives exceed inconclusiveLimit,
// Successful when the count is reached.
func argoReplay(v []analysis.Verdict, failureLimit, inconclusiveLimit int) (analysis.Verdict, int) {
	failed, incl := 0, 0
	for i, x := range v {
		switch x {
		case analysis.Failed:
			failed++
		case analysis.Inconclusive:
			incl++
		}
		if failed > failureLimit {
			return analysis.Failed, i
		}
		if incl > inconclusiveLimit {
			return analysis.Inconclusive, i
		}
	}
	return analysis.Successful, len(v) - 1
}

// runSimFamily judges seeds instances of a family at every look and
// replays each AnalysisRun (failureLimit 0, inconclusiveLimit 3). With
// oracle set the latency prior is the instance's true pod spread with an
// overwhelming weight: the best a judge could know. With scheduled set the
// judge knows the schedule (Settings.FirstLook) and spends each metric's
// budget at the looks where it can have data; otherwise evenly.
func runSimFamily(j *Judge, f simFamily, seeds int, alpha, latencySpread float64, oracle, scheduled bool) simOutcome {
	out := simOutcome{failing: map[string]int{}, notEnough: make([]int, len(simAges))}
	opt := analysis.ScoreOptions{Thresholds: analysis.Thresholds{Pass: 95, Marginal: 75}}
	for seed := range seeds {
		w := newSimWorld(uint64(seed))
		f.set(w)
		metrics := simMetrics(latencySpread)
		jj := *j
		if oracle {
			jj.PriorPods = 1e9
			metrics[0].PodSpread = w.podSpread
		}
		d := w.generate(simAges[len(simAges)-1])
		verdicts := make([]analysis.Verdict, len(simAges))
		failed := map[string]bool{}
		for li, age := range simAges {
			lat, errs, mem, end := d.at(age)
			s := analysis.Settings{Alpha: alpha, Looks: len(simAges), Interval: 3 * time.Minute, Warmup: 2 * time.Minute,
				Step: time.Minute, End: end}
			if scheduled {
				s.FirstLook = simAges[0]
			}
			in := []analysis.MetricInput{{Metric: metrics[0], Data: lat}, {Metric: metrics[1], Data: errs}, {Metric: metrics[2], Data: mem}}
			rep := judgeAll(&jj, in, s, opt.Thresholds)
			// Any failing metric fails the look: the rule set marks them critical.
			for _, r := range rep.Metrics {
				if r.Classification.Failing() {
					failed[r.Name] = true
					rep.Verdict = analysis.Failed
				}
			}
			verdicts[li] = rep.Verdict
			for _, r := range rep.Metrics {
				if r.Classification == analysis.NotEnoughData {
					out.notEnough[li]++
					break
				}
			}
		}
		out.runs++
		for name := range failed {
			out.failing[name]++
		}
		switch v, at := argoReplay(verdicts, 0, 3); v {
		case analysis.Successful:
			out.successful++
		case analysis.Failed:
			out.failed++
			if simAges[at] <= 10*time.Minute {
				out.failedBy10++
			}
		}
	}
	return out
}
