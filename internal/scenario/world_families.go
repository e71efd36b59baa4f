package scenario

import (
	"math/rand/v2"
	"time"
)

// The misfit families (MisfitFamilies): the base model's nuisance knobs in
// a World (world.go) that every one of them shares, the "world" family
// with nothing else as their control, and one departure each from what a
// judge built on the base model is likely to assume. Their regressions
// are large ones. Healthy canaries are drawn exactly as a stable pod is
// and live by the same physics; what sets them apart is only their age,
// their traffic share and their node.
var misfitFamilies = []Family{
	{Name: "world", Healthy: true, world: true,
		Description: "A healthy canary in the misfit world: nodes, own scrape targets for cAdvisor and kube-state-metrics, GC, warm-up shapes."},
	{Name: "world-latency-50", world: true,
		Description: "The world's canary with 50% more latency.",
		apply:       func(s *Scenario, _ *rand.Rand) { s.Effects.LatencyFactor = 1.5 }},

	{Name: "young-stable", Healthy: true, world: true,
		Description: "The stable pods were rolled out 20-40 minutes before the canary (one every 20-60 s): little stable history, their warm-ups in it.",
		apply:       youngStable},
	{Name: "young-stable-latency-50", world: true,
		Description: "Young stable pods, and a canary with 50% more latency.",
		apply:       with(youngStable, func(s *Scenario) { s.Effects.LatencyFactor = 1.5 })},
	{Name: "young-small-share", Healthy: true, world: true,
		Description: "Young stable pods (20-40 min) and a traffic-routed canary with 1-5% of the traffic beside 3-8 stable pods.",
		apply: func(s *Scenario, r *rand.Rand) {
			youngStable(s, r)
			s.CanaryShare = uniform(r, 0.01, 0.05)
			s.World.Sidecar = true
		}},

	{Name: "warmup", Healthy: true, world: true,
		Description: "Warm-ups of none to three minutes, of six shapes, by time or by requests served; latency, CPU, 5xx and memory fill.",
		apply:       longWarmup},
	{Name: "warmup-latency-50", world: true,
		Description: "Long warm-ups, and a canary with 50% more latency.",
		apply:       with(longWarmup, func(s *Scenario) { s.Effects.LatencyFactor = 1.5 })},

	{Name: "small-share", Healthy: true, world: true,
		Description: "A traffic-routed canary with 1-5% of the traffic beside 6-20 stable pods, service-mesh sidecars.",
		apply:       smallShare},
	{Name: "small-share-latency-50", world: true,
		Description: "A 1-5% traffic-routed canary with 50% more latency.",
		apply:       with(smallShare, func(s *Scenario) { s.Effects.LatencyFactor = 1.5 })},
	{Name: "heavy-canary", Healthy: true, world: true,
		Description: "A traffic-routed canary that takes three times a stable pod's load.",
		apply:       heavyCanary},
	{Name: "heavy-canary-cpu-x2", world: true,
		Description: "A canary at three times a stable pod's load with twice the CPU per request.",
		apply:       with(heavyCanary, func(s *Scenario) { s.Effects.CPUFactor = 2 })},

	{Name: "cpu-nonlinear", Healthy: true, world: true,
		Description: "CPU not linear in load: a power law, a CPU limit, heavy GC, a background job on the lease holder, cache refreshes, slow nodes.",
		apply:       cpuNonlinear},
	{Name: "cpu-nonlinear-cpu-x2", world: true,
		Description: "CPU not linear in load, and a canary with twice the CPU per request.",
		apply:       with(cpuNonlinear, func(s *Scenario) { s.Effects.CPUFactor = 2 })},

	{Name: "scrape-gaps", Healthy: true, world: true,
		Description: "Missed scrapes, a Prometheus outage, cAdvisor and kube-state-metrics at 15 or 30 s, cAdvisor's own timestamps, a stable pod's container restarting.",
		apply:       scrapeGaps},
	{Name: "scrape-gaps-errors-new", world: true,
		Description: "Missed scrapes and resets, and a canary answering 1% more 5xx than the stable pods, of the same codes as their own.",
		apply:       with(scrapeGaps, func(s *Scenario) { s.Effects.ExtraErrorRatio = 0.01 })},
	{Name: "pod-replaced", Healthy: true, world: true,
		Description: "A stable pod is deleted and replaced by a new one of the same hash (new name, cold) around the canary's window.",
		apply: func(s *Scenario, r *rand.Rand) {
			s.World.StableReplace = true
			s.World.StableReplaceAt = seconds(uniform(r, -6*60, 8*60))
		}},

	{Name: "bimodal", Healthy: true, world: true,
		Description: "Bimodal latency: 30-75% of requests from the pod's cache at 2-8 ms, a mix that swings over the day, caches that start cold.",
		apply:       bimodal},
	{Name: "bimodal-slow-dynamic", world: true,
		Description: "Bimodal latency, and a canary whose cache misses are 60% slower (its mean latency about +50%).",
		apply:       with(bimodal, func(s *Scenario) { s.Effects.DynamicLatencyFactor = 1.6 })},
	{Name: "pareto", Healthy: true, world: true,
		Description: "Latency with a heavy Pareto tail (shape 1.1-1.8: no variance; 1-4% of requests) cut at a 30 s timeout.",
		apply:       pareto},
	{Name: "pareto-latency-50", world: true,
		Description: "A heavy Pareto tail, and a canary with 50% more latency.",
		apply:       with(pareto, func(s *Scenario) { s.Effects.LatencyFactor = 1.5 })},

	{Name: "spike-lag", Healthy: true, world: true,
		Description: "Traffic spikes every pod sees; each pod's latency reacts with its own lag (0-60 s) and gain; keep-alive balancing gives a new pod its share slowly and a spike's new connections evenly.",
		apply:       spikeLag},
	{Name: "spike-lag-latency-50", world: true,
		Description: "Spikes with lagged reactions, and a canary with 50% more latency.",
		apply:       with(spikeLag, func(s *Scenario) { s.Effects.LatencyFactor = 1.5 })},

	{Name: "crash-offset", world: true,
		Description: "A crash-looping canary (crashes at start or under load, back-off 10 s to 5 min), half the instances with restarts first seen just after a whole minute.",
		apply: func(s *Scenario, r *rand.Rand) {
			s.Effects.CrashLoop = true
			s.World.CrashBoundary = r.IntN(2) == 0
		}},
	{Name: "restart-once", world: true,
		Description: "The canary's container is OOM-killed once, at 1.5-9 minutes, half the instances with the restart first seen just after a whole minute.",
		apply: func(s *Scenario, r *rand.Rand) {
			s.Effects.RestartAt = seconds(uniform(r, 90, 540))
			s.World.CrashBoundary = r.IntN(2) == 0
		}},
}

