package scenario

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// DefaultEnd is the default time of the last sample: a fixed instant in the
// past, so that generated data, and every test that reads it, is the same
// on every run.
var DefaultEnd = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// Scenario holds every knob of one canary situation. Start from Default or
// from a Family and change what you need; Generate rejects inconsistent
// values. The model and its formulas are in the package documentation.
type Scenario struct {
	// Name names the situation (a family name such as "latency-25").
	Name string
	// Healthy says whether the canary is as good as the stable pods (or
	// better). It must agree with Effects: Generate checks it.
	Healthy bool
	// Description says in one sentence what happens.
	Description string

	// Namespace of every series. Empty means "bench-<Name>-<seed>".
	Namespace string
	// Rollout names the Argo Rollout; pods are <Rollout>-<hash>-<suffix> and
	// the application container is named after it.
	Rollout string
	// CanaryHash and StableHash are the rollouts-pod-template-hash values.
	// Empty means 10 random characters of Kubernetes' hash alphabet.
	CanaryHash, StableHash string

	// StablePods is the number of stable pods (3 to 8 is realistic).
	StablePods int
	// Baseline, when positive, adds that many baseline pods (a World only):
	// pods of the stable version under their own pod-template hash
	// (Truth.BaselineHash), started with the canary as Argo Rollouts'
	// experiment step starts them, each with the canary's traffic share
	// (BaselineShare: less when the canary's share leaves too little), the
	// stable pods keeping the rest. They warm up and fill their memory
	// as any new pod does and have no regression. Their random draws come
	// from their own streams: an instance with Baseline 0 is the same as
	// before baseline pods existed.
	Baseline int `json:",omitempty"`
	// NoisyPod makes one stable pod noisy: a latency offset of ±NoisyOffset
	// (in log units) and NoisyARFactor times the autocorrelated noise.
	NoisyPod bool

	// End is the time of the last sample (DefaultEnd when zero).
	End time.Time
	// CanaryAge is how long the canary has run at End.
	CanaryAge time.Duration
	// History is how much stable data precedes the canary's start.
	History time.Duration
	// Interval is the scrape interval.
	Interval time.Duration
	// Aligned places the canary's first application sample Alignment
	// seconds (0-59) past a whole minute: the canary's container then
	// starts a few seconds before that sample and the data end CanaryAge
	// after its start. Unaligned, the canary starts CanaryAge before End
	// and its first sample falls at its random scrape phase.
	Aligned   bool `json:",omitempty"`
	Alignment int  `json:",omitempty"`

	// RequestRate is the service's total request rate (req/s) at the mean
	// of the daily cycle.
	RequestRate float64
	// CanaryShare is the canary's fraction of all requests (0.05-0.30).
	CanaryShare float64
	// ShareSpread is the σ of the stable pods' log load-balancer weights.
	ShareSpread float64
	// GETShare is the fraction of GET requests; the rest are POST.
	GETShare float64
	// DailyAmplitude and DailyPeakHour (UTC) shape the daily cycle.
	DailyAmplitude, DailyPeakHour float64
	// SpikesPerHour is the rate of random traffic spikes (all pods at once).
	SpikesPerHour float64
	// SpikeAt, when positive, adds a spike at this canary age.
	SpikeAt time.Duration
	// ReadyDelay is how long a new canary container serves no traffic.
	ReadyDelay time.Duration

	// LatencyMedian (seconds) and LatencySigma give the log-normal body of
	// the request latency of a typical pod.
	LatencyMedian, LatencySigma float64
	// TailProb is the fraction of requests drawn from the Pareto tail with
	// minimum TailMin × LatencyMedian and shape TailAlpha.
	TailProb, TailMin, TailAlpha float64
	// PodSpread is the σ of each pod's persistent log latency offset.
	PodSpread float64
	// ARPhi and ARSigma define each pod's AR(1) log latency noise (per scrape).
	ARPhi, ARSigma float64
	// SharedPhi and SharedSigma define the AR(1) log latency noise common to
	// all pods (the dependencies' own variation).
	SharedPhi, SharedSigma float64
	// NoisyOffset and NoisyARFactor describe the noisy pod (see NoisyPod).
	NoisyOffset, NoisyARFactor float64
	// SlowDependencyPerHour is the rate of random slow-dependency episodes.
	SlowDependencyPerHour float64
	// SlowDependencyAt, when positive, adds an episode at this canary age
	// that multiplies every pod's latency by 1+SlowDependencyFactor at its
	// height.
	SlowDependencyAt     time.Duration
	SlowDependencyFactor float64
	// WarmupFactor multiplies a new container's latency at start, decaying
	// to 1 with time constant WarmupTau.
	WarmupFactor float64
	WarmupTau    time.Duration

	// ErrorRatio is the base fraction of 5xx answers (500 and 503).
	ErrorRatio float64
	// NotFoundRatio is the base fraction of 404 answers.
	NotFoundRatio float64
	// NotModifiedRatio is the fraction of GETs answered 304.
	NotModifiedRatio float64
	// PodErrorSpread is the σ of each pod's log error-ratio factor.
	PodErrorSpread float64

	// CPUBaseline is a pod's idle CPU (cores); CPUPerRequest the CPU time
	// (core-seconds) per request; CPUSpread the σ of their log per-pod
	// factors; CPUWarmupFactor multiplies the per-request CPU of a new
	// container, decaying to 1 with time constant 60 s.
	CPUBaseline, CPUPerRequest, CPUSpread, CPUWarmupFactor float64
	// MemoryBytes is a pod's typical working set; MemorySpread the σ of
	// its log per-pod factor.
	MemoryBytes, MemorySpread float64

	// World, when set, replaces parts of the model with the misfit
	// physics of world.go (nodes, separate scrape targets, warm-up shapes,
	// young or restarting stable pods, other latency distributions, CPU
	// that is not linear in load, missing scrapes).
	World *World `json:",omitempty"`

	// Effects are what the canary does differently: the ground truth.
	Effects Effects
}

