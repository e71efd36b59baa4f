package scenario

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Truth describes one generated instance: where its data is and what the
// canary really does. The benchmark judges each instance at a few Looks and
// compares the verdicts with Healthy and Regressions.
type Truth struct {
	// Name, Healthy and Description repeat the scenario's.
	Name        string
	Healthy     bool
	Description string
	// Seed is the seed the instance was generated with.
	Seed uint64
	// Scenario holds every knob used.
	Scenario Scenario

	Namespace string
	Rollout   string
	// Container names the application container in container_* series.
	Container  string
	CanaryHash string
	StableHash string
	CanaryPod  string
	StablePods []string
	// BaselineHash and BaselinePods are the baseline pods' hash and names
	// (Scenario.Baseline; empty without them). They are not in StablePods.
	BaselineHash string   `json:",omitempty"`
	BaselinePods []string `json:",omitempty"`

	// Start is the beginning of the first scrape interval; CanaryStart is
	// when the canary pod started; End is the time of the last sample.
	Start, CanaryStart, End time.Time
	// Interval is the scrape interval.
	Interval time.Duration

	// Regressions lists the signals in which the canary is worse; empty for
	// a healthy canary.
	Regressions []Signal
	// Effects is the canary's ground-truth difference.
	Effects Effects
	// Spread holds the pod-to-pod and over-time variation that a judge must
	// not mistake for a regression.
	Spread Spread
	// Pods describes every pod: the stable pods, then the canary, then
	// the baseline pods.
	Pods []PodTruth
	// CanaryRestarts lists when the canary's container came back after a
	// crash (empty unless Effects.CrashLoop).
	CanaryRestarts []time.Time
	// Spikes and SlowDependencies are the shared episodes in the data.
	Spikes, SlowDependencies []Episode

	// Aligned and Alignment repeat the scenario's: the canary's first
	// application sample fell Alignment seconds past a whole minute.
	Aligned   bool `json:",omitempty"`
	Alignment int  `json:",omitempty"`
	// FirstSample is the canary's first application sample (zero when it
	// never answered a scrape).
	FirstSample time.Time
	// Onset is the canary age from which the regression is present (0:
	// from the canary's start; for restarts, the first restart).
	Onset time.Duration `json:",omitempty"`
	// Size says how large the regression is ("" for a healthy canary).
	Size string `json:",omitempty"`
	// World describes what a World instance drew (nil in the base model).
	World *WorldTruth `json:",omitempty"`
}

// WorldTruth is what a World instance drew beyond the scenario's knobs.
type WorldTruth struct {
	// Nodes is the number of nodes; StableStarts, per stable pod in the
	// order of Truth.StablePods, when its first container in the data
	// started (zero for pods older than the data).
	Nodes        int
	StableStarts []time.Time
	// RestartedPod restarted its container at StableRestart (empty: none).
	RestartedPod  string    `json:",omitempty"`
	StableRestart time.Time `json:",omitempty"`
	// ReplacedPod was deleted at Replaced and ReplacementPod created.
	ReplacedPod, ReplacementPod string    `json:",omitempty"`
	Replaced                    time.Time `json:",omitempty"`
	// GapFrom and GapTo bound Prometheus' outage (zero: none).
	GapFrom, GapTo time.Time `json:",omitempty"`
	// RestartSeen holds, per canary restart, the second past the minute
	// of the first kube-state-metrics sample that shows it.
	RestartSeen []int `json:",omitempty"`
	// MeanLatencyRatio is the ratio of the canary's expected mean latency
	// to a healthy canary's at the instance's request mix (1 without a
	// latency effect).
	MeanLatencyRatio float64
}

// Episode is a transient that hits every pod at once: a traffic spike
// (Height is the relative traffic increase) or a slow dependency (Height is
// the relative latency increase). It rises as Height·(1-e^(-u/20 s)) for the
// Duration, then decays with a 60 s time constant.
type Episode struct {
	Start    time.Time
	Duration time.Duration
	Height   float64
}

func exportEpisodes(es []episode) []Episode {
	out := make([]Episode, 0, len(es))
	for _, e := range es {
		out = append(out, Episode{
			Start:    time.Unix(0, int64(e.Start*1e9)).UTC(),
			Duration: time.Duration(e.Duration * float64(time.Second)),
			Height:   e.Height,
		})
	}
	return out
}

