package bench

import (
	"math"
	"math/rand/v2"
	"sort"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/canary-analyzer/canary-analyzer/internal/scenario"
)

// BestWithData returns the chance that a judge which knows the generator's
// spreads, but not the pods' own draws, detects the instance's regression
// at one look at canary age `by`, with the per-test level `level` and the
// canary's data of the last `window` before it (NaN where not modelled:
// healthy canaries, memory leaks).
//
// BestPossible sees the canary's level without noise and spends the whole
// run's α on one test; no judge of a real canary can. This bound keeps
// three costs that any judge pays and that are not the judge's choice:
//
//   - the level: the judge watches every metric of its rule set over
//     several looks, so the metric's test at the last look has only its
//     share of α (Budget, Summarize takes it from the judge's answers);
//   - the stable centre: the judge learns it from the K stable pods, so a
//     healthy canary's distance from it varies by σ²·(1 + 1/K), not σ²;
//   - the canary's own noise over its data: the generator's AR(1) noise
//     per scrape (φ, σ) averaged over the window's n scrapes and, for
//     latency, the spread of its N requests' latencies around their
//     median (the stable pods' noise averages over K pods and is left
//     out, so the bound stays above what the data allow).
//
// Latency ×f: the canary's log offset from the centre is normal with
// variance σ_pod²·(1 + 1/K) + Var(mean of n AR(1) steps) + CV²/N (CV² of
// one request's latency, Scenario.RequestLatencyCV2; N the canary's
// requests in the window, at its mean rate); the best test
// rejects above its (1 − level) quantile, so the power is
// Φ(ln f/σ_T − z_{1−level}). CPU ×f per request: the canary's log CPU at
// its load over the model's, minus the mean of the K stable pods' at
// theirs, each pod drawing its idle and per-request factors independently
// (as the generator does), plus the canary's noise; the power of the test
// that rejects above the null's (1 − level) quantile, by Monte Carlo.
// 5xx (×f, or new errors): countModel, the conditional test that
// learns the stable pods' ratio from their counts over the canary's
// window; the Poisson oracle knows it, and takes one canary error as proof
// where the stable pods have none. 404 bursts and crash loops:
// BestPossible at the level (a burst of 404s is far above any rate a
// judge could learn wrongly; a restart is proof).
//
// In a misfit family's World only restarts (proof whatever the world) are
// modelled: its noise over time is not the base model's AR(1) of
// Truth.Spread (node contention, warm-ups, GC, a cache mix), so the bound
// would be the base physics': NaN for every other regression.
func BestWithData(t scenario.Truth, by, window time.Duration, level float64) float64 {
	return bestWithData(t, by, window, level, false)
}

// BestWithDataTogether is BestWithData for a judge that assumes, as
// CanaryJudge does with one PodSpread for a metric with a load, that a
// pod's idle CPU and CPU per request move together (one factor e^{σZ} for
// both) while the generator draws them independently: the test it can
// afford at its false-alarm rate is the one whose null has that wider
// spread. NaN for all but CPU regressions.
func BestWithDataTogether(t scenario.Truth, by, window time.Duration, level float64) float64 {
	if oracleMetric(t.Effects) != "cpu" {
		return math.NaN()
	}
	return bestWithData(t, by, window, level, true)
}

func bestWithData(t scenario.Truth, by, window time.Duration, level float64, together bool) float64 {
	return bestWithDataAt(t, by, window, []float64{level}, together)[0]
}

// bestWithDataAt is bestWithData at each of levels; the 5xx bound's
// distributions are computed once for all of them (BestCeiling asks at a
// grid of levels).
func bestWithDataAt(t scenario.Truth, by, window time.Duration, levels []float64, together bool) []float64 {
	e, s, sp := t.Effects, t.Scenario, t.Spread
	out := make([]float64, len(levels))
	// The number of stable pods, the canary's request rate while it
	// served, and the stable pods' together (they serve the canary's whole
	// age).
	k, stable := 0, 0.0
	for _, p := range t.Pods {
		if !p.Canary {
			k++
			stable += float64(p.Requests)
		}
	}
	age := s.CanaryAge.Seconds()
	rate := float64(t.Canary().Requests) / math.Max(1, age-s.ReadyDelay.Seconds())
	stable /= age
	var counts *countModel // the 5xx bound's distributions, for every level
	if k > 0 && window > 0 && t.World == nil && (factor(e.ErrorFactor) > 1 || e.ExtraErrorRatio > 0) {
		w := window.Seconds()
		counts = newCountModel(rate*w, stable*w, s.ErrorRatio, factor(e.ErrorFactor), e.ExtraErrorRatio, sp.ErrorPodSigma)
	}
	n := int(window / s.Interval)
	for i, level := range levels {
		out[i] = math.NaN()
		if k == 0 || !(level > 0) || window <= 0 {
			continue
		}
		switch {
		case e.CrashLoop || e.RestartAt > 0:
			out[i] = BestPossible(t, by, level)
		case t.World != nil:
			// Left NaN: BestWithData models the base physics only.
		case factor(e.LatencyFactor) > 1:
			v := sp.LatencyPodSigma*sp.LatencyPodSigma*(1+1/float64(k)) + ar1MeanVar(sp.LatencyARPhi, sp.LatencyARSigma, n)
			if nreq := rate * window.Seconds(); nreq > 0 {
				v += s.RequestLatencyCV2() / nreq
			}
			zq := distuv.UnitNormal.Quantile(1 - level)
			out[i] = distuv.UnitNormal.CDF(math.Log(e.LatencyFactor)/math.Sqrt(v) - zq)
		case counts != nil:
			out[i] = counts.power(level)
		case e.NotFoundBurstRatio > 0:
			out[i] = BestPossible(t, by, level)
		case factor(e.CPUFactor) > 1:
			noise := math.Sqrt(ar1MeanVar(sp.CPUNoisePhi, sp.CPUNoiseSigma, n))
			c := cpuDraw{b: s.CPUBaseline, kappa: s.CPUPerRequest, rate: rate, ref: stable / float64(k), sigma: sp.CPUPodSigma, noise: noise, pods: k}
			if together {
				out[i] = cpuTogetherPower(c, e.CPUFactor, level, t.Seed)
			} else {
				out[i] = cpuDataPower(c, e.CPUFactor, level, t.Seed)
			}
		}
	}
	return out
}

