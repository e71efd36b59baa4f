package bench

import (
	"math"
	"math/rand/v2"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/canary-analyzer/canary-analyzer/internal/scenario"
)

// OracleAlpha is the false-alarm rate per AnalysisRun the oracle may spend:
// the benchmark's target.
const OracleAlpha = 0.01

// BestPossible returns the chance that the best possible judge detects the
// instance's regression by canary age by, at a false-alarm rate of alpha
// per run, or NaN when the family's limit is not computed (healthy
// canaries; memory leaks, whose growth no healthy pod shows; in a misfit
// family's World, all but the cases below).
//
// The oracle knows everything about the generator except the canary pod's
// own draws (its "luck": node, neighbours, its own error and CPU factors),
// which no judge can tell from a regression of the same size. It spends
// the whole of alpha on one test, and for value metrics it sees the
// canary's level without noise (as after infinitely many samples), so the
// result bounds what any judge can do with the same data. docs/benchmark.md
// states the formulas:
//
//   - latency ×f: a healthy canary's log latency offset is N(0, σ²) with σ
//     the instance's pod spread; the best test rejects above z_{1−α}·σ, so
//     the limit is Φ(ln f/σ − z_{1−α});
//   - 5xx (×f, or new errors): the canary's 5xx count X over its N
//     requests by age `by` is Poisson with mean N·r·F (healthy) or
//     N·(r·F·f + extra) (regressed), F the canary's log-normal error
//     factor; the limit is the power of the randomized level-α test that
//     rejects for large X (the likelihood ratio of these scale mixtures
//     increases with X);
//   - 404 burst: the same for the 404s of the burst's minutes;
//   - CPU ×f per request: the canary's noise-free CPU (cores) at its own
//     request rate is b·e^{σZ₁} + κ·e^{σZ₂}·rate (·f when regressed), with
//     the generator's idle b and per-request κ; the limit is the power of
//     the level-α test that rejects for high CPU (Monte Carlo);
//   - crash loop or a single restart: a healthy fresh pod never restarts,
//     so one restart is proof: 1 when the canary restarted by `by`.
//
// In a misfit family's World (Truth.World) the same bounds hold where the
// World's physics keeps their form, each computed from the scenario's
// knobs (so that result files of earlier runs get them too):
//
//   - latency ×f: a pod's log latency offset is half its node's log speed
//     plus its own offset, σ World.LatencySpread's total (above the pod
//     spread where the nodes differ more than the pods). The canary's node
//     counts as its luck, as its neighbours do; a judge that reads the
//     node placement and compares the canary with the stable pods on its
//     own node could beat the bound. The World's warm-up, node contention,
//     throttling and spike reactions are left out (the level is seen
//     without noise), so the bound is generous;
//   - a cache-miss regression of a bimodal latency (×f on the requests the
//     cache does not answer): f is the largest factor by which any level
//     of the canary's latency moves (its mean moves less, by
//     Truth.World.MeanLatencyRatio, but its upper quantiles, made of
//     misses, by f, and a judge may read either); a judge that reads the
//     distribution's shape (the cache hits' level beside the misses')
//     could tell the pod's own offset from the regression and beat it;
//   - 5xx: as in the base model; the World's warm-up errors and
//     slow-dependency episodes, which add to healthy and regressed
//     canaries alike, are left out (generous);
//   - CPU ×f per request: only where CPU is linear in load and unlimited
//     (World.CPU's Exponent 1, no LimitFactor): the canary's noise-free
//     CPU is S·(b·e^{σ_r Z₁} + f·κ·e^{σ_r Z₂}·rate), S its node's speed
//     (log-normal, σ World.NodeSpread, its luck as above) and σ_r
//     World.ResidualSpread; GC, JIT, start-up and cache-refresh CPU are
//     left out (generous). With a CPU limit (cpu-nonlinear, which also
//     bends the CPU per request with load by a power law) it is NaN: the
//     limit caps the usage smoothly, so a regressed canary near it shows
//     less than f in its CPU and the rest in latency and in the CFS
//     throttling counters, signals a bound on one CPU level does not
//     cover (a judge reading them could beat it), and leaving the cap out
//     would bound nothing of what makes these canaries hard;
//   - restarts: as in the base model (proof whatever the world);
//   - everything else: NaN.
func BestPossible(t scenario.Truth, by time.Duration, alpha float64) float64 {
	e := t.Effects
	s := t.Scenario
	w := s.World
	c := t.Canary()
	// Requests the canary served by age `by`: the truth counts those of
	// its whole data (canary age s.CanaryAge), served at a steady share.
	age := s.CanaryAge.Seconds()
	frac := math.Min(1, by.Seconds()/age)
	n := float64(c.Requests) * frac
	zq := distuv.UnitNormal.Quantile(1 - alpha)
	switch {
	case e.CrashLoop || e.RestartAt > 0:
		for _, r := range t.CanaryRestarts {
			if r.Sub(t.CanaryStart) <= by {
				return 1
			}
		}
		return 0
	case factor(e.LatencyFactor) > 1 || factor(e.DynamicLatencyFactor) > 1:
		sigma := t.Spread.LatencyPodSigma
		if w != nil {
			sigma, _ = w.LatencySpread(s.PodSpread)
		}
		f := factor(e.LatencyFactor) * factor(e.DynamicLatencyFactor)
		return distuv.UnitNormal.CDF(math.Log(f)/sigma - zq)
	case factor(e.ErrorFactor) > 1 || e.ExtraErrorRatio > 0:
		return poissonMixturePower(n*s.ErrorRatio, factor(e.ErrorFactor), n*e.ExtraErrorRatio, t.Spread.ErrorPodSigma, alpha)
	case e.NotFoundBurstRatio > 0 && w == nil:
		from := e.NotFoundBurstStart.Seconds()
		to := math.Min((e.NotFoundBurstStart + e.NotFoundBurstDuration).Seconds(), by.Seconds())
		nb := float64(c.Requests) * math.Max(0, to-from) / age
		return poissonMixturePower(nb*s.NotFoundRatio, 1, nb*e.NotFoundBurstRatio, 0, alpha)
	case factor(e.CPUFactor) > 1:
		// The canary's mean request rate while it served.
		rate := float64(c.Requests) / math.Max(1, age-s.ReadyDelay.Seconds())
		if w == nil {
			return cpuLevelPower(s.CPUBaseline, s.CPUPerRequest, rate, e.CPUFactor, t.Spread.CPUPodSigma, 0, alpha, t.Seed)
		}
		if linear := w.CPU.Exponent == 1 || w.CPU.Exponent == 0; !linear || w.CPU.LimitFactor != 0 {
			return math.NaN()
		}
		return cpuLevelPower(s.CPUBaseline, s.CPUPerRequest, rate, e.CPUFactor, w.ResidualSpread, w.NodeSpread, alpha, t.Seed)
	}
	return math.NaN()
}

