package scenario

import "math"

// shareGrid holds, on a grid of shareStep-second cells from `from`, what a
// pod's traffic share depends on besides its own state: the stable pods'
// normalisation and the canary's ramp.
type shareGrid struct {
	from float64
	// norm is Σ w·ramp over the stable pods plus the weight of the young
	// stable pods not yet ready (their traffic still goes to the old pods,
	// which are not in the data).
	norm []float64
	// canary is the canary's ramp, baseline the baseline pods' share of
	// all requests (Σ share·ramp); ready counts the ready pods.
	canary, baseline, ready []float64
}

// ramp returns a pod's readiness for traffic at t: 0 when its container
// is not ready, else 1, or with keep-alive connections balanced
// (ConnectionTau) the share of its connections, 1 − e^(−(t−ready)/τ).
func (pw *podWorld) ramp(t, connTau float64) float64 {
	for i := range pw.lives {
		l := &pw.lives[i]
		if t < l.ready || t >= l.end || t >= pw.unready {
			continue
		}
		if connTau <= 0 {
			return 1
		}
		return 1 - math.Exp(-(t-l.ready)/connTau)
	}
	return 0
}

// shareGridFor fills the instance's share grid.
func (in *instance) shareGridFor() {
	wi, w := in.world, in.s.World
	from := in.start - 2*in.step
	n := int(math.Ceil((in.end-from)/shareStep)) + 1
	g := shareGrid{from: from, norm: make([]float64, n), canary: make([]float64, n), baseline: make([]float64, n), ready: make([]float64, n)}
	tau := w.ConnectionTau.Seconds()
	for c := range n {
		t := from + (float64(c)+0.5)*shareStep
		for _, p := range in.pods {
			ramp := p.w.ramp(t, tau)
			if ramp > 0 {
				g.ready[c]++
			}
			switch {
			case p.canary:
				g.canary[c] = ramp
			case p.baseline:
				g.baseline[c] += p.weight * ramp
			default:
				g.norm[c] += p.weight * ramp
				if w.StableAge > 0 && p.w.original && t < p.w.lives[0].ready {
					g.norm[c] += p.weight
				}
			}
		}
	}
	wi.shares = g
}

// rateAt returns a pod's expected request rate at t, in grid cell c.
func (in *instance) rateAt(p *podSim, t float64, c int) float64 {
	s, g := in.s, &in.world.shares
	tau := s.World.ConnectionTau.Seconds()
	ramp := p.w.ramp(t, tau)
	if ramp == 0 {
		return 0
	}
	base := in.daily(t)
	spike := sumEpisodes(in.spikes, t)
	var share float64
	switch {
	case p.canary:
		share = s.CanaryShare * ramp
	case p.baseline:
		share = p.weight * ramp
	case g.norm[c] > 0:
		share = (1 - s.CanaryShare*g.canary[c] - g.baseline[c]) * p.weight * ramp / g.norm[c]
	}
	if tau <= 0 {
		return share * base * (1 + spike)
	}
	// New connections of a spike go to every ready pod alike.
	return share*base + base*spike/math.Max(g.ready[c], 1)
}

// expectedRequests integrates a pod's request rate over (a, b].
func (in *instance) expectedRequests(p *podSim, a, b float64) float64 {
	g := &in.world.shares
	var sum float64
	for c := int((a - g.from) / shareStep); c < len(g.norm); c++ {
		lo := g.from + float64(c)*shareStep
		hi := lo + shareStep
		if lo >= b {
			break
		}
		overlap := math.Min(hi, b) - math.Max(lo, a)
		if overlap <= 0 || c < 0 {
			continue
		}
		sum += overlap * in.rateAt(p, (math.Max(lo, a)+math.Min(hi, b))/2, c)
	}
	return sum
}
