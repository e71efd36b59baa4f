package scenario

import (
	"fmt"
	"math"
	"time"
)

// World is the physics of the misfit families: how pods, scrapes and
// services behave where the base model simplifies. It is written from the
// world (Kubernetes, cAdvisor, kube-state-metrics, client_golang, the JVM
// and Go runtimes), not from any judge. A Scenario with a World keeps its
// traffic, error and base latency knobs; the World replaces the rest:
//
//   - Pods run on Nodes nodes. A node's speed factor multiplies the idle CPU
//     and the CPU per request of every pod on it together (a slow node is
//     slow at both), and half of it (in log) their latency; each pod adds
//     its own small factors.
//   - Each kind of series has its own scrape target: the application's
//     /metrics per pod (Interval, the pod's phase), cAdvisor per node
//     (ResourceInterval, the node's phase; container_* series carry the
//     container's cgroup id, so a restarted container is a new series, and
//     the pod's own cgroup appears with container=""), and one
//     kube-state-metrics (KSMInterval; the restarts counter, which sees a
//     restart a second or two after the container starts). Only the
//     application's series carry the pod-template-hash label.
//   - A container's application answers scrapes AppStart after it starts
//     and takes traffic ReadyDelay after that. Every new container (stable
//     or canary, first start or restart) warms up (Warmup) and fills its
//     memory (Memory).
//   - Stable pods may be young (StableAge: a rolling update shortly before
//     the canary), one may restart (StableRestart) or be replaced by a new
//     pod of the same hash (StableReplace).
//   - Scenario.Baseline adds pods of the stable version under a hash of
//     their own, started with the canary (an Argo experiment's baseline):
//     new pods like it, with its share of the traffic and no regression.
//   - Scrapes may fail (MissProb per target and scrape) and Prometheus may
//     be down for a while (Gap); backfilled data have no staleness markers,
//     so a series that stops is seen for up to five minutes after.
type World struct {
	// Nodes is the number of nodes the pods are spread over.
	Nodes int
	// NodeSpread is the σ of a node's log speed; ResidualSpread the σ of
	// each pod's own log idle CPU and log CPU per request around its
	// node's; NodeNoise the σ of a node's AR(1) log contention over time
	// (φ 0.95 per 15 s), which every pod on it shares.
	NodeSpread, ResidualSpread, NodeNoise float64

	// ResourceInterval and KSMInterval are the scrape intervals of
	// cAdvisor (the kubelet) and kube-state-metrics.
	ResourceInterval, KSMInterval time.Duration
	// StampJitter: cAdvisor's samples carry the time of its last
	// housekeeping, up to this long before the scrape (Prometheus honours
	// the timestamps); zero stamps them at the scrape.
	StampJitter time.Duration
	// AppStart is the longest a new container takes before its /metrics
	// answers (each container draws U(2 s, AppStart)).
	AppStart time.Duration

	// Warmup describes how a new container warms up.
	Warmup Warmup
	// Memory describes how a new container's working set fills up.
	Memory MemoryFill
	// Latency is the shape of the request latency distribution.
	Latency LatencyShape
	// CPU is how CPU follows load.
	CPU CPUShape

	// StableAge, when positive, is the age of the oldest stable pod at the
	// canary's start; the others started RolloutStagger apart after it
	// (each ±30%). Their traffic went to older pods, not in the data,
	// before they were ready.
	StableAge, RolloutStagger time.Duration
	// StableRestart makes one stable pod's container restart at canary
	// age StableRestartAt (negative: before the canary).
	StableRestart   bool
	StableRestartAt time.Duration
	// StableReplace deletes one stable pod at canary age StableReplaceAt;
	// its ReplicaSet creates a new pod (new name, same hash) at once.
	StableReplace   bool
	StableReplaceAt time.Duration

	// Sidecar gives every pod a service-mesh proxy container (cAdvisor
	// series with container="istio-proxy"): a traffic-routed canary.
	Sidecar bool
	// ConnectionTau, when positive, balances keep-alive connections, not
	// requests: a pod's share of the base traffic rises as
	// 1 − e^(−t/ConnectionTau) after it becomes ready, and a spike's extra
	// traffic (new connections) is spread evenly over the ready pods.
	ConnectionTau time.Duration

	// SpikeLatency is how much a pod's latency rises per unit of spike
	// (the base model's is 0.1); each pod reacts with its own lag
	// U(0, SpikeLag) and gain e^(SpikeGain·Z).
	SpikeLatency float64
	SpikeLag     time.Duration
	SpikeGain    float64

	// MissProb is the chance that one scrape of one target fails.
	MissProb float64
	// GapLength, when positive, makes Prometheus miss every scrape for
	// that long from canary age GapAt.
	GapAt, GapLength time.Duration

	// CrashBoundary moves each restart of the canary's container (crash
	// loop or RestartAt) so that the first kube-state-metrics sample that
	// shows it falls in the first 15 s (or KSMInterval, if longer) after a
	// whole minute.
	CrashBoundary bool
}