// Spread collects the parameters of the noise between pods and over time.
// With them a benchmark can compute the best separation any judge could
// reach: for latency, a healthy canary's log latency differs from the stable
// pods' mean by N(0, LatencyPodSigma²·(1+1/n)) plus the AR noise averaged
// over the look.
type Spread struct {
	// LatencyPodSigma is the σ of each pod's persistent log latency offset
	// (in a World its node's part and its own together:
	// World.LatencySpread; result files written before that count it as
	// the scenario's PodSpread).
	LatencyPodSigma float64
	// LatencyARPhi and LatencyARSigma give each pod's AR(1) log latency
	// noise per scrape (stationary σ).
	LatencyARPhi, LatencyARSigma float64
	// LatencySharedPhi and LatencySharedSigma give the AR(1) log latency
	// noise common to all pods.
	LatencySharedPhi, LatencySharedSigma float64
	// LatencyBodySigma is the log-σ of single request latencies (within a
	// pod); TailProb and TailAlpha describe the Pareto tail.
	LatencyBodySigma, TailProb, TailAlpha float64
	// NoisyPod names the noisy stable pod (empty if none), with its log
	// latency offset and AR σ.
	NoisyPod             string
	NoisyLogOffset       float64
	NoisyLatencyARSigma  float64
	ShareSigma           float64 // σ of stable pods' log load-balancer weights
	ErrorPodSigma        float64 // σ of each pod's log 5xx-ratio factor
	CPUPodSigma          float64 // σ of each pod's log CPU baseline and per-request factors
	CPUNoiseSigma        float64 // σ of the AR(1) log CPU noise per scrape
	MemoryPodSigma       float64 // σ of each pod's log memory level
	MemoryNoiseSigma     float64 // σ of the AR(1) log memory noise per scrape
	MemoryNoisePhi       float64
	CPUNoisePhi          float64
	WarmupLatencyFactor  float64 // latency factor of a new container
	WarmupLatencyTau     time.Duration
	WarmupCPUFactor      float64 // per-request CPU factor of a new container
	WarmupCPUTau         time.Duration
	WarmupMemoryFraction float64 // a new container's memory starts this fraction below its level
	WarmupMemoryTau      time.Duration
}

// PodTruth describes one pod's drawn parameters and what it served while
// the canary ran.
type PodTruth struct {
	Name   string
	Canary bool
	// Baseline marks a baseline pod (Scenario.Baseline).
	Baseline bool `json:",omitempty"`
	Noisy    bool
	// Share is the pod's fraction of all requests while the canary serves.
	Share float64
	// LatencyOffset is the persistent latency multiplier (median 1); the
	// canary's excludes Effects.LatencyFactor.
	LatencyOffset float64
	// ErrorFactor multiplies the base 5xx ratio (median 1).
	ErrorFactor float64
	// CPUBaseline (cores) and CPUPerRequest (core-seconds) exclude warm-up
	// and effects; MemoryBytes is the working-set level without a leak.
	CPUBaseline, CPUPerRequest, MemoryBytes float64
	// RestartsBefore is the restart count the pod had before the data.
	RestartsBefore int64
	// Requests, Errors5xx and NotFound count what the pod answered in
	// (CanaryStart, End]; LatencySum adds up those requests' latencies.
	Requests, Errors5xx, NotFound int64
	LatencySum                    float64
}

// Canary returns the canary's PodTruth.
func (t Truth) Canary() PodTruth {
	for _, p := range t.Pods {
		if p.Canary {
			return p
		}
	}
	return PodTruth{}
}

// Look is one moment at which Argo would ask for a verdict.
type Look struct {
	// Age is the canary's age at End.
	Age time.Duration
	// End is the time to judge at (CanaryStart + Age).
	End time.Time
}

// Looks returns n looks at canary ages first, first+every, ..., leaving out
// those after the end of the data. The usual benchmark call is
// Looks(3*time.Minute, 3*time.Minute, 4): ages 3, 6, 9 and 12 minutes.
func (t Truth) Looks(first, every time.Duration, n int) []Look {
	var out []Look
	for i := range n {
		age := first + time.Duration(i)*every
		end := t.CanaryStart.Add(age)
		if end.After(t.End) {
			break
		}
		out = append(out, Look{Age: age, End: end})
	}
	return out
}

