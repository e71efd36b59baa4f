package scenario

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// worldInst is what a World instance draws once: nodes, targets, events,
// the shared user mix and the pods' traffic shares.
type worldInst struct {
	w     *World
	nodes []worldNode
	// ksmOrigin is a kube-state-metrics scrape time: it scrapes at
	// ksmOrigin + k·KSMInterval.
	ksmOrigin float64
	// gapFrom, gapTo: Prometheus scraped nothing in [gapFrom, gapTo).
	gapFrom, gapTo float64
	// refRate is a stable pod's mean request rate over the day (req/s).
	refRate float64
	// limit is the pods' CPU limit (cores; 0: none).
	limit float64
	// mix is the shared AR(1) log factor of the static share per global
	// interval; mixPhase the phase of its swing; jobPhase the background
	// job's.
	mix                []float64
	mixPhase, jobPhase float64
	// restartPod and replacedPod index the stable pod that restarts and
	// the one replaced (−1: none); replacement indexes the new pod.
	restartPod, replacedPod, replacement int
	// shares holds the pods' traffic shares on a grid of shareStep
	// seconds from the data's start (shares.go).
	shares shareGrid
}

// worldNode is one node.
type worldNode struct {
	name, ip string
	speed    float64   // multiplies idle CPU and CPU per request; its square root latency
	noise    []float64 // AR(1) log contention per global interval
	phase    float64   // cAdvisor scrape phase, seconds
}

// wlife is one container of a World pod.
type wlife struct {
	start, end    float64 // the container runs in [start, end)
	listen, ready float64 // /metrics answers from listen, traffic from ready
	id            string  // container id (64 hex digits)
	// This container's warm-up: its length and its excess factors.
	warmLen, warmLat, warmCPU, warmErr, jit float64
	startupCores                            float64
}

// podWorld is a World pod's own state.
type podWorld struct {
	node             int
	uid, ip, sideID  string
	created, deleted float64 // the pod object exists in [created, deleted)
	unready          float64 // it takes no traffic from then on (deleted: out of the endpoints)
	lives            []wlife
	spikeLag         float64
	spikeGain        float64
	leader           bool
	original         bool // one of the stable pods the scenario asked for
	// Per container life, its cumulative CPU seconds and its working set
	// at points in time; the sidecar's the same over the pod's life.
	cpu, mem         [][]point
	sideCPU, sideMem []point
	// Per container life with a CPU limit, its CFS periods and the
	// periods it was throttled in, cumulative (cadvisor's counters).
	periods, throttled [][]point
}

type point struct{ t, v float64 }

// Constants of the World's physics.
const (
	ksmLag         = 2.0   // s: kube-state-metrics sees a restart this long after the new container starts
	shareStep      = 5.0   // s: resolution of the traffic-share grid
	nodeNoisePhi   = 0.95  // per 15 s
	sidecarIdle    = 0.004 // cores
	sidecarPerReq  = 0.0006
	sidecarMemory  = 60 * mib
	pauseCores     = 0.0003
	pauseMemory    = 0.7 * mib
	mixNoiseSigma  = 0.08
	mixNoisePhi    = 0.98
	throttleOnset  = 0.6 // latency rises once the CPU demand passes this share of the limit
	throttleGain   = 3.0
	throttleMax    = 1.5 // the demand past which the throttled latency grows no more (×3.4)
	saturationKnee = 6.0 // sharpness of the smooth minimum of demand and limit
)