// Warmup is how a new container warms up (JIT compilation, caches,
// connection pools): its latency, CPU per request, extra cores and 5xx
// ratio start high and fall to their levels along Shape as its progress
// u goes from 0 to 1 and beyond.
type Warmup struct {
	// Shape is one of the Warmup* shapes.
	Shape string
	// Length is the time scale: u = age/Length, or, with ByRequests,
	// u = requests served/(Length · the stable pods' mean request rate),
	// so that a pod at the stable pods' load warms in Length and a quieter
	// one more slowly.
	Length     time.Duration
	ByRequests bool
	// Latency, CPU and Errors are the factors on latency, CPU per request
	// and the 5xx ratio at u = 0 (1: none); JITCores the extra cores then.
	Latency, CPU, Errors, JITCores float64
	// Spread is the σ of each container's log Length and log excess
	// factors around these.
	Spread float64
}

// Warm-up shapes h(u), from h(0) = 1 towards 0.
const (
	WarmupNone     = "none"      // 0
	WarmupExp      = "exp"       // e^(−3u)
	WarmupPower    = "power"     // 1/(1+19u): long tail (caches of Zipf-popular keys)
	WarmupLinear   = "linear"    // max(0, 1−u)
	WarmupStep     = "step"      // 1 until u = 1 (a preload finishing), then 0
	WarmupTwoStage = "two-stage" // 0.6·e^(−12u) + 0.4·e^(−3u) (JIT tiers)
)

// warmupShapes lists the shapes a family may draw.
var warmupShapes = []string{WarmupNone, WarmupExp, WarmupPower, WarmupLinear, WarmupStep, WarmupTwoStage}

// shapeAt returns h(u) of a warm-up shape.
func shapeAt(shape string, u float64) float64 {
	if u < 0 {
		u = 0
	}
	switch shape {
	case WarmupExp:
		return math.Exp(-3 * u)
	case WarmupPower:
		return 1 / (1 + 19*u)
	case WarmupLinear:
		return math.Max(0, 1-u)
	case WarmupStep:
		if u < 1 {
			return 1
		}
		return 0
	case WarmupTwoStage:
		return 0.6*math.Exp(-12*u) + 0.4*math.Exp(-3*u)
	}
	return 0
}

// MemoryFill is how a new container's working set reaches its level: it
// starts Fraction below it and fills as 1 − Fraction·e^(−age/Tau) (heap
// growth, caches).
type MemoryFill struct {
	Fraction float64
	Tau      time.Duration
}

// Latency distribution kinds.
const (
	// LatencyLogNormal: the Scenario's log-normal body and Pareto tail.
	LatencyLogNormal = "lognormal"
	// LatencyBimodal: a share of requests is answered from the pod's local
	// cache (static assets, cached pages) at StaticMedian; the rest take
	// the Scenario's distribution.
	LatencyBimodal = "bimodal"
)

