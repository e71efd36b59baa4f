package scenario

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// life is one run of a container: up during [start, end).
type life struct{ start, end float64 }

// podSim is one simulated pod: its drawn parameters and, per scrape, the
// cumulative values of its series.
type podSim struct {
	name   string
	hash   string
	canary bool
	noisy  bool
	// baseline marks a pod of the stable version started with the canary
	// (Scenario.Baseline).
	baseline bool

	weight    float64 // stable: load-balancer weight (stable weights sum to 1)
	latOffset float64
	arSigma   float64
	errFactor float64
	cpuBase   float64 // cores
	cpuPerReq float64 // core-seconds
	memLevel  float64 // bytes
	restarts0 int64   // restarts before the data starts
	phase     int64   // scrape offset, seconds
	lives     []life

	// Per scrape k.
	ts       []int64
	up       []bool    // application and container series scraped
	cls      []int64   // k*len(classes)+c: cumulative requests
	exists   []uint16  // bit c: series of class c exists at scrape k
	bkt      []int64   // k*nBuckets+b: cumulative requests in bucket b (not cumulative over b)
	sum      []float64 // cumulative latency seconds
	cpu      []float64 // cumulative CPU seconds
	mem      []float64 // working set bytes
	restarts []int64

	// Realized over (CanaryStart, End].
	reqs, errs5xx, notFound int64
	latSum                  float64

	// w holds the pod's World state (nil in the base model).
	w *podWorld
}

// instance is one simulated scenario.
type instance struct {
	s     Scenario
	seed  uint64
	rseed uint64 // the seed of every random stream (seed, or salted for a World)
	ns    string
	start float64 // first sample window begins (Unix seconds)
	cs    float64 // canary start
	end   float64
	step  float64 // interval seconds

	spikes, slow []episode
	shared       []float64 // shared log latency noise per global interval from start-step
	canaryLives  []life
	pods         []*podSim // stable pods, then the canary, then the baseline pods

	// firstCanary is the canary's first application sample when the
	// scenario is Aligned (0 otherwise).
	firstCanary float64
	// world holds the World's instance state (nil in the base model).
	world *worldInst
}

// rand returns the instance's random stream.
func (in *instance) rand(stream uint64) *rand.Rand { return newRand(in.rseed, stream) }

// newInstance draws everything about one instance and simulates it.
func newInstance(s Scenario, seed uint64) (*instance, error) {
	in, err := drawInstance(s, seed)
	if err != nil {
		return nil, err
	}
	for i, p := range in.pods {
		r := in.rand(streamPod + uint64(i) + 1000)
		if s.World != nil {
			in.simulateWorld(p, r)
		} else {
			in.simulate(p, r)
		}
	}
	return in, nil
}

// drawInstance draws everything about one instance (its times, shared
// episodes and noise, pods and their parameters, and in a World its nodes
// and events) without simulating its series.
func drawInstance(s Scenario, seed uint64) (*instance, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	in := &instance{s: s, seed: seed, rseed: seed, ns: s.Namespace}
	if s.World != nil {
		in.rseed = seed ^ worldSalt
	}
	if in.ns == "" {
		in.ns = fmt.Sprintf("bench-%s-%d", s.Name, seed)
		if s.Aligned {
			in.ns += fmt.Sprintf("-a%d", s.Alignment)
		}
		if !dnsLabel.MatchString(in.ns) || len(in.ns) > 63 {
			return nil, fmt.Errorf("scenario %q: derived namespace %q is not a DNS label", s.Name, in.ns)
		}
	}
	end := s.end()
	in.end = float64(end.Unix())
	in.cs = in.end - s.CanaryAge.Seconds()
	in.step = s.Interval.Seconds()
	var appStart float64
	if s.Aligned {
		appStart = in.align()
	}
	in.start = in.cs - s.History.Seconds()

	in.drawShared()
	if s.World != nil {
		in.drawWorld(appStart)
		return in, nil
	}
	in.drawCanaryLives()
	in.drawPods()
	return in, nil
}

