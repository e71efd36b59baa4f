package canary

import "math"

// countStep is one time step of a count metric seen from the canary:
// canary events and exposure (trials), and the stable pods' events and
// exposure, summed over pods.
type countStep struct {
	pos                  float64
	canaryEvents, canary float64
	stableEvents, stable float64
}

// mantelHaenszel returns the Mantel–Haenszel estimate of the canary's rate
// ratio over the stable pods, stratified by time step,
//
//	RR = Σ_t x_t·e_s,t/e_t / Σ_t s_t·e_c,t/e_t,   e_t = e_c,t + e_s,t,
//
// with x and s the canary's and stable pods' events and e their exposures.
// It is +Inf when only the canary has events and NaN when nobody has.
func mantelHaenszel(steps []countStep) float64 {
	var num, den float64
	for _, s := range steps {
		e := s.canary + s.stable
		if e <= 0 {
			continue
		}
		num += s.canaryEvents * s.stable / e
		den += s.stableEvents * s.canary / e
	}
	switch {
	case num == 0 && den == 0:
		return math.NaN()
	case den == 0:
		return math.Inf(1)
	}
	return num / den
}

// conditionalShare returns, for the time-stratified comparison of the
// canary's events with the stable pods', the total events N = Σ n_t, the
// canary's events X and its expected share under "same rate as the stable
// pods",
//
//	θ̄ = Σ_t n_t·θ_t / N,   θ_t = e_c,t / (e_c,t + e_s,t),
//
// the canary's exposure share at each step weighted by that step's events.
// Given the events of every step, the canary's count is a sum of binomials
// Bin(n_t, θ_t); Bin(N, θ̄) has the same mean and at least its variance, so
// a test against it is conservative. When nobody has events θ̄ is the
// exposure share over all steps.
func conditionalShare(steps []countStep) (n, x, theta float64) {
	var w, ec, et float64
	for _, s := range steps {
		e := s.canary + s.stable
		if e <= 0 {
			continue
		}
		nt := s.canaryEvents + s.stableEvents
		n += nt
		x += s.canaryEvents
		w += nt * s.canary / e
		ec += s.canary
		et += e
	}
	if n > 0 {
		return n, x, w / n
	}
	if et > 0 {
		return 0, 0, ec / et
	}
	return 0, 0, math.NaN()
}

// podCounts is one stable pod's events and exposure per step (NaN =
// missing) on the grid of a count metric.
type podCounts struct {
	events, exposure []float64
}