// factor returns f, or 1 for the zero value (an effect that is not set).
func factor(f float64) float64 {
	if f == 0 {
		return 1
	}
	return f
}

// logNormalNodes returns Gauss–Hermite-like nodes and weights for a
// log-normal factor e^{σZ}: an equally spaced grid over ±6σ weighted by the
// normal density (exact enough for the smooth Poisson tails it averages).
func logNormalNodes(sigma float64) (f, w []float64) {
	if sigma <= 0 {
		return []float64{1}, []float64{1}
	}
	const k = 121
	var sum float64
	for i := range k {
		z := -6 + 12*float64(i)/float64(k-1)
		f = append(f, math.Exp(sigma*z))
		d := math.Exp(-z * z / 2)
		w = append(w, d)
		sum += d
	}
	for i := range w {
		w[i] /= sum
	}
	return f, w
}

// poissonMixturePower returns the power of the randomized level-alpha test
// that rejects for large X when X is Poisson with mean mu·F (null) or
// mu·F·f + extra (alternative), F log-normal with log-σ sigma.
func poissonMixturePower(mu, f, extra, sigma, alpha float64) float64 {
	nodes, weights := logNormalNodes(sigma)
	tail := func(k int, alt bool) float64 { // P(X >= k)
		var p float64
		for i, F := range nodes {
			m := mu * F
			if alt {
				m = mu*F*f + extra
			}
			p += weights[i] * poissonTail(k, m)
		}
		return p
	}
	if mu <= 0 {
		// No events are possible under the null: one event is proof.
		return tail(1, true)
	}
	// The smallest k with P0(X ≥ k) ≤ alpha, randomized at k−1.
	k := 0
	for tail(k, false) > alpha {
		k++
	}
	p0k, p0prev := tail(k, false), tail(k-1, false)
	gamma := 0.0
	if k > 0 && p0prev > p0k {
		gamma = (alpha - p0k) / (p0prev - p0k)
	}
	power := tail(k, true)
	if k > 0 {
		power += gamma * (tail(k-1, true) - power)
	}
	return power
}