// align moves the canary's start so that its first application sample
// falls Alignment seconds past a whole minute, and the data's end with it
// (CanaryAge after the start). The sample comes d seconds after the
// container starts: in the base model d is U{1..Interval}; in a World the
// application first answers after appStart, U{2..AppStart} seconds, and
// is scraped within an Interval after that, so d = appStart + U{0..Interval−1}.
// The draws do not depend on the alignment, so the alignments of one seed
// differ only by when the canary started. It returns appStart (0 in the
// base model).
func (in *instance) align() float64 {
	r := in.rand(streamAlign)
	step := int(in.step)
	var d, appStart int
	if w := in.s.World; w != nil {
		appStart = 2 + r.IntN(int(w.AppStart.Seconds())-1)
		d = appStart + r.IntN(step)
	} else {
		d = 1 + r.IntN(step)
	}
	in.firstCanary = math.Floor(in.cs/60)*60 + float64(in.s.Alignment)
	in.cs = in.firstCanary - float64(d)
	in.end = in.cs + in.s.CanaryAge.Seconds()
	return float64(appStart)
}

// drawShared draws the episodes and the shared latency noise.
func (in *instance) drawShared() {
	s := in.s
	r := in.rand(streamShared)
	span := in.end - in.start
	in.spikes = randomEpisodes(r, in.start, span, s.SpikesPerHour, 0.5, 2, 60, 300)
	in.slow = randomEpisodes(r, in.start, span, s.SlowDependencyPerHour, 0.3, 0.8, 180, 720)
	if s.SpikeAt > 0 {
		in.spikes = append(in.spikes, episode{Start: in.cs + s.SpikeAt.Seconds(), Duration: 180, Height: 1.5})
	}
	if s.SlowDependencyAt > 0 {
		in.slow = append(in.slow, episode{Start: in.cs + s.SlowDependencyAt.Seconds(), Duration: 360, Height: s.SlowDependencyFactor})
	}
	n := int(math.Ceil(span/in.step)) + 2
	in.shared = make([]float64, n)
	a := newAR1(r, s.SharedPhi, s.SharedSigma)
	for i := range in.shared {
		in.shared[i] = a.next(r)
	}
}

// drawCanaryLives draws the canary container's runs.
func (in *instance) drawCanaryLives() {
	if at := in.s.Effects.RestartAt.Seconds(); at > 0 {
		// An OOM kill shortly before, then Kubernetes' first back-off.
		in.canaryLives = []life{{in.cs, in.cs + at - oomBackoff}, {in.cs + at, math.Inf(1)}}
		return
	}
	if !in.s.Effects.CrashLoop {
		in.canaryLives = []life{{in.cs, math.Inf(1)}}
		return
	}
	r := in.rand(streamCrash)
	t := in.cs
	for n := 0; t <= in.end; n++ {
		up := uniform(r, 40, 80)
		in.canaryLives = append(in.canaryLives, life{t, t + up})
		// Kubernetes' CrashLoopBackOff: 10 s, doubling, capped (here at 40 s
		// so that restarts come every one to two minutes).
		backoff := math.Min(10*math.Pow(2, float64(n)), 40)
		t += up + backoff
	}
}

// naming holds an instance's template hashes and pod names as drawn, and
// the stream they came from for any names drawn later.
type naming struct {
	r                      *rand.Rand
	taken                  map[string]bool
	stableHash, canaryHash string
	stable                 []string
	canary                 string
}

// drawNames draws the template hashes (unless the scenario sets them) and
// the names of the stable pods and the canary.
func (in *instance) drawNames() naming {
	s := in.s
	n := naming{r: in.rand(streamNames), taken: map[string]bool{}, stableHash: s.StableHash, canaryHash: s.CanaryHash}
	if n.stableHash == "" {
		n.stableHash = randomString(n.r, hashLen)
	}
	for n.canaryHash == "" || n.canaryHash == n.stableHash {
		n.canaryHash = randomString(n.r, hashLen)
	}
	n.stable = podNames(n.r, s.Rollout, n.stableHash, s.StablePods, n.taken)
	n.canary = podNames(n.r, s.Rollout, n.canaryHash, 1, n.taken)[0]
	return n
}

