package scenario

import (
	"math"
	"math/rand/v2"
)

// Target kinds for missed scrapes (chance's second argument, with the
// target's index).
const (
	targetApp     = 1 << 20
	targetKubelet = 2 << 20
	targetKSM     = 3 << 20
)

// globalIndex is the index of t in the instance's per-interval shared
// series (in.shared, the nodes' noise, the mix).
func (in *instance) globalIndex(t float64) int {
	i := int((t - in.start + in.step) / in.step)
	return max(0, min(i, len(in.shared)-1))
}

// scraped reports whether Prometheus got the scrape of a target at t: it
// was up (not in the gap) and the scrape did not fail.
func (in *instance) scraped(target uint64, t float64) bool {
	wi := in.world
	if t >= wi.gapFrom && t < wi.gapTo {
		return false
	}
	return wi.w.MissProb == 0 || chance(in.rseed, target, uint64(int64(t))) >= wi.w.MissProb
}

// appTicks returns the times of a World pod's /metrics scrapes: its phase
// grid from just after its first container starts (or from the data's
// start) to the end of the data or its deletion.
func (in *instance) appTicks(p *podSim) []float64 {
	origin := in.start + float64(p.phase)
	if p.canary && in.s.Aligned {
		origin = in.firstCanary
	}
	lower := math.Max(p.w.lives[0].start, in.start-1e-6)
	k := math.Floor((lower-origin)/in.step) + 1
	var ts []float64
	for t := origin + k*in.step; t <= in.end && t < p.w.deleted; t += in.step {
		ts = append(ts, t)
	}
	return ts
}

// lifeIndex returns the index of the container running at t, or −1.
func (pw *podWorld) lifeIndex(t float64) int {
	for i, l := range pw.lives {
		if t >= l.start && t < l.end {
			return i
		}
	}
	return -1
}