// worldBase gives a scenario the World every misfit family shares.
func worldBase(s *Scenario, r *rand.Rand) {
	s.ReadyDelay = time.Duration(5+r.IntN(11)) * time.Second
	s.World = &World{
		Nodes:            2 + r.IntN(5),
		NodeSpread:       uniform(r, 0.05, 0.12),
		ResidualSpread:   0.04,
		NodeNoise:        0.03,
		ResourceInterval: 15 * time.Second,
		KSMInterval:      15 * time.Second,
		AppStart:         12 * time.Second,
		Warmup: Warmup{
			Shape:    warmupShapes[1+r.IntN(len(warmupShapes)-1)],
			Length:   seconds(uniform(r, 30, 90)),
			Latency:  uniform(r, 1.5, 2.5),
			CPU:      uniform(r, 1.5, 3),
			Errors:   1,
			JITCores: uniform(r, 0.1, 0.5),
			Spread:   0.15,
		},
		Memory:       MemoryFill{Fraction: uniform(r, 0.2, 0.35), Tau: seconds(uniform(r, 60, 180))},
		Latency:      LatencyShape{Kind: LatencyLogNormal},
		CPU:          CPUShape{Exponent: 1, GCEvery: uniform(r, 500, 3000), GCCost: uniform(r, 0.02, 0.08), GCForced: 2 * time.Minute},
		SpikeLatency: spikeLatency,
	}
}

// with applies a world family's change and then an effect.
func with(apply func(*Scenario, *rand.Rand), effect func(*Scenario)) func(*Scenario, *rand.Rand) {
	return func(s *Scenario, r *rand.Rand) {
		apply(s, r)
		effect(s)
	}
}

func seconds(x float64) time.Duration {
	return time.Duration(x * float64(time.Second)).Round(time.Second)
}

func youngStable(s *Scenario, r *rand.Rand) {
	s.World.StableAge = seconds(uniform(r, 20*60, 40*60))
	s.World.RolloutStagger = seconds(uniform(r, 20, 60))
}