// drawPods draws names and per-pod parameters.
func (in *instance) drawPods() {
	s := in.s
	names := in.drawNames()
	stableHash, canaryHash, stableNames, canaryName := names.stableHash, names.canaryHash, names.stable, names.canary

	noisy := -1
	if s.NoisyPod {
		noisy = names.r.IntN(s.StablePods)
	}
	var wsum float64
	for i := 0; i <= s.StablePods; i++ {
		r := in.rand(streamPod + uint64(i))
		p := &podSim{
			weight:    logNormal(r, s.ShareSpread),
			latOffset: logNormal(r, s.PodSpread),
			arSigma:   s.ARSigma,
			errFactor: logNormal(r, s.PodErrorSpread),
			cpuBase:   s.CPUBaseline * logNormal(r, s.CPUSpread),
			cpuPerReq: s.CPUPerRequest * logNormal(r, s.CPUSpread),
			memLevel:  s.MemoryBytes * logNormal(r, s.MemorySpread),
			phase:     int64(r.IntN(int(in.step))),
		}
		uptime := uniform(r, 2*3600, 72*3600)
		hadRestart := r.Float64() < 0.15
		if i == s.StablePods {
			p.name, p.hash, p.canary = canaryName, canaryHash, true
			p.lives = in.canaryLives
		} else {
			p.name, p.hash = stableNames[i], stableHash
			p.lives = []life{{in.start - uptime, math.Inf(1)}}
			wsum += p.weight
			if hadRestart {
				p.restarts0 = 1
			}
		}
		if i == noisy {
			p.noisy = true
			sign := 1.0
			if r.IntN(2) == 0 {
				sign = -1
			}
			p.latOffset = math.Exp(sign * s.NoisyOffset)
			p.arSigma = s.ARSigma * s.NoisyARFactor
		}
		in.pods = append(in.pods, p)
	}
	for _, p := range in.pods[:s.StablePods] {
		p.weight /= wsum
	}
	in.pods[s.StablePods].weight = s.CanaryShare
}

// traffic returns the service's total request rate at Unix time t.
func (in *instance) traffic(t float64) float64 {
	return in.daily(t) * (1 + sumEpisodes(in.spikes, t))
}

// daily returns the service's request rate at Unix time t without spikes.
func (in *instance) daily(t float64) float64 {
	s := in.s
	hour := math.Mod(t, 86400) / 3600
	return s.RequestRate * (1 + s.DailyAmplitude*math.Cos(2*math.Pi*(hour-s.DailyPeakHour)/24))
}

// sharedLatency returns the latency factor every pod sees at time t.
func (in *instance) sharedLatency(t float64) float64 {
	i := int((t - in.start + in.step) / in.step)
	i = max(0, min(i, len(in.shared)-1))
	return math.Exp(in.shared[i]) * (1 + sumEpisodes(in.slow, t)) * (1 + spikeLatency*sumEpisodes(in.spikes, t))
}

// serving returns the seconds of (a, b] during which the canary served
// traffic: it was up and past its readiness delay.
func (in *instance) serving(a, b float64) float64 {
	var d float64
	ready := in.s.ReadyDelay.Seconds()
	for _, l := range in.canaryLives {
		lo, hi := math.Max(a, l.start+ready), math.Min(b, l.end)
		if hi > lo {
			d += hi - lo
		}
	}
	return d
}

// lifeAt returns the index of the life that is up at t, or -1.
func lifeAt(lives []life, t float64) int {
	for i, l := range lives {
		if t >= l.start && t < l.end {
			return i
		}
	}
	return -1
}

// restartsAt counts the restarts (lives begun after the first) by t.
func restartsAt(lives []life, t float64) int64 {
	var n int64
	for _, l := range lives[1:] {
		if l.start <= t {
			n++
		}
	}
	return n
}