// Effects describe how the canary differs from the stable pods. Zero
// values mean "no effect" (a factor of 0 counts as 1).
type Effects struct {
	// LatencyFactor multiplies every canary request's latency (1.25 = +25%).
	LatencyFactor float64
	// ErrorFactor multiplies the canary's 5xx ratio.
	ErrorFactor float64
	// ExtraErrorRatio is added to the canary's 5xx ratio (errors the stable
	// pods do not have).
	ExtraErrorRatio float64
	// NotFoundBurstRatio is added to the canary's 404 ratio between canary
	// ages NotFoundBurstStart and NotFoundBurstStart+NotFoundBurstDuration.
	NotFoundBurstRatio                        float64
	NotFoundBurstStart, NotFoundBurstDuration time.Duration
	// CPUFactor multiplies the canary's CPU time per request.
	CPUFactor float64
	// MemoryLeakMBPerMinute adds this many MiB per minute of container age
	// to the canary's working set.
	MemoryLeakMBPerMinute float64
	// CrashLoop makes the canary's container crash every 40-80 s of uptime
	// and come back after Kubernetes' back-off (10 s, 20 s, then 40 s):
	// restarts grow by one every one to two minutes, the application's
	// counters restart from zero and no application series exist while the
	// container is down. In a World the containers crash at start or under
	// load and Kubernetes' back-off doubles from 10 s to 5 minutes.
	CrashLoop bool
	// RestartAt, when positive, makes the canary's container exit once (an
	// OOM kill) and come back at this canary age after Kubernetes' first
	// back-off of 10 s: one restart, counters from zero, a new warm-up.
	RestartAt time.Duration `json:",omitempty"`
	// DynamicLatencyFactor multiplies the latency of the canary's requests
	// that miss its local cache (World.Latency.Kind "bimodal" only).
	DynamicLatencyFactor float64 `json:",omitempty"`
}

// Signal names something a canary can regress in.
type Signal string

// Signals a judge may be asked about.
const (
	SignalLatency  Signal = "latency"
	SignalErrors   Signal = "errors"    // 5xx ratio
	SignalNotFound Signal = "not-found" // 404 ratio
	SignalCPU      Signal = "cpu"
	SignalMemory   Signal = "memory"
	SignalRestarts Signal = "restarts"
)

// factor returns f, or 1 for the zero value.
func factor(f float64) float64 {
	if f == 0 {
		return 1
	}
	return f
}

// Regressions lists the signals in which the canary is worse than the
// stable pods, in a fixed order. An empty list means a healthy canary.
func (e Effects) Regressions() []Signal {
	var out []Signal
	if factor(e.LatencyFactor) > 1 || factor(e.DynamicLatencyFactor) > 1 {
		out = append(out, SignalLatency)
	}
	if factor(e.ErrorFactor) > 1 || e.ExtraErrorRatio > 0 {
		out = append(out, SignalErrors)
	}
	if e.NotFoundBurstRatio > 0 && e.NotFoundBurstDuration > 0 {
		out = append(out, SignalNotFound)
	}
	if factor(e.CPUFactor) > 1 {
		out = append(out, SignalCPU)
	}
	if e.MemoryLeakMBPerMinute > 0 {
		out = append(out, SignalMemory)
	}
	if e.CrashLoop || e.RestartAt > 0 {
		out = append(out, SignalRestarts)
	}
	return out
}