func (in *instance) truth() Truth {
	s := in.s
	canary := in.canaryPod()
	t := Truth{
		Name:        s.Name,
		Healthy:     s.Healthy,
		Description: s.Description,
		Seed:        in.seed,
		Scenario:    s,
		Namespace:   in.ns,
		Rollout:     s.Rollout,
		Container:   s.Rollout,
		CanaryHash:  canary.hash,
		StableHash:  in.pods[0].hash,
		CanaryPod:   canary.name,
		Start:       unix(in.start),
		CanaryStart: unix(in.cs),
		End:         unix(in.end),
		Interval:    s.Interval,
		Regressions: s.Effects.Regressions(),
		Effects:     s.Effects,
		Spikes:      exportEpisodes(in.spikes),

		SlowDependencies: exportEpisodes(in.slow),
		Spread: Spread{
			LatencyPodSigma:      s.PodSpread,
			LatencyARPhi:         s.ARPhi,
			LatencyARSigma:       s.ARSigma,
			LatencySharedPhi:     s.SharedPhi,
			LatencySharedSigma:   s.SharedSigma,
			LatencyBodySigma:     s.LatencySigma,
			TailProb:             s.TailProb,
			TailAlpha:            s.TailAlpha,
			ShareSigma:           s.ShareSpread,
			ErrorPodSigma:        s.PodErrorSpread,
			CPUPodSigma:          s.CPUSpread,
			CPUNoiseSigma:        cpuNoiseSigma,
			CPUNoisePhi:          cpuNoisePhi,
			MemoryPodSigma:       s.MemorySpread,
			MemoryNoiseSigma:     memNoiseSigma,
			MemoryNoisePhi:       memNoisePhi,
			WarmupLatencyFactor:  s.WarmupFactor,
			WarmupLatencyTau:     s.WarmupTau,
			WarmupCPUFactor:      s.CPUWarmupFactor,
			WarmupCPUTau:         time.Duration(cpuWarmupTau * float64(time.Second)),
			WarmupMemoryFraction: memRampFrac,
			WarmupMemoryTau:      time.Duration(memRampTau * float64(time.Second)),
		},
	}
	if s.World != nil {
		t.Spread.LatencyPodSigma, _ = s.World.LatencySpread(s.PodSpread)
	}
	for _, p := range in.pods {
		switch {
		case p.baseline:
			t.BaselineHash = p.hash
			t.BaselinePods = append(t.BaselinePods, p.name)
		case !p.canary:
			t.StablePods = append(t.StablePods, p.name)
		}
		if p.noisy {
			t.Spread.NoisyPod = p.name
			t.Spread.NoisyLogOffset = math.Log(p.latOffset)
			t.Spread.NoisyLatencyARSigma = p.arSigma
		}
		share := p.weight
		if !p.canary && !p.baseline {
			share *= 1 - s.CanaryShare - float64(s.Baseline)*s.BaselineShare()
		}
		t.Pods = append(t.Pods, PodTruth{
			Name: p.name, Canary: p.canary, Baseline: p.baseline, Noisy: p.noisy, Share: share,
			LatencyOffset: p.latOffset, ErrorFactor: p.errFactor,
			CPUBaseline: p.cpuBase, CPUPerRequest: p.cpuPerReq, MemoryBytes: p.memLevel,
			RestartsBefore: p.restarts0,
			Requests:       p.reqs, Errors5xx: p.errs5xx, NotFound: p.notFound, LatencySum: p.latSum,
		})
	}
	for _, l := range in.canaryLives[1:] {
		if l.start <= in.end {
			t.CanaryRestarts = append(t.CanaryRestarts, unix(l.start))
		}
	}
	t.Aligned, t.Alignment = s.Aligned, s.Alignment
	for k, up := range canary.up {
		if up {
			t.FirstSample = unix(float64(canary.ts[k]))
			break
		}
	}
	if !s.Healthy {
		t.Onset, t.Size = in.regressionOnset(), in.regressionSize()
	}
	if in.world != nil {
		t.World = in.worldTruth()
	}
	return t
}

// regressionOnset is the canary age at which its regression begins: its
// first restart for restarts, its start otherwise.
func (in *instance) regressionOnset() time.Duration {
	if len(in.canaryLives) > 1 && (in.s.Effects.CrashLoop || in.s.Effects.RestartAt > 0) {
		return time.Duration((in.canaryLives[1].start - in.cs) * float64(time.Second))
	}
	return 0
}