func longWarmup(s *Scenario, r *rand.Rand) {
	w := s.World
	w.Warmup = Warmup{
		Shape:      warmupShapes[r.IntN(len(warmupShapes))],
		Length:     seconds(uniform(r, 20, 180)),
		ByRequests: r.IntN(3) == 0,
		Latency:    uniform(r, 1.2, 4),
		CPU:        uniform(r, 1.2, 4),
		Errors:     uniform(r, 1, 4),
		JITCores:   uniform(r, 0, 1.5),
		Spread:     0.25,
	}
	w.Memory = MemoryFill{Fraction: uniform(r, 0.05, 0.3), Tau: seconds(uniform(r, 2*60, 20*60))}
}

func smallShare(s *Scenario, r *rand.Rand) {
	s.StablePods = 6 + r.IntN(15)
	s.CanaryShare = uniform(r, 0.01, 0.05)
	s.RequestRate = logUniform(r, 30, 300)
	s.World.Sidecar = true
}

func heavyCanary(s *Scenario, _ *rand.Rand) {
	s.CanaryShare = 3 / float64(s.StablePods+3)
	s.World.Sidecar = true
}

// cpuNonlinear sizes the background work and the CPU limit on a stable
// pod's mean CPU.
func cpuNonlinear(s *Scenario, r *rand.Rand) {
	w := s.World
	w.NodeSpread = uniform(r, 0.1, 0.25)
	w.ResidualSpread = 0.03
	mean := s.CPUBaseline + s.CPUPerRequest*s.RequestRate*(1-s.CanaryShare)/float64(s.StablePods)
	w.CPU = CPUShape{
		Exponent:       uniform(r, 0.7, 1.25),
		LimitFactor:    uniform(r, 2, 4),
		GCEvery:        uniform(r, 100, 600),
		GCCost:         uniform(r, 0.1, 0.4),
		GCForced:       2 * time.Minute,
		MajorGCPerHour: uniform(r, 2, 6),
		JobCores:       mean * uniform(r, 0.5, 1.5),
		JobEvery:       seconds(uniform(r, 5*60, 15*60)),
		JobLength:      seconds(uniform(r, 30, 120)),
		RefreshCores:   mean * uniform(r, 0.3, 1),
		RefreshEvery:   seconds(uniform(r, 5*60, 15*60)),
		RefreshLength:  seconds(uniform(r, 10, 40)),
	}
}

func scrapeGaps(s *Scenario, r *rand.Rand) {
	w := s.World
	w.MissProb = uniform(r, 0.005, 0.03)
	if r.IntN(2) == 0 {
		w.GapAt = seconds(uniform(r, -10*60, 9*60))
		w.GapLength = seconds(uniform(r, 30, 180))
	}
	w.ResourceInterval = time.Duration(15*(1+r.IntN(2))) * time.Second
	w.KSMInterval = time.Duration(15*(1+r.IntN(2))) * time.Second
	w.StampJitter = 10 * time.Second
	w.StableRestart = true
	w.StableRestartAt = seconds(uniform(r, -8*60, 9*60))
}

func bimodal(s *Scenario, r *rand.Rand) {
	s.World.Latency = LatencyShape{
		Kind:          LatencyBimodal,
		StaticShare:   uniform(r, 0.3, 0.75),
		StaticMedian:  uniform(r, 0.002, 0.008),
		StaticSigma:   uniform(r, 0.3, 0.6),
		StaticSwing:   uniform(r, 0.1, 0.3),
		SwingPeriod:   seconds(uniform(r, 20*60, 90*60)),
		ColdMiss:      uniform(r, 0.3, 0.9),
		CacheRequests: uniform(r, 200, 3000),
	}
}

func pareto(s *Scenario, r *rand.Rand) {
	s.TailAlpha = uniform(r, 1.1, 1.8)
	s.TailProb = uniform(r, 0.01, 0.04)
	s.TailMin = uniform(r, 3, 6)
	s.World.Latency.Timeout = 30
}

func spikeLag(s *Scenario, r *rand.Rand) {
	s.SpikeAt = seconds(uniform(r, 3*60, 8*60))
	s.SpikesPerHour = uniform(r, 1, 2)
	w := s.World
	w.SpikeLatency = uniform(r, 0.2, 0.6)
	w.SpikeLag = time.Minute
	w.SpikeGain = 0.3
	w.ConnectionTau = seconds(uniform(r, 30, 300))
}

// MisfitFamilies returns the misfit families: the healthy ones first,
// then the regressions.
func MisfitFamilies() []Family { return healthyFirst(misfitFamilies) }