// Default returns a healthy scenario of a mid-sized service: five stable
// pods, a canary with 15% of 30 req/s, 60 ms median latency, 0.3% 5xx and
// 1% 404, with data from one hour before the canary to 15 minutes after it.
func Default() Scenario {
	return Scenario{
		Name:        "default",
		Healthy:     true,
		Description: "A healthy canary on a mid-sized service.",
		Rollout:     "web",
		StablePods:  5,

		End:       DefaultEnd,
		CanaryAge: 15 * time.Minute,
		History:   time.Hour,
		Interval:  15 * time.Second,

		RequestRate:    30,
		CanaryShare:    0.15,
		ShareSpread:    0.05,
		GETShare:       0.8,
		DailyAmplitude: 0.4,
		DailyPeakHour:  15,
		SpikesPerHour:  0.5,
		ReadyDelay:     10 * time.Second,

		LatencyMedian:         0.06,
		LatencySigma:          0.5,
		TailProb:              0.01,
		TailMin:               4,
		TailAlpha:             2.5,
		PodSpread:             0.06,
		ARPhi:                 0.8,
		ARSigma:               0.05,
		SharedPhi:             0.97,
		SharedSigma:           0.04,
		NoisyOffset:           0.25,
		NoisyARFactor:         3,
		SlowDependencyPerHour: 0.3,
		SlowDependencyFactor:  0.6,
		WarmupFactor:          2,
		WarmupTau:             40 * time.Second,

		ErrorRatio:       0.003,
		NotFoundRatio:    0.01,
		NotModifiedRatio: 0.1,
		PodErrorSpread:   0.15,

		CPUBaseline:     0.02,
		CPUPerRequest:   0.004,
		CPUSpread:       0.08,
		CPUWarmupFactor: 2.5,
		MemoryBytes:     256 << 20,
		MemorySpread:    0.08,
	}
}

// end returns End or DefaultEnd.
func (s Scenario) end() time.Time {
	if s.End.IsZero() {
		return DefaultEnd
	}
	return s.End
}

// BaselineShare is each baseline pod's fraction of all requests: the
// canary's (an experiment gives every template the same weight), but at
// most (1 − CanaryShare)/(Baseline + 1), so that the stable pods together
// keep at least one baseline pod's share (a canary that already takes
// much of the traffic leaves less for its baselines).
func (s Scenario) BaselineShare() float64 {
	if s.Baseline <= 0 {
		return 0
	}
	return math.Min(s.CanaryShare, (1-s.CanaryShare)/float64(s.Baseline+1))
}

