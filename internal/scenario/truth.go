package scenario

import (
	"math"
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
	// Pods describes every pod: the stable pods, then the canary.
	Pods []PodTruth
	// CanaryRestarts lists when the canary's container came back after a
	// crash (empty unless Effects.CrashLoop).
	CanaryRestarts []time.Time
	// Spikes and SlowDependencies are the shared episodes in the data.
	Spikes, SlowDependencies []Episode
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
	// LatencyPodSigma is the σ of each pod's persistent log latency offset.
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
	Noisy  bool
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
	canary := in.pods[len(in.pods)-1]
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
	for _, p := range in.pods {
		if !p.canary {
			t.StablePods = append(t.StablePods, p.name)
		}
		if p.noisy {
			t.Spread.NoisyPod = p.name
			t.Spread.NoisyLogOffset = math.Log(p.latOffset)
			t.Spread.NoisyLatencyARSigma = p.arSigma
		}
		share := p.weight
		if !p.canary {
			share *= 1 - s.CanaryShare
		}
		t.Pods = append(t.Pods, PodTruth{
			Name: p.name, Canary: p.canary, Noisy: p.noisy, Share: share,
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
	return t
}

func unix(sec float64) time.Time { return time.Unix(int64(sec), 0).UTC() }
