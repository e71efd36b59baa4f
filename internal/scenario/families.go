package scenario

import (
	"math/rand/v2"
	"sort"
	"time"
)

// Family is a named kind of canary situation. Its Scenario method draws the
// nuisance knobs (pod count, canary share, traffic, latency level, pod
// spread, daily phase, 404 level) from the seed and applies the family's
// own change, so that instances of one family differ in everything except
// what defines it, and instances of different families with the same seed
// share their nuisance knobs.
type Family struct {
	Name        string
	Healthy     bool
	Description string
	apply       func(*Scenario, *rand.Rand)
	// world: a misfit family (MisfitFamilies), in a World whose draws
	// share nothing with the base families' at the same seed.
	world bool
}

// Misfit reports whether f is a misfit family (MisfitFamilies).
func (f Family) Misfit() bool { return f.world }

// Scenario returns the family's scenario for seed. Generate it with the
// same seed.
func (f Family) Scenario(seed uint64) Scenario {
	s := Default()
	rseed := seed
	if f.world {
		rseed = seed ^ worldSalt
	}
	r := newRand(rseed, streamNuisance)
	s.StablePods = 3 + r.IntN(6)
	s.CanaryShare = uniform(r, 0.05, 0.30)
	s.RequestRate = logUniform(r, 10, 80)
	s.LatencyMedian = logUniform(r, 0.03, 0.15)
	s.PodSpread = uniform(r, 0.05, 0.08)
	s.DailyPeakHour = uniform(r, 12, 20)
	s.DailyAmplitude = uniform(r, 0.3, 0.5)
	s.NotFoundRatio = uniform(r, 0.005, 0.02)
	s.Name, s.Healthy, s.Description = f.Name, f.Healthy, f.Description
	if f.world {
		worldBase(&s, r)
	}
	if f.apply != nil {
		f.apply(&s, r)
	}
	return s
}

// families is the registry, in the order Families returns it.
var families = []Family{
	{Name: "healthy", Healthy: true,
		Description: "A healthy canary."},
	{Name: "healthy-faster", Healthy: true,
		Description: "A canary 15% faster and 10% cheaper in CPU per request than the stable pods.",
		apply: func(s *Scenario, _ *rand.Rand) {
			s.Effects.LatencyFactor = 0.85
			s.Effects.CPUFactor = 0.9
		}},
	{Name: "healthy-quiet", Healthy: true,
		Description: "A healthy canary on a quiet service (0.3-1 req/s in all), with few errors.",
		apply: func(s *Scenario, r *rand.Rand) {
			s.RequestRate = logUniform(r, 0.3, 1)
		}},
	{Name: "healthy-noisy-pod", Healthy: true,
		Description: "A healthy canary beside a noisy stable pod (latency offset ±25%, three times the noise).",
		apply: func(s *Scenario, _ *rand.Rand) {
			s.NoisyPod = true
		}},
	{Name: "healthy-spike", Healthy: true,
		Description: "A healthy canary through a traffic spike (+150%) that hits every pod at canary age 5 min.",
		apply: func(s *Scenario, _ *rand.Rand) {
			s.SpikeAt = 5 * time.Minute
		}},
	{Name: "healthy-slow-dependency", Healthy: true,
		Description: "A healthy canary while a dependency slows every pod down (+60% latency, more 5xx) from canary age 4 min.",
		apply: func(s *Scenario, _ *rand.Rand) {
			s.SlowDependencyAt = 4 * time.Minute
			s.SlowDependencyFactor = 0.6
		}},
	{Name: "latency-10", Description: "The canary's latency is 10% higher.",
		apply: func(s *Scenario, _ *rand.Rand) { s.Effects.LatencyFactor = 1.10 }},
	{Name: "latency-25", Description: "The canary's latency is 25% higher.",
		apply: func(s *Scenario, _ *rand.Rand) { s.Effects.LatencyFactor = 1.25 }},
	{Name: "latency-50", Description: "The canary's latency is 50% higher.",
		apply: func(s *Scenario, _ *rand.Rand) { s.Effects.LatencyFactor = 1.50 }},
	{Name: "errors-x2", Description: "The canary answers twice as many 5xx (0.6% instead of 0.3%).",
		apply: func(s *Scenario, _ *rand.Rand) { s.ErrorRatio, s.Effects.ErrorFactor = 0.003, 2 }},
	{Name: "errors-x5", Description: "The canary answers five times as many 5xx (1.5% instead of 0.3%).",
		apply: func(s *Scenario, _ *rand.Rand) { s.ErrorRatio, s.Effects.ErrorFactor = 0.003, 5 }},
	{Name: "errors-new", Description: "The canary answers 0.5% 5xx where the stable pods answer none.",
		apply: func(s *Scenario, _ *rand.Rand) { s.ErrorRatio, s.Effects.ExtraErrorRatio = 0, 0.005 }},
	{Name: "not-found-burst", Description: "The canary answers 20% more 404s between canary ages 2 and 8 min.",
		apply: func(s *Scenario, _ *rand.Rand) {
			s.Effects.NotFoundBurstRatio = 0.2
			s.Effects.NotFoundBurstStart = 2 * time.Minute
			s.Effects.NotFoundBurstDuration = 6 * time.Minute
		}},
	{Name: "cpu-50", Description: "The canary uses 50% more CPU per request.",
		apply: func(s *Scenario, _ *rand.Rand) { s.Effects.CPUFactor = 1.5 }},
	{Name: "memory-leak", Description: "The canary's working set grows by 10 MiB per minute from its start.",
		apply: func(s *Scenario, _ *rand.Rand) { s.Effects.MemoryLeakMBPerMinute = 10 }},
	{Name: "crash-loop", Description: "The canary's container crashes every one to two minutes; its counters restart from zero.",
		apply: func(s *Scenario, _ *rand.Rand) { s.Effects.CrashLoop = true }},
}

// Families returns the base model's families: the healthy ones first,
// then the regressions. MisfitFamilies returns the others.
func Families() []Family { return healthyFirst(families) }

// healthyFirst returns a copy of fams with the healthy families first.
func healthyFirst(fams []Family) []Family {
	out := make([]Family, len(fams))
	copy(out, fams)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Healthy && !out[j].Healthy })
	return out
}

// LookupFamily returns the family with the given name, base or misfit.
func LookupFamily(name string) (Family, bool) {
	for _, fams := range [][]Family{families, misfitFamilies} {
		for _, f := range fams {
			if f.Name == name {
				return f, true
			}
		}
	}
	return Family{}, false
}
