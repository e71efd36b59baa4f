package logscenario

import (
	"math"
	"math/rand/v2"
	"time"
)

// Variation makes the pods differ from each other and over time, as real
// pods do. The zero value is the simple model: identical pods, a constant
// request rate, log-normal durations around fixed medians. The formulas are
// in the package documentation.
type Variation struct {
	// LatencySigma is the σ of each pod's persistent log latency factor
	// (node, neighbours), the canary's included.
	LatencySigma float64
	// ErrorSigma is the σ of each pod's log factor on its chances of a
	// 500, a 503 and a rare error.
	ErrorSigma float64
	// SharedPhi and SharedSigma give an AR(1) log latency noise common to
	// all pods (the backends' own variation), PodPhi and PodSigma one per
	// pod; both advance every NoiseStep with stationary σ.
	SharedPhi, SharedSigma float64
	PodPhi, PodSigma       float64
	// DailyAmplitude and DailyPeakHour (UTC) shape every pod's request
	// rate over the day.
	DailyAmplitude, DailyPeakHour float64
	// TailProb is the chance that a user request's duration comes from a
	// Pareto tail (minimum 4 times the median, shape 2.5) instead of the
	// log-normal body.
	TailProb float64
	// WarmupFactor multiplies the canary's durations at its start,
	// decaying to 1 with time constant WarmupTau (a fresh pod's caches).
	WarmupFactor float64
	WarmupTau    time.Duration
	// ReadyDelay is how long the canary answers only the kubelet's probes
	// before users reach it.
	ReadyDelay time.Duration
	// Spikes raise every pod's request rate by Height at their peak.
	Spikes []Episode
	// SlowBackends multiply every pod's API durations by 1+Height at their
	// peak and its 500 and 503 chances by 1+2·Height.
	SlowBackends []Episode
}

// NoiseStep is the step of the AR(1) latency noise.
const NoiseStep = 15 * time.Second

// Episode is a transient that hits every pod at once. With u the time since
// Start, it rises as Height·(1 − e^(−u/20 s)) for Duration, then decays
// with a 60 s time constant.
type Episode struct {
	Start    time.Time
	Duration time.Duration
	Height   float64
}

// at returns the episode's level at t.
func (e Episode) at(t time.Time) float64 {
	u := t.Sub(e.Start).Seconds()
	if u < 0 {
		return 0
	}
	d := e.Duration.Seconds()
	if u < d {
		return e.Height * (1 - math.Exp(-u/20))
	}
	return e.Height * (1 - math.Exp(-d/20)) * math.Exp(-(u-d)/60)
}

// peak returns the largest level the episode reaches.
func (e Episode) peak() float64 {
	return e.Height * (1 - math.Exp(-e.Duration.Seconds()/20))
}

func sumAt(es []Episode, t time.Time) float64 {
	s := 0.0
	for _, e := range es {
		s += e.at(t)
	}
	return s
}

func (v Variation) enabled() bool {
	return v.LatencySigma != 0 || v.ErrorSigma != 0 || v.SharedSigma != 0 || v.PodSigma != 0 ||
		v.DailyAmplitude != 0 || v.TailProb != 0 || v.WarmupFactor != 0 || v.ReadyDelay != 0 ||
		len(v.Spikes) > 0 || len(v.SlowBackends) > 0
}

// RateFactor is the factor on every pod's request rate at t: the daily
// cycle and the spikes.
func (v Variation) RateFactor(t time.Time) float64 {
	f := 1.0
	if v.DailyAmplitude != 0 {
		h := float64(t.UTC().Hour()) + float64(t.UTC().Minute())/60 + float64(t.UTC().Second())/3600
		f *= 1 + v.DailyAmplitude*math.Cos(2*math.Pi*(h-v.DailyPeakHour)/24)
	}
	return f * (1 + sumAt(v.Spikes, t))
}

// maxRateFactor bounds rateFactor over the window.
func (v Variation) maxRateFactor() float64 {
	s := 0.0
	for _, e := range v.Spikes {
		s += e.peak()
	}
	return (1 + math.Abs(v.DailyAmplitude)) * (1 + s)
}

// ar1 draws an AR(1) series of n steps with stationary σ, started in its
// stationary distribution.
func ar1(rng *rand.Rand, n int, phi, sigma float64) []float64 {
	out := make([]float64, n)
	if sigma == 0 || n == 0 {
		return out
	}
	out[0] = sigma * rng.NormFloat64()
	innov := sigma * math.Sqrt(1-phi*phi)
	for i := 1; i < n; i++ {
		out[i] = phi*out[i-1] + innov*rng.NormFloat64()
	}
	return out
}

// podModel holds one pod's drawn factors and noise when Variation is on.
type podModel struct {
	latency, errors float64   // persistent factors
	noise           []float64 // the pod's log latency noise per NoiseStep from the window's start
}

// variation is the drawn Variation of one scenario.
type variation struct {
	v      Variation
	start  time.Time
	shared []float64
	pods   []podModel
}

// newModel draws every pod's factors and noise from its own generator, so
// that the simple model's lines do not change when Variation is off.
func newModel(cfg *Config, pods int) *variation {
	v := cfg.Variation
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x766172696174696f))
	n := int(cfg.End.Sub(cfg.Start)/NoiseStep) + 2
	m := &variation{v: v, start: cfg.Start, shared: ar1(rng, n, v.SharedPhi, v.SharedSigma)}
	for range pods {
		m.pods = append(m.pods, podModel{
			latency: math.Exp(v.LatencySigma * rng.NormFloat64()),
			errors:  math.Exp(v.ErrorSigma * rng.NormFloat64()),
			noise:   ar1(rng, n, v.PodPhi, v.PodSigma),
		})
	}
	return m
}

// latency is pod i's duration factor at t for a request of the given kind,
// age being the pod's age (the canary's warm-up).
func (m *variation) latency(i int, t time.Time, age time.Duration, canary bool, kind string) float64 {
	k := int(t.Sub(m.start) / NoiseStep)
	k = max(0, min(k, len(m.shared)-1))
	f := m.pods[i].latency * math.Exp(m.shared[k]+m.pods[i].noise[k])
	if canary && m.v.WarmupFactor > 0 && m.v.WarmupTau > 0 {
		f *= 1 + (m.v.WarmupFactor-1)*math.Exp(-age.Seconds()/m.v.WarmupTau.Seconds())
	}
	if kind == "api" {
		f *= 1 + sumAt(m.v.SlowBackends, t)
	}
	return f
}

// errors is pod i's factor on its 500 and 503 chances at t.
func (m *variation) errors(i int, t time.Time) float64 {
	return m.pods[i].errors * m.v.ErrorBoost(t)
}

// ErrorBoost is the factor of the slow backends on every pod's 500 and 503
// chances at t.
func (v Variation) ErrorBoost(t time.Time) float64 {
	return 1 + 2*sumAt(v.SlowBackends, t)
}