// Validate reports every inconsistent knob at once.
func (s Scenario) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if s.Namespace != "" && (!dnsLabel.MatchString(s.Namespace) || len(s.Namespace) > 63) {
		bad("namespace %q is not a DNS label", s.Namespace)
	}
	if !dnsLabel.MatchString(s.Rollout) || len(s.Rollout) > 40 {
		bad("rollout %q is not a short DNS label", s.Rollout)
	}
	for _, h := range []struct{ name, v string }{{"canary hash", s.CanaryHash}, {"stable hash", s.StableHash}} {
		if h.v != "" && !hashSyntax.MatchString(h.v) {
			bad("%s %q must be 1-10 lower-case letters or digits", h.name, h.v)
		}
	}
	if s.CanaryHash != "" && s.CanaryHash == s.StableHash {
		bad("canary and stable hash are both %q", s.CanaryHash)
	}
	if s.StablePods < 1 || s.StablePods > 100 {
		bad("stable pods %d not in [1, 100]", s.StablePods)
	}
	if s.Baseline < 0 || s.Baseline > 10 || (s.Baseline > 0 && s.World == nil) {
		bad("baseline pods %d not in [0, 10] (and only in a World)", s.Baseline)
	}
	if s.NoisyPod && s.StablePods < 2 {
		bad("a noisy stable pod needs at least 2 stable pods")
	}
	if s.Interval < time.Second || s.Interval%time.Second != 0 {
		bad("interval %v must be a whole number of seconds, at least 1s", s.Interval)
	}
	if s.CanaryAge < s.Interval {
		bad("canary age %v is shorter than the interval", s.CanaryAge)
	}
	if s.History < 0 {
		bad("history %v is negative", s.History)
	}
	if s.CanaryAge%time.Second != 0 || s.History%time.Second != 0 {
		bad("canary age %v and history %v must be whole seconds", s.CanaryAge, s.History)
	}
	if s.end().Nanosecond() != 0 {
		bad("end %v must be a whole second", s.End)
	}
	positive := []struct {
		name string
		v    float64
	}{
		{"request rate", s.RequestRate}, {"latency median", s.LatencyMedian},
		{"latency sigma", s.LatencySigma}, {"tail min", s.TailMin}, {"tail alpha", s.TailAlpha},
		{"warmup factor", s.WarmupFactor}, {"CPU warm-up factor", s.CPUWarmupFactor},
		{"memory bytes", s.MemoryBytes},
	}
	for _, p := range positive {
		if !(p.v > 0) || math.IsInf(p.v, 0) {
			bad("%s %v must be positive", p.name, p.v)
		}
	}
	nonNegative := []struct {
		name string
		v    float64
	}{
		{"share spread", s.ShareSpread}, {"pod spread", s.PodSpread}, {"AR sigma", s.ARSigma},
		{"shared sigma", s.SharedSigma}, {"noisy offset", s.NoisyOffset},
		{"spikes per hour", s.SpikesPerHour}, {"slow dependencies per hour", s.SlowDependencyPerHour},
		{"slow dependency factor", s.SlowDependencyFactor}, {"pod error spread", s.PodErrorSpread},
		{"CPU baseline", s.CPUBaseline}, {"CPU per request", s.CPUPerRequest},
		{"CPU spread", s.CPUSpread}, {"memory spread", s.MemorySpread},
		{"daily amplitude", s.DailyAmplitude},
		{"extra error ratio", s.Effects.ExtraErrorRatio}, {"404 burst ratio", s.Effects.NotFoundBurstRatio},
		{"memory leak", s.Effects.MemoryLeakMBPerMinute},
		{"latency factor", s.Effects.LatencyFactor}, {"error factor", s.Effects.ErrorFactor},
		{"CPU factor", s.Effects.CPUFactor}, {"dynamic latency factor", s.Effects.DynamicLatencyFactor},
	}
	for _, p := range nonNegative {
		if !(p.v >= 0) || math.IsInf(p.v, 0) {
			bad("%s %v must be zero or positive", p.name, p.v)
		}
	}
	if s.NoisyPod && !(s.NoisyARFactor >= 1) {
		bad("noisy AR factor %v must be at least 1", s.NoisyARFactor)
	}
	if s.DailyAmplitude >= 1 {
		bad("daily amplitude %v must be below 1", s.DailyAmplitude)
	}
	fractions := []struct {
		name string
		v    float64
	}{
		{"GET share", s.GETShare}, {"tail probability", s.TailProb},
		{"not-modified ratio", s.NotModifiedRatio},
	}
	for _, p := range fractions {
		if !(p.v >= 0 && p.v <= 1) {
			bad("%s %v not in [0, 1]", p.name, p.v)
		}
	}
	if !(s.CanaryShare > 0 && s.CanaryShare < 1) {
		bad("canary share %v not in (0, 1)", s.CanaryShare)
	}
	for _, p := range []struct {
		name string
		v    float64
	}{{"AR phi", s.ARPhi}, {"shared phi", s.SharedPhi}} {
		if !(p.v >= 0 && p.v < 1) {
			bad("%s %v not in [0, 1)", p.name, p.v)
		}
	}
	// The worst ratios a pod can reach must still leave room for 200s.
	worst5xx := s.ErrorRatio*factor(s.Effects.ErrorFactor)*math.Exp(3*s.PodErrorSpread)*(1+2*s.SlowDependencyFactor) +
		s.Effects.ExtraErrorRatio
	if !(s.ErrorRatio >= 0) || !(s.NotFoundRatio >= 0) || worst5xx+s.NotFoundRatio+s.Effects.NotFoundBurstRatio > 0.9 {
		bad("error ratios (5xx %v, 404 %v, burst %v) must be non-negative and leave room for successes",
			s.ErrorRatio, s.NotFoundRatio, s.Effects.NotFoundBurstRatio)
	}
	if s.Effects.NotFoundBurstStart < 0 || s.Effects.NotFoundBurstDuration < 0 || s.SpikeAt < 0 ||
		s.SlowDependencyAt < 0 || s.WarmupTau < 0 || s.ReadyDelay < 0 {
		bad("times must not be negative")
	}
	if s.Aligned && (s.Alignment < 0 || s.Alignment > 59) {
		bad("alignment %d s is not in [0, 59]", s.Alignment)
	}
	if r := s.Effects.RestartAt; r < 0 || r >= s.CanaryAge || (r > 0 && (r < 20*time.Second || s.Effects.CrashLoop)) {
		bad("restart at %v must lie in [20s, canary age) and not in a crash loop", r)
	}
	if s.Effects.DynamicLatencyFactor != 0 && (s.World == nil || s.World.Latency.Kind != LatencyBimodal) {
		bad("a dynamic latency factor needs a bimodal latency world")
	}
	if s.World != nil {
		errs = append(errs, s.World.validate(s)...)
	}
	if healthy := len(s.Effects.Regressions()) == 0; healthy != s.Healthy {
		bad("Healthy is %v but the effects regress %v", s.Healthy, s.Effects.Regressions())
	}
	if len(errs) > 0 {
		return fmt.Errorf("scenario %q: %w", s.Name, errors.Join(errs...))
	}
	return nil
}