// LatencyShape is the request latency distribution of a World.
type LatencyShape struct {
	// Kind is LatencyLogNormal (default when empty) or LatencyBimodal.
	Kind string
	// StaticShare of the requests hit the pod's cache at StaticMedian
	// seconds with log-σ StaticSigma. The share swings with the users'
	// mix: ×(1 + StaticSwing·sin(2πt/SwingPeriod + φ)) and a shared AR(1)
	// on top; a new container's cache starts cold, its hit ratio
	// ×(1 − ColdMiss·h(u)) with u its requests over CacheRequests.
	StaticShare, StaticMedian, StaticSigma, StaticSwing float64
	SwingPeriod                                         time.Duration
	ColdMiss, CacheRequests                             float64
	// Timeout, when positive, caps a request's latency (the server gives
	// up and answers): a Pareto tail of shape below 2 has no variance.
	Timeout float64
}

// CPUShape is how a pod's CPU follows its load.
type CPUShape struct {
	// Exponent: the CPU per request scales as (rate/reference)^(Exponent−1),
	// the reference being the stable pods' mean request rate (1: linear;
	// below 1 the per-request cost falls with load: batching, warm caches;
	// above 1 it rises: contention).
	Exponent float64
	// LimitFactor, when positive, sets a CPU limit of that many times a
	// stable pod's mean CPU: the usage saturates smoothly at the limit
	// (CFS throttling) and latency rises as the demand nears it.
	LimitFactor float64
	// Garbage collection: a cycle every GCEvery requests on average and at
	// least every GCForced (Go forces one every 2 minutes), each costing
	// GCCost core-seconds scaled by the pod's working set over
	// MemoryBytes; MajorGCPerHour times an hour a cycle costs 10-30 times
	// as much.
	GCEvery, GCCost float64
	GCForced        time.Duration
	MajorGCPerHour  float64
	// JobCores: the oldest stable pod (the lease holder) runs a background
	// job of JobCores for JobLength every JobEvery.
	JobCores            float64
	JobEvery, JobLength time.Duration
	// RefreshCores: every pod refreshes its caches for RefreshLength every
	// RefreshEvery after its container starts.
	RefreshCores                float64
	RefreshEvery, RefreshLength time.Duration
}