// simulateWorld fills a World pod's series tick by tick of its /metrics
// scrapes: requests, latency, CPU and memory of each container, and the
// application samples Prometheus got.
func (in *instance) simulateWorld(p *podSim, r *rand.Rand) {
	s, w, wi, pw := in.s, in.s.World, in.world, p.w
	eff := s.Effects
	latAR := newAR1(r, s.ARPhi, p.arSigma)
	cpuAR := newAR1(r, cpuNoisePhi, cpuNoiseSigma)
	memAR := newAR1(r, memNoisePhi, memNoiseSigma)

	ticks := in.appTicks(p)
	n := len(ticks)
	p.allocate(n)
	pw.cpu = make([][]point, len(pw.lives))
	pw.mem = make([][]point, len(pw.lives))
	pw.periods = make([][]point, len(pw.lives))
	pw.throttled = make([][]point, len(pw.lives))

	cn := newCounters()
	var cum, sideCum, served, lastMem, lastIdle, lastGC float64
	var periods, throttled float64 // CFS periods of the container's life and those throttled
	cur := -1
	lastT := math.Inf(-1)
	old := pw.lives[0].start < in.start
	if old && n > 0 {
		in.initialCounters(p, r, ticks[0]-in.step, &cn, &cum)
		served = math.Inf(1) // warm long ago
		sideCum = (ticks[0] - in.step - pw.created) * sidecarIdle
	}
	latFactor, errFactor, cpuFactor, dynFactor := 1.0, 1.0, 1.0, 1.0
	if p.canary {
		latFactor, errFactor, cpuFactor = factor(eff.LatencyFactor), factor(eff.ErrorFactor), factor(eff.CPUFactor)
		dynFactor = factor(eff.DynamicLatencyFactor)
	}
	pid := uint64(0)
	for i, q := range in.pods {
		if q == p {
			pid = uint64(i)
		}
	}
	for k, t := range ticks {
		p.ts[k] = int64(t)
		latNoise, cpuNoise, memNoise := latAR.next(r), cpuAR.next(r), memAR.next(r)
		li := pw.lifeIndex(t)
		if li != cur {
			if cur >= 0 {
				in.closeLife(pw, cur, lastT, cum, lastIdle, lastMem)
			}
			cur = li
			if li >= 0 && !(li == 0 && old) {
				cn.reset()
				cum, served = 0, 0
				periods, throttled = 0, 0
				lastGC = pw.lives[li].start
			}
			if li >= 0 {
				start := math.Max(pw.lives[li].start, t-in.step)
				if li == 0 && old {
					// A container that ran before the data: its counters
					// start at its age's periods, none throttled yet.
					periods = math.Floor((start - pw.lives[0].start) / cfsPeriod)
				}
				pw.cpu[li] = append(pw.cpu[li], point{start, cum})
				if wi.limit > 0 {
					pw.periods[li] = append(pw.periods[li], point{start, periods})
					pw.throttled[li] = append(pw.throttled[li], point{start, throttled})
				}
			}
		}
		if w.Sidecar {
			a := math.Max(t-in.step, pw.created)
			sideCum += sidecarIdle * (t - a)
		}
		if li < 0 {
			continue
		}
		lf := &pw.lives[li]
		a := math.Max(t-in.step, lf.start)
		dur := t - a
		mid := (a + t) / 2
		age := mid - lf.start
		nreq := poisson(r, in.expectedRequests(p, a, t))
		rate := float64(nreq) / dur
		gi := in.globalIndex(mid)
		contention := in.world.nodes[pw.node].noise[gi]

		// Warm-up progress and shape.
		h := 0.0
		if w.Warmup.Shape != WarmupNone && lf.warmLen > 0 {
			u := age / lf.warmLen
			if w.Warmup.ByRequests {
				u = (served + float64(nreq)/2) / (lf.warmLen * wi.refRate)
			}
			h = shapeAt(w.Warmup.Shape, u)
		}

		// CPU: idle, per request (not linear in load), GC, jobs, all
		// saturating at the limit.
		perReq := p.cpuPerReq * (1 + (lf.warmCPU-1)*h) * cpuFactor
		if w.CPU.Exponent != 1 && rate > 0 {
			perReq *= math.Pow(math.Min(math.Max(rate/wi.refRate, 0.05), 20), w.CPU.Exponent-1)
		}
		idle := p.cpuBase + lf.jit*h + lf.startupCores*math.Exp(-age/cpuStartupTau)
		mem := p.memLevel*(1-w.Memory.Fraction*math.Exp(-age/math.Max(w.Memory.Tau.Seconds(), 1)))*math.Exp(memNoise) +
			boolf(p.canary)*eff.MemoryLeakMBPerMinute*mib*(t-lf.start)/60
		var burst float64 // core-seconds
		if c := w.CPU; c.GCEvery > 0 {
			cycles := poisson(r, float64(nreq)/c.GCEvery)
			if cycles == 0 && t-lastGC >= c.GCForced.Seconds() {
				cycles = 1
			}
			if cycles > 0 {
				lastGC = t
			}
			burst += float64(cycles) * c.GCCost * mem / s.MemoryBytes
			if r.Float64() < c.MajorGCPerHour*dur/3600 {
				burst += uniform(r, 10, 30) * c.GCCost * mem / s.MemoryBytes
			}
		}
		burst += in.jobSeconds(pw, lf, a, t)
		demand := (idle+perReq*rate)*math.Exp(contention) + burst/dur
		usage, throttle := demand, 1.0
		if wi.limit > 0 {
			usage = smoothMin(demand, wi.limit)
			if rho := math.Min(demand/wi.limit, throttleMax); rho > throttleOnset {
				throttle = 1 + throttleGain*(rho-throttleOnset)*(rho-throttleOnset)
			}
			share := throttledShare(math.Exp(contention), idle, perReq, rate, burst/dur, wi.limit)
			periods += dur / cfsPeriod
			throttled += dur / cfsPeriod * share
		}
		cum += usage * dur * math.Exp(cpuNoise)
		lastIdle = p.cpuBase * math.Exp(contention)
		lastMem = mem
		pw.cpu[li] = append(pw.cpu[li], point{t, cum})
		pw.mem[li] = append(pw.mem[li], point{t, mem})
		if wi.limit > 0 {
			pw.periods[li] = append(pw.periods[li], point{t, periods})
			pw.throttled[li] = append(pw.throttled[li], point{t, throttled})
		}
		if w.Sidecar {
			sideCum += sidecarPerReq * float64(nreq)
		}

		// Requests.
		episodes := sumEpisodes(in.slow, mid)
		e5 := s.ErrorRatio*p.errFactor*errFactor*(1+slowErrors*episodes)*(1+(lf.warmErr-1)*h) +
			boolf(p.canary)*eff.ExtraErrorRatio
		e404 := s.NotFoundRatio
		if canaryAge := mid - in.cs; p.canary && canaryAge >= eff.NotFoundBurstStart.Seconds() &&
			canaryAge < (eff.NotFoundBurstStart+eff.NotFoundBurstDuration).Seconds() {
			e404 += eff.NotFoundBurstRatio
		}
		spike := 1 + w.SpikeLatency*pw.spikeGain*sumEpisodes(in.spikes, mid-pw.spikeLag)
		local := p.latOffset * math.Exp(latNoise+0.5*contention) * (1 + (lf.warmLat-1)*h) * throttle * latFactor
		m := s.LatencyMedian * math.Exp(in.shared[gi]) * (1 + episodes) * local * spike
		dist := latencyDist{m: m, sigma: s.LatencySigma, q: s.TailProb, tailMin: s.TailMin, alpha: s.TailAlpha}
		static := in.staticShare(mid, gi, served)
		staticMedian := w.Latency.StaticMedian * local
		inWindow := t > in.cs
		for range nreq {
			c := pickClass(r, s.GETShare, e5, e404, s.NotModifiedRatio)
			var x float64
			if static > 0 && r.Float64() < static {
				x = staticMedian * math.Exp(w.Latency.StaticSigma*r.NormFloat64())
			} else {
				x = dist.draw(r) * dynFactor
			}
			x *= classes[c].latency
			if w.Latency.Timeout > 0 {
				x = math.Min(x, w.Latency.Timeout)
			}
			p.answer(&cn, c, x, inWindow)
		}
		served += float64(nreq)
		lastT = t

		p.store(k, &cn)
		p.up[k] = t >= lf.listen && in.scraped(targetApp+pid, t)
		if w.Sidecar {
			pw.sideCPU = append(pw.sideCPU, point{t, sideCum})
			pw.sideMem = append(pw.sideMem, point{t, sidecarMemory * math.Exp(0.5*memNoise)})
		}
	}
	if cur >= 0 {
		in.closeLife(pw, cur, lastT, cum, lastIdle, lastMem)
	}
}