// simulate fills p's series scrape by scrape.
func (in *instance) simulate(p *podSim, r *rand.Rand) {
	s := in.s
	eff := s.Effects
	latAR := newAR1(r, s.ARPhi, p.arSigma)
	cpuAR := newAR1(r, cpuNoisePhi, cpuNoiseSigma)
	memAR := newAR1(r, memNoisePhi, memNoiseSigma)

	first := in.start + float64(p.phase)
	if p.canary {
		// First scrape of the canary's phase grid after it started.
		k := math.Floor((in.cs-first)/in.step) + 1
		first += k * in.step
		if in.s.Aligned {
			first = in.firstCanary
		}
	}
	n := 0
	if first <= in.end {
		n = int((in.end-first)/in.step) + 1
	}
	p.allocate(n)
	p.cpu = make([]float64, n)
	p.mem = make([]float64, n)
	p.restarts = make([]int64, n)

	cn := newCounters()
	var cpu float64
	curLife := -1
	if !p.canary {
		curLife = 0
		in.initialCounters(p, r, first-in.step, &cn, &cpu)
	}
	latFactor, errFactor, cpuFactor := 1.0, 1.0, 1.0
	if p.canary {
		latFactor, errFactor, cpuFactor = factor(eff.LatencyFactor), factor(eff.ErrorFactor), factor(eff.CPUFactor)
	}
	for k := range n {
		t := first + float64(k)*in.step
		p.ts[k] = int64(t)
		latNoise, cpuNoise, memNoise := latAR.next(r), cpuAR.next(r), memAR.next(r)
		p.restarts[k] = p.restarts0 + restartsAt(p.lives, t)
		li := lifeAt(p.lives, t)
		if li < 0 {
			continue // the container is down: no application series
		}
		lf := p.lives[li]
		if li != curLife { // a new container: everything starts again from zero
			curLife = li
			cn.reset()
			cpu = 0
		}
		p.up[k] = true
		a := math.Max(t-in.step, lf.start) // the interval this scrape covers
		dur := t - a
		mid := (a + t) / 2
		age := mid - lf.start

		// Requests.
		var served float64
		if p.canary {
			served = in.serving(a, t) * s.CanaryShare
		} else {
			served = (dur - s.CanaryShare*in.serving(a, t)) * p.weight
		}
		nreq := poisson(r, in.traffic(mid)*served)

		e5 := s.ErrorRatio*p.errFactor*errFactor*(1+slowErrors*sumEpisodes(in.slow, mid)) + boolf(p.canary)*eff.ExtraErrorRatio
		e404 := s.NotFoundRatio
		if canaryAge := mid - in.cs; p.canary && canaryAge >= eff.NotFoundBurstStart.Seconds() &&
			canaryAge < (eff.NotFoundBurstStart+eff.NotFoundBurstDuration).Seconds() {
			e404 += eff.NotFoundBurstRatio
		}
		m := s.LatencyMedian * in.sharedLatency(mid) * p.latOffset * math.Exp(latNoise) *
			warm(s.WarmupFactor, age, s.WarmupTau.Seconds()) * latFactor
		dist := latencyDist{m: m, sigma: s.LatencySigma, q: s.TailProb, tailMin: s.TailMin, alpha: s.TailAlpha}
		inWindow := t > in.cs
		for range nreq {
			c := pickClass(r, s.GETShare, e5, e404, s.NotModifiedRatio)
			p.answer(&cn, c, dist.draw(r)*classes[c].latency, inWindow)
		}

		// Resources.
		cores := p.cpuBase + cpuStartupCores*math.Exp(-age/cpuStartupTau)
		perReq := p.cpuPerReq * warm(s.CPUWarmupFactor, age, cpuWarmupTau) * cpuFactor
		cpu += (cores*dur + perReq*float64(nreq)) * math.Exp(cpuNoise)
		mem := p.memLevel * (1 - memRampFrac*math.Exp(-age/memRampTau)) * math.Exp(memNoise)
		if p.canary {
			mem += eff.MemoryLeakMBPerMinute * mib * (t - lf.start) / 60
		}

		p.store(k, &cn)
		p.cpu[k] = cpu
		p.mem[k] = mem
	}
}

// counters are a process's cumulative request counters: per class, per
// latency bucket (not cumulative over buckets), the latency sum, and which
// class series exist.
type counters struct {
	cls, bkt []int64
	sum      float64
	exists   uint16
}

func newCounters() counters {
	return counters{cls: make([]int64, len(classes)), bkt: make([]int64, nBuckets)}
}