// dispersion estimates how much more the stable pods' counts vary within
// pods than Poisson counts would. The pods differ by persistent rate
// factors f_k (their spread is estimated and counted apart, see
// podHeterogeneity), so each pod's events at step t are compared with its
// share of the step's events at its own factor: the Poisson model with a
// time and a pod effect,
//
//	E[s_kt] = e_kt·λ_t·f_k,      π_kt = e_kt·f_k / Σ_j e_jt·f_j,
//
// fitted by maximum likelihood (iterative proportional fitting: f_k = its
// events over its expected events, repeated), and Pearson's X² of that fit,
//
//	X² = Σ_t Σ_k (s_kt − S_t·π_kt)² / (S_t·π_kt),
//	df = Σ_t (K_t − 1) − (K − 1),
//
// over the steps with events where at least two pods have exposure (R's
// glm(s ~ factor(t) + factor(pod) + offset(log(e)), family = poisson):
// sum(residuals(fit, "pearson")^2) and df.residual). Pods without events
// in those steps (factor 0) carry no information on the dispersion and
// are left out. Comparing each pod with the plain exposure share instead
// would count the persistent spread twice: once here and once in the
// pods' luck. It returns the shrunken factor φ = max(1, (prior + X²)/
// (prior + df)) (prior pseudo degrees of freedom at φ = 1) and X², df.
func dispersion(pods []podCounts, steps []int, prior float64) (phi, x2, df float64) {
	usable := func(p podCounts, t int) bool {
		return p.exposure[t] > 0 && !math.IsNaN(p.events[t]) && !math.IsNaN(p.exposure[t])
	}
	// The steps with events where at least two pods have exposure, and the
	// pods with events in them.
	total := make([]float64, len(pods))
	var used []int
	for _, t := range steps {
		var st float64
		var kt int
		for _, p := range pods {
			if usable(p, t) {
				st += p.events[t]
				kt++
			}
		}
		if kt >= 2 && st > 0 {
			used = append(used, t)
			for k, p := range pods {
				if usable(p, t) {
					total[k] += p.events[t]
				}
			}
		}
	}
	in := func(k, t int) bool { return total[k] > 0 && usable(pods[k], t) }
	// Steps where fewer than two pods with events remain add nothing.
	var kept []int
	for _, t := range used {
		var kt int
		for k := range pods {
			if in(k, t) {
				kt++
			}
		}
		if kt >= 2 {
			kept = append(kept, t)
		}
	}
	// The fit's targets are the pods' events in the kept steps.
	f := make([]float64, len(pods))
	target := make([]float64, len(pods))
	for _, t := range kept {
		for k, p := range pods {
			if in(k, t) {
				target[k] += p.events[t]
				f[k] = 1
			}
		}
	}
	var kpods int
	step := func(t int) (st, wt float64) {
		for k, p := range pods {
			if in(k, t) {
				st += p.events[t]
				wt += p.exposure[t] * f[k]
			}
		}
		return st, wt
	}
	for range 1000 {
		exp := make([]float64, len(pods))
		for _, t := range kept {
			st, wt := step(t)
			for k, p := range pods {
				if in(k, t) {
					exp[k] += st * p.exposure[t] * f[k] / wt
				}
			}
		}
		change := 0.0
		for k := range pods {
			if exp[k] > 0 {
				r := target[k] / exp[k]
				f[k] *= r
				change = math.Max(change, math.Abs(r-1))
			}
		}
		if change < 1e-13 {
			break
		}
	}
	seen := make([]bool, len(pods))
	for _, t := range kept {
		st, wt := step(t)
		var kt int
		for k, p := range pods {
			if in(k, t) && f[k] > 0 {
				e := st * p.exposure[t] * f[k] / wt
				x2 += (p.events[t] - e) * (p.events[t] - e) / e
				kt++
				seen[k] = true
			}
		}
		if kt >= 2 {
			df += float64(kt - 1)
		}
	}
	for _, s := range seen {
		if s {
			kpods++
		}
	}
	if kpods > 1 {
		df -= float64(kpods - 1)
	}
	if df < 0 {
		df = 0
	}
	phi = math.Max(1, (prior+x2)/(prior+df))
	return phi, x2, df
}

// podHeterogeneity estimates the persistent spread of the stable pods'
// rates (σ of a pod's log rate factor) from their totals over the matched
// window: with X_k a pod's events and E_k = S·e_k/Σe its share of all
// stable events S,
//
//	X²_pods = Σ_k (X_k − E_k)² / E_k,
//	σ̂² = max(0, X²_pods − (K − 1)·φ) / Σ_k E_k,
//
// since Var(X_k) ≈ φ·E_k + σ²·E_k². It returns NaN with fewer than two
// pods with exposure or no events.
func podHeterogeneity(events, exposure []float64, phi float64) float64 {
	var s, e float64
	var k int
	for i := range events {
		if exposure[i] > 0 {
			s += events[i]
			e += exposure[i]
			k++
		}
	}
	if k < 2 || s <= 0 {
		return math.NaN()
	}
	var x2 float64
	for i := range events {
		if exposure[i] > 0 {
			ek := s * exposure[i] / e
			x2 += (events[i] - ek) * (events[i] - ek) / ek
		}
	}
	return math.Max(0, x2-float64(k-1)*phi) / s
}