// ar1MeanVar returns the variance of the mean of n consecutive steps of a
// stationary AR(1) process with lag-one correlation phi and standard
// deviation sigma: σ²/n·(1 + 2·Σ_{h=1}^{n−1} (1 − h/n)·φ^h).
func ar1MeanVar(phi, sigma float64, n int) float64 {
	if n < 1 {
		return math.NaN()
	}
	s := 1.0
	ph := 1.0
	for h := 1; h < n; h++ {
		ph *= phi
		s += 2 * (1 - float64(h)/float64(n)) * ph
	}
	return sigma * sigma * s / float64(n)
}

// cpuDraw describes the CPU of one instance for cpuDataPower: idle b
// (cores), per-request κ (core-seconds), the canary's and a stable pod's
// request rates, the pods' log spread σ of each factor, the canary's noise
// (the standard deviation of its mean log CPU over the window) and the
// number of stable pods.
type cpuDraw struct {
	b, kappa, rate, ref, sigma, noise float64
	pods                              int
}

// statistic draws the canary's log CPU over the model at its load, less
// the stable pods' mean at theirs, with the canary's per-request factor f.
func (c cpuDraw) statistic(r *rand.Rand, f float64) float64 {
	pod := func(rate, f float64) float64 {
		y := c.b*math.Exp(c.sigma*r.NormFloat64()) + f*c.kappa*math.Exp(c.sigma*r.NormFloat64())*rate
		return math.Log(y / (c.b + c.kappa*rate))
	}
	var centre float64
	for range c.pods {
		centre += pod(c.ref, 1)
	}
	return pod(c.rate, f) - centre/float64(c.pods) + c.noise*r.NormFloat64()
}

// cpuTogetherPower returns, by Monte Carlo, the power of the test that
// rejects when the statistic (drawn as the generator does) exceeds the
// (1 − level) quantile of the statistic of a null in which each pod's
// idle and per-request factors are one: the test of a judge that assumes
// they move together.
func cpuTogetherPower(c cpuDraw, f, level float64, seed uint64) float64 {
	r := rand.New(rand.NewPCG(seed, 10))
	pod := func(rate float64) float64 {
		u := math.Exp(c.sigma * r.NormFloat64())
		return math.Log((c.b*u + c.kappa*u*rate) / (c.b + c.kappa*rate))
	}
	null := func() float64 {
		var centre float64
		for range c.pods {
			centre += pod(c.ref)
		}
		return pod(c.rate) - centre/float64(c.pods) + c.noise*r.NormFloat64()
	}
	return mcPower(null, func() float64 { return c.statistic(r, f) }, level, dataDraws(level))
}

// cpuDataPower returns, by Monte Carlo, the power of the test that
// rejects when the statistic exceeds its null's (1 − level) quantile.
func cpuDataPower(c cpuDraw, f, level float64, seed uint64) float64 {
	r := rand.New(rand.NewPCG(seed, 9))
	return mcPower(func() float64 { return c.statistic(r, 1) }, func() float64 { return c.statistic(r, f) }, level, dataDraws(level))
}

// dataDraws is how many draws the data bounds' Monte Carlo tests take:
// enough that the null's quantile rests on at least 50 of them, 20000 at
// least.
func dataDraws(level float64) int { return max(20000, int(math.Ceil(50/level))) }

// mcPower returns the share of draws of alt above the (1 − level)
// quantile of as many draws of null.
func mcPower(null, alt func() float64, level float64, draws int) float64 {
	nulls := make([]float64, draws)
	for i := range nulls {
		nulls[i] = null()
	}
	sort.Float64s(nulls)
	q := nulls[int(math.Ceil((1-level)*float64(draws)))-1]
	hits := 0
	for range draws {
		if alt() > q {
			hits++
		}
	}
	return float64(hits) / float64(draws)
}
