package scenario

import (
	"math"
	"math/rand/v2"
)

// Streams of the seeded PCG generator. Each part of an instance draws from
// its own stream so that, for one seed, scenarios that differ only in their
// effects share the same pods, traffic and noise (paired comparisons).
const (
	streamNuisance = 1   // knobs a family draws per seed
	streamNames    = 2   // template hashes and pod suffixes
	streamShared   = 3   // spikes, slow-dependency episodes, shared noise
	streamCrash    = 4   // crash-loop schedule
	streamAlign    = 5   // the canary's delay to its first sample (Scenario.Aligned)
	streamWorld    = 6   // a World's nodes, targets, events and shared mix
	streamBaseline = 7   // the baseline pods' hash and names (their parameters: streamPod+300+i)
	streamPod      = 100 // plus the pod index: per-pod parameters and noise
)

// worldSalt changes the seed of every stream of a World instance, so that
// the misfit families share no draw with the base families' instances of
// the same seed (whose seeds may be another range's tuning seeds).
const worldSalt = 0x6d697366697421

// mix64 is SplitMix64's finaliser: a well-mixed 64-bit hash of x.
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// chance returns a uniform number in [0, 1) fixed by its arguments: the
// draws (a missed scrape of a target at a time) that must not depend on
// the order of the simulation.
func chance(seed, a, b uint64) float64 {
	return float64(mix64(mix64(seed^mix64(a))^b)>>11) / (1 << 53)
}

func newRand(seed, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, stream))
}

// poisson draws from the Poisson distribution with mean lambda.
//
// Below a mean of 10 it inverts the CDF by sequential search; above it uses
// Hörmann's transformed rejection with squeeze (PTRS, "The transformed
// rejection method for generating Poisson random variables", 1993), which
// is exact and takes about one iteration per draw.
func poisson(r *rand.Rand, lambda float64) int64 {
	switch {
	case lambda <= 0:
		return 0
	case lambda < 10:
		// P(0) = e^-λ; P(k) = P(k-1) λ/k.
		u := r.Float64()
		p := math.Exp(-lambda)
		cdf := p
		var k int64
		for u > cdf {
			k++
			p *= lambda / float64(k)
			cdf += p
			if p < 1e-300 && float64(k) > lambda {
				break // u fell in the rounding gap at the far tail
			}
		}
		return k
	}
	slam := math.Sqrt(lambda)
	logLam := math.Log(lambda)
	b := 0.931 + 2.53*slam
	a := -0.059 + 0.02483*b
	invAlpha := 1.1239 + 1.1328/(b-3.4)
	vr := 0.9277 - 3.6224/(b-2)
	for {
		u := r.Float64() - 0.5
		v := r.Float64()
		us := 0.5 - math.Abs(u)
		k := math.Floor((2*a/us+b)*u + lambda + 0.43)
		if us >= 0.07 && v <= vr {
			return int64(k)
		}
		if k < 0 || (us < 0.013 && v > us) {
			continue
		}
		lg, _ := math.Lgamma(k + 1)
		if math.Log(v)+math.Log(invAlpha)-math.Log(a/(us*us)+b) <= -lambda+k*logLam-lg {
			return int64(k)
		}
	}
}

// uniform draws from [lo, hi).
func uniform(r *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }

// logUniform draws from [lo, hi) with a uniform logarithm.
func logUniform(r *rand.Rand, lo, hi float64) float64 {
	return math.Exp(uniform(r, math.Log(lo), math.Log(hi)))
}

// logNormal draws exp(N(0, sigma²)): a multiplicative offset with median 1.
func logNormal(r *rand.Rand, sigma float64) float64 { return math.Exp(sigma * r.NormFloat64()) }

// ar1 is a stationary first-order autoregressive process
//
//	x[k] = φ x[k-1] + σ √(1-φ²) ε[k],  ε[k] ~ N(0, 1),
//
// whose marginal distribution is N(0, σ²) at every step.
type ar1 struct {
	phi, sigma, x float64
}

func newAR1(r *rand.Rand, phi, sigma float64) ar1 {
	return ar1{phi: phi, sigma: sigma, x: sigma * r.NormFloat64()}
}

func (a *ar1) next(r *rand.Rand) float64 {
	a.x = a.phi*a.x + a.sigma*math.Sqrt(1-a.phi*a.phi)*r.NormFloat64()
	return a.x
}