// drawWorld draws a World instance's nodes, targets, events and pods.
// appStart is the canary's first container's time to /metrics (from align;
// 0: draw it).
func (in *instance) drawWorld(appStart float64) {
	s, w := in.s, in.s.World
	r := in.rand(streamWorld)
	wi := &worldInst{w: w, restartPod: -1, replacedPod: -1, replacement: -1}
	in.world = wi
	nGlobal := len(in.shared)
	for range w.Nodes {
		n := worldNode{
			name:  "node-" + randomString(r, suffixLen),
			ip:    fmt.Sprintf("10.0.%d.%d", r.IntN(250)+1, r.IntN(250)+1),
			speed: logNormal(r, w.NodeSpread),
			phase: float64(r.IntN(int(w.ResourceInterval.Seconds()))),
			noise: make([]float64, nGlobal),
		}
		a := newAR1(r, nodeNoisePhi, w.NodeNoise)
		for i := range n.noise {
			n.noise[i] = a.next(r)
		}
		wi.nodes = append(wi.nodes, n)
	}
	wi.ksmOrigin = in.start + float64(r.IntN(int(w.KSMInterval.Seconds())))
	wi.gapFrom, wi.gapTo = math.Inf(1), math.Inf(1)
	if w.GapLength > 0 {
		wi.gapFrom = math.Floor(in.cs + w.GapAt.Seconds())
		wi.gapTo = wi.gapFrom + w.GapLength.Seconds()
	}
	wi.mix = make([]float64, nGlobal)
	a := newAR1(r, mixNoisePhi, mixNoiseSigma)
	for i := range wi.mix {
		wi.mix[i] = a.next(r)
	}
	wi.mixPhase = 2 * math.Pi * r.Float64()
	wi.jobPhase = r.Float64()
	if w.StableRestart {
		wi.restartPod = r.IntN(s.StablePods)
	}
	if w.StableReplace {
		wi.replacedPod = r.IntN(s.StablePods)
		if wi.replacedPod == wi.restartPod {
			wi.replacedPod = (wi.replacedPod + 1) % s.StablePods
		}
	}
	restartDown := uniform(r, 1, 6) // the crashed container's last seconds before its back-off
	drain := uniform(r, 5, 30)      // a deleted pod's container drains this long
	rescheduled := uniform(r, 3, 20)
	wi.refRate = s.RequestRate * (1 - s.CanaryShare) / float64(s.StablePods)
	if w.CPU.LimitFactor > 0 {
		wi.limit = w.CPU.LimitFactor * (s.CPUBaseline + s.CPUPerRequest*wi.refRate)
	}

	in.drawWorldPods(appStart)
	in.placeStableEvents(restartDown, drain, rescheduled)
	wi.leaderOf(in.pods)
	in.shareGridFor()
}

// drawWorldPods draws the names, parameters and containers of the stable
// pods, the replacement pod (if any) and the canary, in that order.
func (in *instance) drawWorldPods(appStart float64) {
	s, w, wi := in.s, in.s.World, in.world
	names := in.drawNames()
	stableHash, canaryHash, stableNames, canaryName := names.stableHash, names.canaryHash, names.stable, names.canary
	newName := podNames(names.r, s.Rollout, stableHash, 1, names.taken)[0]

	// Young stable pods: a rolling update that ended before the canary.
	starts := make([]float64, s.StablePods)
	if w.StableAge > 0 {
		rr := in.rand(streamWorld + 1)
		t := in.cs - w.StableAge.Seconds()
		for i := range starts {
			starts[i] = math.Floor(t)
			t += w.RolloutStagger.Seconds() * uniform(rr, 0.7, 1.3)
		}
	}
	var wsum float64
	add := func(i int, stream uint64, name, hash string, canary bool) *podSim {
		r := in.rand(stream)
		baseline := i < 0
		p := &podSim{name: name, hash: hash, canary: canary, baseline: baseline, w: &podWorld{original: !canary && !baseline}}
		p.weight = logNormal(r, s.ShareSpread)
		p.errFactor = logNormal(r, s.PodErrorSpread)
		p.w.node = r.IntN(w.Nodes)
		node := in.world.nodes[p.w.node]
		// A pod's latency: half its node's speed (in log) and its own
		// offset (World.LatencySpread).
		_, own := w.LatencySpread(s.PodSpread)
		p.latOffset = math.Sqrt(node.speed) * logNormal(r, own)
		p.arSigma = s.ARSigma
		p.cpuBase = s.CPUBaseline * node.speed * logNormal(r, w.ResidualSpread)
		p.cpuPerReq = s.CPUPerRequest * node.speed * logNormal(r, w.ResidualSpread)
		p.memLevel = s.MemoryBytes * logNormal(r, s.MemorySpread)
		p.phase = int64(r.IntN(int(in.step)))
		p.w.spikeLag = uniform(r, 0, w.SpikeLag.Seconds())
		p.w.spikeGain = logNormal(r, w.SpikeGain)
		p.w.uid = uuid(r)
		p.w.ip = fmt.Sprintf("10.%d.%d.%d", 64+r.IntN(64), r.IntN(256), 1+r.IntN(254))
		p.w.sideID = randomHex(r, 64)
		uptime := uniform(r, 2*3600, 72*3600)
		if !canary && r.Float64() < 0.15 && !baseline {
			p.restarts0 = 1
		}
		switch {
		case canary || baseline:
			p.w.created = in.cs
		case w.StableAge > 0 && i < s.StablePods:
			p.w.created = starts[i] - float64(1+r.IntN(4)) // scheduled, then the container starts
		default:
			p.w.created = in.start - uptime
		}
		p.w.deleted, p.w.unready = math.Inf(1), math.Inf(1)
		switch {
		case canary:
			p.w.lives = []wlife{in.newLife(r, in.cs, appStart)}
		case baseline:
			p.w.lives = []wlife{in.newLife(r, in.cs, 0)}
		default:
			p.w.lives = []wlife{in.newLife(r, p.w.created+float64(1+r.IntN(4)), 0)}
		}
		in.pods = append(in.pods, p)
		return p
	}
	for i := range s.StablePods {
		p := add(i, streamPod+uint64(i), stableNames[i], stableHash, false)
		wsum += p.weight
	}
	if w.StableReplace {
		wi.replacement = len(in.pods)
		p := add(s.StablePods, streamPod+200, newName, stableHash, false)
		p.w.original = false
	}
	canary := add(s.StablePods, streamPod+uint64(s.StablePods), canaryName, canaryHash, true)
	for _, p := range in.pods {
		if !p.canary && !p.baseline {
			p.weight /= wsum
		}
	}
	canary.weight = s.CanaryShare
	in.addBaselinePods(stableHash, canaryHash, names.taken, add)
	in.canaryLives = nil
	canary.w.lives = in.canaryWorldLives(canary.w.lives[0])
	for _, l := range canary.w.lives {
		in.canaryLives = append(in.canaryLives, life{l.start, l.end})
	}
	for _, p := range in.pods {
		p.lives = nil
		for _, l := range p.w.lives {
			p.lives = append(p.lives, life{l.start, l.end})
		}
	}
}