// regressionSize describes the canary's effects in words.
func (in *instance) regressionSize() string {
	e := in.s.Effects
	var parts []string
	if f := factor(e.LatencyFactor); f > 1 {
		parts = append(parts, fmt.Sprintf("latency ×%g", f))
	}
	if f := factor(e.DynamicLatencyFactor); f > 1 {
		parts = append(parts, fmt.Sprintf("latency of cache misses ×%g (mean ×%.2f)", f, in.meanLatencyRatio()))
	}
	if f := factor(e.ErrorFactor); f > 1 {
		parts = append(parts, fmt.Sprintf("5xx ×%g", f))
	}
	if e.ExtraErrorRatio > 0 {
		parts = append(parts, fmt.Sprintf("+%g%% 5xx", 100*e.ExtraErrorRatio))
	}
	if e.NotFoundBurstRatio > 0 {
		parts = append(parts, fmt.Sprintf("+%g%% 404 for %v", 100*e.NotFoundBurstRatio, e.NotFoundBurstDuration))
	}
	if f := factor(e.CPUFactor); f > 1 {
		parts = append(parts, fmt.Sprintf("CPU per request ×%g", f))
	}
	if e.MemoryLeakMBPerMinute > 0 {
		parts = append(parts, fmt.Sprintf("memory +%g MiB/min", e.MemoryLeakMBPerMinute))
	}
	if n := len(in.canaryLives) - 1; n > 0 {
		parts = append(parts, fmt.Sprintf("%d restarts", n))
	}
	return strings.Join(parts, ", ")
}

// meanLatencyRatio returns the canary's expected mean latency over a
// healthy canary's, at the mean static share of a warm bimodal pod (the
// class mix and the common factors cancel).
func (in *instance) meanLatencyRatio() float64 {
	s := in.s
	f := factor(s.Effects.LatencyFactor)
	if s.World == nil || s.World.Latency.Kind != LatencyBimodal {
		return f
	}
	l := s.World.Latency
	dyn := latencyDist{m: s.LatencyMedian, sigma: s.LatencySigma, q: s.TailProb, tailMin: s.TailMin, alpha: s.TailAlpha}.mean()
	static := l.StaticMedian * math.Exp(l.StaticSigma*l.StaticSigma/2)
	q := l.StaticShare
	healthy := q*static + (1-q)*dyn
	return f * (q*static + (1-q)*dyn*factor(s.Effects.DynamicLatencyFactor)) / healthy
}

// worldTruth describes what a World instance drew.
func (in *instance) worldTruth() *WorldTruth {
	wi := in.world
	wt := &WorldTruth{Nodes: len(wi.nodes), MeanLatencyRatio: in.meanLatencyRatio()}
	for i, p := range in.pods {
		if p.canary || p.baseline {
			continue
		}
		var started time.Time
		if p.w.lives[0].start >= in.start {
			started = unix(p.w.lives[0].start)
		}
		wt.StableStarts = append(wt.StableStarts, started)
		if i == wi.restartPod {
			wt.RestartedPod, wt.StableRestart = p.name, unix(p.w.lives[1].start)
		}
		if i == wi.replacedPod {
			wt.ReplacedPod, wt.Replaced = p.name, unix(in.pods[wi.replacement].w.created)
			wt.ReplacementPod = in.pods[wi.replacement].name
		}
	}
	if !math.IsInf(wi.gapFrom, 1) {
		wt.GapFrom, wt.GapTo = unix(wi.gapFrom), unix(wi.gapTo)
	}
	ki := in.s.World.KSMInterval.Seconds()
	for _, l := range in.canaryPod().w.lives[1:] {
		seen := wi.ksmOrigin + ki*math.Ceil((l.start+ksmLag-wi.ksmOrigin)/ki)
		if seen <= in.end {
			wt.RestartSeen = append(wt.RestartSeen, int(math.Mod(seen, 60)))
		}
	}
	return wt
}

// canaryPod returns the canary's pod.
func (in *instance) canaryPod() *podSim {
	for _, p := range in.pods {
		if p.canary {
			return p
		}
	}
	panic("scenario: an instance without a canary")
}

func unix(sec float64) time.Time { return time.Unix(int64(sec), 0).UTC() }