// poissonTail returns P(X ≥ k) for X ~ Poisson(m).
func poissonTail(k int, m float64) float64 {
	if k <= 0 {
		return 1
	}
	if m <= 0 {
		return 0
	}
	// 1 − Σ_{j<k} e^{−m} m^j / j!, summed in log space.
	var cdf float64
	lp := -m
	for j := range k {
		if j > 0 {
			lp += math.Log(m) - math.Log(float64(j))
		}
		cdf += math.Exp(lp)
	}
	return math.Max(0, 1-cdf)
}

// cpuLevelPower returns, by Monte Carlo, the power of the level-alpha test
// that rejects for a high noise-free CPU level of the canary,
// S·(b·e^{σZ₁} + κ·e^{σZ₂}·rate) under the null and with κ·f under the
// alternative, S = e^{σ_node·Z₀} its node's speed (1 for node = 0, the
// base model's pods, which draw no node).
func cpuLevelPower(b, kappa, rate, f, sigma, node, alpha float64, seed uint64) float64 {
	r := rand.New(rand.NewPCG(seed, 7))
	level := func(f float64) func() float64 {
		return func() float64 {
			c := b*math.Exp(sigma*r.NormFloat64()) + f*kappa*math.Exp(sigma*r.NormFloat64())*rate
			if node > 0 {
				c *= math.Exp(node * r.NormFloat64())
			}
			return c
		}
	}
	return mcPower(level(1), level(f), alpha, cpuDraws)
}

// cpuDraws is how many draws of each hypothesis cpuLevelPower takes.
const cpuDraws = 20000

// BestPossibleWithoutIdle returns, for a CPU regression, the chance that
// the best judge that does not know the service's idle CPU detects it at
// a false-alarm rate of alpha per run (NaN for other families). Such a
// judge knows a stable pod's noise-free CPU at a stable pod's load but not
// how much of it is idle; to keep its false alarms at alpha for every idle
// share it must assume the worst one: all idle when the canary serves less
// than a stable pod, none when it serves more. It rejects when the
// canary's CPU over the larger of its load and a stable pod's exceeds a
// stable pod's CPU per request by the pods' spread at level alpha.
//
// It bounds judges of CPU per request only. A judge that estimates the
// idle CPU from the data (the stable pods' CPU against their own load over
// the window, as CanaryJudge does for a metric with a load query) is not
// bound by it: BestPossible, which knows the idle CPU, is its bound, and it
// falls short of that by what estimating the idle CPU and the CPU per
// request from a window of stable data costs.
//
// NaN in a World: its pods' CPU spread is the node's and the residuals'
// (World.NodeSpread, ResidualSpread), not the base model's one CPU spread
// this bound is written for.
func BestPossibleWithoutIdle(t scenario.Truth, alpha float64) float64 {
	e, s := t.Effects, t.Scenario
	if !(factor(e.CPUFactor) > 1) || s.World != nil {
		return math.NaN()
	}
	serving := math.Max(1, s.CanaryAge.Seconds()-s.ReadyDelay.Seconds())
	rate := float64(t.Canary().Requests) / serving
	var stable float64
	var k int
	for _, p := range t.Pods {
		if !p.Canary {
			stable += float64(p.Requests)
			k++
		}
	}
	if k == 0 {
		return math.NaN()
	}
	ref := stable / float64(k) / s.CanaryAge.Seconds()
	return cpuMinimaxPower(s.CPUBaseline, s.CPUPerRequest, rate, ref, e.CPUFactor, t.Spread.CPUPodSigma, alpha, t.Seed)
}

// cpuMinimaxPower returns, by Monte Carlo, the power of the test that
// rejects when C/max(rate, ref) > (b + κ·ref)/ref · e^{σ·z_{1−α}}, C the
// canary's noise-free CPU b·e^{σZ₁} + f·κ·e^{σZ₂}·rate: its size is at most
// alpha whatever the idle share of the stable pods' CPU (at an idle share
// of 1 when rate < ref, of 0 when rate ≥ ref it is exactly alpha).
func cpuMinimaxPower(b, kappa, rate, ref, f, sigma, alpha float64, seed uint64) float64 {
	const draws = 20000
	r := rand.New(rand.NewPCG(seed, 8))
	limit := (b + kappa*ref) / ref * math.Exp(sigma*distuv.UnitNormal.Quantile(1-alpha))
	hits := 0
	for range draws {
		c := b*math.Exp(sigma*r.NormFloat64()) + f*kappa*math.Exp(sigma*r.NormFloat64())*rate
		if c/math.Max(rate, ref) > limit {
			hits++
		}
	}
	return float64(hits) / draws
}