// newLife draws a container starting at start: its time to /metrics (the
// given appStart when positive), readiness, id and warm-up.
func (in *instance) newLife(r *rand.Rand, start, appStart float64) wlife {
	w := in.s.World
	if appStart <= 0 {
		appStart = float64(2 + r.IntN(int(w.AppStart.Seconds())-1))
	}
	wu := w.Warmup
	excess := func(f float64) float64 { return 1 + (f-1)*logNormal(r, wu.Spread) }
	l := wlife{
		start: start, end: math.Inf(1),
		listen:       start + appStart,
		ready:        start + appStart + in.s.ReadyDelay.Seconds(),
		id:           randomHex(r, 64),
		warmLen:      wu.Length.Seconds() * logNormal(r, wu.Spread),
		warmLat:      excess(wu.Latency),
		warmCPU:      excess(wu.CPU),
		warmErr:      excess(wu.Errors),
		jit:          wu.JITCores * logNormal(r, wu.Spread),
		startupCores: uniform(r, 0.3, 1),
	}
	return l
}

// canaryWorldLives returns the canary's containers: one, or a restart at
// Effects.RestartAt, or a crash loop with Kubernetes' back-off (10 s
// doubling to 5 min) whose containers crash either at start (a bad
// configuration: 2-10 s after /metrics answers) or under load (20-150 s).
// With World.CrashBoundary every restart is moved so that the first
// kube-state-metrics sample showing it falls in the first 15 s after a
// whole minute.
func (in *instance) canaryWorldLives(first wlife) []wlife {
	e := in.s.Effects
	r := in.rand(streamCrash)
	lives := []wlife{first}
	restart := func(at float64) {
		at = math.Ceil(at)
		if in.s.World.CrashBoundary {
			at += in.world.toBoundary(at)
		}
		l := in.newLife(r, at, 0)
		lives = append(lives, l)
	}
	switch {
	case e.RestartAt > 0:
		at := in.cs + e.RestartAt.Seconds()
		lives[0].end = at - oomBackoff - uniform(r, 0, 3)
		restart(at)
	case e.CrashLoop:
		for n := 0; ; n++ {
			cur := &lives[len(lives)-1]
			run := uniform(r, 20, 150)
			if r.Float64() < 0.5 {
				run = uniform(r, 2, 10)
			}
			cur.end = cur.listen + run
			next := cur.end + math.Min(10*math.Pow(2, float64(n)), 300)
			if next > in.end {
				break
			}
			restart(next)
		}
	}
	return lives
}