// validate reports the World's inconsistent knobs.
func (w *World) validate(s Scenario) []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf("world: "+format, args...)) }
	if w.Nodes < 1 || w.Nodes > 50 {
		bad("nodes %d not in [1, 50]", w.Nodes)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"resource interval", w.ResourceInterval}, {"KSM interval", w.KSMInterval}} {
		if d.v < time.Second || d.v%time.Second != 0 {
			bad("%s %v must be a whole number of seconds, at least 1s", d.name, d.v)
		}
	}
	if w.AppStart < 2*time.Second {
		bad("app start %v must be at least 2s", w.AppStart)
	}
	nonNegative := []struct {
		name string
		v    float64
	}{
		{"node spread", w.NodeSpread}, {"residual spread", w.ResidualSpread}, {"node noise", w.NodeNoise},
		{"warm-up JIT cores", w.Warmup.JITCores}, {"warm-up spread", w.Warmup.Spread},
		{"memory fill", w.Memory.Fraction}, {"static share", w.Latency.StaticShare},
		{"static swing", w.Latency.StaticSwing}, {"cold miss", w.Latency.ColdMiss}, {"timeout", w.Latency.Timeout},
		{"CPU limit factor", w.CPU.LimitFactor}, {"GC every", w.CPU.GCEvery}, {"GC cost", w.CPU.GCCost},
		{"major GC rate", w.CPU.MajorGCPerHour}, {"job cores", w.CPU.JobCores}, {"refresh cores", w.CPU.RefreshCores},
		{"spike latency", w.SpikeLatency}, {"spike gain", w.SpikeGain}, {"miss probability", w.MissProb},
	}
	for _, p := range nonNegative {
		if !(p.v >= 0) || math.IsInf(p.v, 0) {
			bad("%s %v must be zero or positive", p.name, p.v)
		}
	}
	for _, p := range []struct {
		name string
		v    float64
	}{{"warm-up latency", w.Warmup.Latency}, {"warm-up CPU", w.Warmup.CPU}, {"warm-up errors", w.Warmup.Errors}} {
		if !(p.v >= 1) || math.IsInf(p.v, 0) {
			bad("%s factor %v must be at least 1", p.name, p.v)
		}
	}
	known := false
	for _, sh := range warmupShapes {
		known = known || sh == w.Warmup.Shape
	}
	if !known {
		bad("unknown warm-up shape %q", w.Warmup.Shape)
	}
	if w.Warmup.Shape != WarmupNone && w.Warmup.Length <= 0 {
		bad("warm-up shape %s needs a length", w.Warmup.Shape)
	}
	if w.Memory.Fraction >= 1 || (w.Memory.Fraction > 0 && w.Memory.Tau <= 0) {
		bad("memory fill %v over %v", w.Memory.Fraction, w.Memory.Tau)
	}
	switch w.Latency.Kind {
	case "", LatencyLogNormal:
	case LatencyBimodal:
		l := w.Latency
		if !(l.StaticShare > 0 && l.StaticShare*(1+l.StaticSwing) < 1) || !(l.StaticMedian > 0) || !(l.StaticSigma > 0) ||
			l.SwingPeriod <= 0 || l.ColdMiss > 1 || !(l.CacheRequests > 0) {
			bad("bimodal latency %+v is inconsistent", l)
		}
	default:
		bad("unknown latency kind %q", w.Latency.Kind)
	}
	c := w.CPU
	if !(c.Exponent > 0) {
		bad("CPU exponent %v must be positive", c.Exponent)
	}
	if c.LimitFactor > 0 && c.LimitFactor <= 1 {
		bad("CPU limit factor %v must exceed 1", c.LimitFactor)
	}
	if (c.GCEvery > 0) != (c.GCCost > 0) || (c.GCCost > 0 && c.GCForced <= 0) {
		bad("GC every %v requests, cost %v, forced every %v", c.GCEvery, c.GCCost, c.GCForced)
	}
	if (c.JobCores > 0 && (c.JobEvery <= c.JobLength || c.JobLength <= 0)) ||
		(c.RefreshCores > 0 && (c.RefreshEvery <= c.RefreshLength || c.RefreshLength <= 0)) {
		bad("background jobs must be shorter than their period")
	}
	if w.StableAge < 0 || (w.StableAge > 0 && time.Duration(s.StablePods)*w.RolloutStagger*13/10 >= w.StableAge) {
		bad("stable age %v cannot hold %d pods started %v apart", w.StableAge, s.StablePods, w.RolloutStagger)
	}
	for _, e := range []struct {
		name string
		on   bool
		at   time.Duration
	}{{"stable restart", w.StableRestart, w.StableRestartAt}, {"stable replacement", w.StableReplace, w.StableReplaceAt}} {
		if e.on && (e.at < -s.History/2 || e.at >= s.CanaryAge) {
			bad("%s at canary age %v is outside the data", e.name, e.at)
		}
	}
	if w.GapLength < 0 || (w.GapLength > 0 && (w.GapAt < -s.History || w.GapAt >= s.CanaryAge)) {
		bad("gap of %v at canary age %v is outside the data", w.GapLength, w.GapAt)
	}
	if s.TailProb > 0 && s.TailAlpha <= 1 && w.Latency.Timeout <= 0 {
		bad("a Pareto tail of shape %v has no mean without a timeout", s.TailAlpha)
	}
	if w.MissProb >= 0.5 {
		bad("miss probability %v must be below 0.5", w.MissProb)
	}
	if w.ConnectionTau < 0 || w.SpikeLag < 0 || w.StampJitter < 0 || w.StampJitter >= w.ResourceInterval {
		bad("times must not be negative and the stamp jitter below the resource interval")
	}
	return errs
}