// closeLife ends a container's CPU and memory points when it stopped
// between two scrapes: its last seconds at its idle rate.
func (in *instance) closeLife(pw *podWorld, li int, lastT, cum, idle, mem float64) {
	end := pw.lives[li].end
	if end > in.end || end <= lastT || math.IsInf(lastT, -1) {
		return
	}
	pw.cpu[li] = append(pw.cpu[li], point{end, cum + idle*(end-lastT)})
	pw.mem[li] = append(pw.mem[li], point{end, mem})
}

// smoothMin is a smooth minimum of demand and limit: CPU usage under a CFS
// quota, which bursts hit before the mean does.
func smoothMin(demand, limit float64) float64 {
	x := demand / limit
	return limit * x / math.Pow(1+math.Pow(x, saturationKnee), 1/saturationKnee)
}

// staticShare returns the share of a pod's requests its cache answers at
// t (0 unless the latency is bimodal): the users' mix, swinging and
// drifting for every pod alike, times the pod's own hit ratio, which
// starts cold and warms with the requests it has served.
func (in *instance) staticShare(t float64, gi int, served float64) float64 {
	l := in.s.World.Latency
	if l.Kind != LatencyBimodal {
		return 0
	}
	q := l.StaticShare * (1 + l.StaticSwing*math.Sin(2*math.Pi*t/l.SwingPeriod.Seconds()+in.world.mixPhase)) *
		math.Exp(in.world.mix[gi])
	q *= 1 - l.ColdMiss*shapeAt(WarmupExp, served/l.CacheRequests)
	return math.Min(math.Max(q, 0), 0.95)
}

// jobSeconds returns the core-seconds a pod's background work adds in
// (a, b]: the lease holder's periodic job and every container's own cache
// refresh.
func (in *instance) jobSeconds(pw *podWorld, lf *wlife, a, b float64) float64 {
	c := in.s.World.CPU
	var out float64
	// overlap sums the overlap of (a, b] with runs of length every
	// `every` from `from` (and, when before, also earlier).
	overlap := func(from, every, length float64, before bool) float64 {
		var s float64
		k := math.Floor((a - from) / every)
		if !before {
			k = math.Max(k, 0)
		}
		for t := from + k*every; t < b; t += every {
			s += math.Max(0, math.Min(b, t+length)-math.Max(a, t))
		}
		return s
	}
	if c.JobCores > 0 && pw.leader {
		every := c.JobEvery.Seconds()
		out += c.JobCores * overlap(in.start+in.world.jobPhase*every, every, c.JobLength.Seconds(), true)
	}
	if c.RefreshCores > 0 {
		every := c.RefreshEvery.Seconds()
		out += c.RefreshCores * overlap(lf.start+every, every, c.RefreshLength.Seconds(), false)
	}
	return out
}