// toBoundary returns the delay that moves a container start at t so that
// the first kube-state-metrics sample that shows it falls in the first
// 15 s after a whole minute (the first KSMInterval, when that is longer:
// one sample a minute falls there).
func (wi *worldInst) toBoundary(t float64) float64 {
	ki := wi.w.KSMInterval.Seconds()
	within := math.Max(15, ki)
	for d := 0.0; d < 180; d++ {
		seen := wi.ksmOrigin + ki*math.Ceil((t+d+ksmLag-wi.ksmOrigin)/ki)
		if math.Mod(seen, 60) < within {
			return d
		}
	}
	return 0
}

// placeStableEvents ends and starts the containers of a restarting stable
// pod and of a replaced one.
func (in *instance) placeStableEvents(restartDown, drain, rescheduled float64) {
	w, wi := in.s.World, in.world
	if i := wi.restartPod; i >= 0 {
		p := in.pods[i]
		at := math.Floor(in.cs + w.StableRestartAt.Seconds())
		if at < p.w.lives[0].listen+60 { // a young pod restarts once it runs
			at = p.w.lives[0].listen + 60
		}
		p.w.lives[0].end = at - oomBackoff - restartDown
		p.w.lives = append(p.w.lives, in.newLife(in.rand(streamWorld+2), at, 0))
	}
	if i := wi.replacedPod; i >= 0 {
		old, nu := in.pods[i], in.pods[wi.replacement]
		at := math.Floor(in.cs + w.StableReplaceAt.Seconds())
		if at < old.w.lives[0].listen+60 {
			at = old.w.lives[0].listen + 60
		}
		old.w.deleted = at + drain
		old.w.unready = at + 2
		l := &old.w.lives[len(old.w.lives)-1]
		l.end = at + drain
		nu.w.created = at
		nu.w.lives = []wlife{in.newLife(in.rand(streamWorld+3), at+rescheduled, 0)}
		nu.restarts0 = 0
	}
	for _, p := range in.pods {
		p.lives = p.lives[:0]
		for _, l := range p.w.lives {
			p.lives = append(p.lives, life{l.start, l.end})
		}
	}
}

// leaderOf makes the oldest stable pod that neither restarts nor is
// replaced the lease holder of the background job.
func (wi *worldInst) leaderOf(pods []*podSim) {
	best := -1
	for i, p := range pods {
		if p.canary || p.baseline || i == wi.restartPod || i == wi.replacedPod || i == wi.replacement {
			continue
		}
		if best < 0 || p.w.created < pods[best].w.created {
			best = i
		}
	}
	if best >= 0 {
		pods[best].w.leader = true
	}
}

// uuid draws a Kubernetes object UID.
func uuid(r *rand.Rand) string {
	h := randomHex(r, 32)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// randomHex draws n lower-case hexadecimal digits.
func randomHex(r *rand.Rand, n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[r.IntN(16)]
	}
	return string(b)
}

// addBaselinePods adds the scenario's baseline pods after the canary:
// pods of the stable version under a hash of their own (drawn apart from
// the stable and canary hashes), each a new pod started with the canary
// (its own time to /metrics and per-pod draws) at Scenario.BaselineShare.
// Every draw comes from the baseline's own streams. add is drawWorldPods'
// pod drawer (index −1: a baseline pod).
func (in *instance) addBaselinePods(stableHash, canaryHash string, taken map[string]bool, add func(i int, stream uint64, name, hash string, canary bool) *podSim) {
	s := in.s
	if s.Baseline <= 0 {
		return
	}
	r := in.rand(streamBaseline)
	hash := ""
	for hash == "" || hash == stableHash || hash == canaryHash {
		hash = randomString(r, hashLen)
	}
	names := podNames(r, s.Rollout, hash, s.Baseline, taken)
	for b := range s.Baseline {
		p := add(-1, streamPod+300+uint64(b), names[b], hash, false)
		p.weight = s.BaselineShare()
	}
}