// reset starts the counters of a new process.
func (cn *counters) reset() {
	clear(cn.cls)
	clear(cn.bkt)
	cn.sum, cn.exists = 0, 0
}

// answer counts one request of class c that took x seconds, and, when it
// falls in the canary's window, the pod's realized totals.
func (p *podSim) answer(cn *counters, c int, x float64, inWindow bool) {
	cn.cls[c]++
	cn.exists |= 1 << c
	cn.bkt[bucketOf(x)]++
	cn.sum += x
	if inWindow {
		p.reqs++
		p.latSum += x
		switch classes[c].code {
		case "500", "503":
			p.errs5xx++
		case "404":
			p.notFound++
		}
	}
}

// allocate makes room for the application series of n scrapes.
func (p *podSim) allocate(n int) {
	p.ts = make([]int64, n)
	p.up = make([]bool, n)
	p.cls = make([]int64, n*len(classes))
	p.exists = make([]uint16, n)
	p.bkt = make([]int64, n*nBuckets)
	p.sum = make([]float64, n)
}

// store keeps the counters as scrape k's values.
func (p *podSim) store(k int, cn *counters) {
	copy(p.cls[k*len(classes):], cn.cls)
	copy(p.bkt[k*nBuckets:], cn.bkt)
	p.exists[k] = cn.exists
	p.sum[k] = cn.sum
}

func boolf(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// pickClass draws the (code, method) class of one request.
func pickClass(r *rand.Rand, getShare, e5, e404, e304 float64) int {
	get := r.Float64() < getShare
	u := r.Float64()
	switch {
	case u < e5*share500:
		return pick(get, clsGET500, clsPOST500)
	case u < e5:
		return pick(get, clsGET503, clsPOST503)
	case u < e5+e404:
		return pick(get, clsGET404, clsPOST404)
	case get && u < e5+e404+(1-e5-e404)*e304:
		return clsGET304
	default:
		return pick(get, clsGET200, clsPOST200)
	}
}

func pick(get bool, ifGet, ifPost int) int {
	if get {
		return ifGet
	}
	return ifPost
}

// initialCounters sets a stable pod's counters to what it plausibly served
// between its start and at (just before the data begins): Poisson counts
// per class at the daily-mean rate, expected bucket counts and latency sum,
// expected CPU time. Only their level is plausible; no query over the data
// window depends on it.
func (in *instance) initialCounters(p *podSim, r *rand.Rand, at float64, cn *counters, cpu *float64) {
	s := in.s
	uptime := at - p.lives[0].start
	total := s.RequestRate * p.weight * uptime
	e5 := s.ErrorRatio * p.errFactor
	ok := 1 - e5 - s.NotFoundRatio
	get, post := total*s.GETShare, total*(1-s.GETShare)
	mean := []float64{
		clsGET200: get * ok * (1 - s.NotModifiedRatio), clsGET304: get * ok * s.NotModifiedRatio,
		clsGET404: get * s.NotFoundRatio, clsGET500: get * e5 * share500, clsGET503: get * e5 * (1 - share500),
		clsPOST200: post * ok, clsPOST404: post * s.NotFoundRatio,
		clsPOST500: post * e5 * share500, clsPOST503: post * e5 * (1 - share500),
	}
	var n int64
	for c, mu := range mean {
		cn.cls[c] = poisson(r, mu)
		n += cn.cls[c]
		if cn.cls[c] > 0 {
			cn.exists |= 1 << c
		}
	}
	dist := latencyDist{m: s.LatencyMedian * p.latOffset, sigma: s.LatencySigma, q: s.TailProb, tailMin: s.TailMin, alpha: s.TailAlpha}
	var below int64
	for b, bound := range bucketBounds {
		cum := int64(math.Round(float64(n) * dist.cdf(bound)))
		cn.bkt[b] = cum - below
		below = cum
	}
	cn.bkt[len(bucketBounds)] = n - below
	cn.sum = float64(n) * dist.mean()
	*cpu = uptime * (p.cpuBase + p.cpuPerReq*s.RequestRate*p.weight)
}
