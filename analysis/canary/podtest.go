package canary

import (
	"fmt"
	"math"

	"github.com/canary-analyzer/canary-analyzer/analysis/stats"
)

// podTestInput holds what the one-against-many test needs: one statistic
// (a mean log ratio, a slope) of the canary and of each stable pod, all
// measured against the stable pods' common centre at the same timestamps.
type podTestInput struct {
	// Canary is the canary's statistic D_c (the mean over its pods when it
	// has several).
	Canary float64
	// Stable are the stable pods' statistics D_k.
	Stable []float64
	// StableNoise is the variance a single stable pod's statistic owes to
	// the noise in the window (v_s); it is removed from the observed spread
	// to leave the persistent spread between pods.
	StableNoise float64
	// CanaryNoise is the variance of the canary's statistic owed to noise
	// (its own and the centre's), and CanaryNoiseDF its degrees of freedom.
	CanaryNoise, CanaryNoiseDF float64
	// Prior is the prior standard deviation of the persistent spread
	// between pods, worth PriorPods pods.
	Prior, PriorPods float64
	// CanaryPods is the number of canary pods averaged in Canary (C).
	CanaryPods int
	// Extra is a further variance of the canary's statistic, known up to
	// ExtraDF degrees of freedom (the fitted slope of a load model).
	Extra, ExtraDF float64
}

// podTest is the result of the one-against-many test: the canary is judged
// as one more pod drawn from the population of the stable pods,
//
//	σ_b²   = (ν0·τ0² + (K−1)·max(0, s² − v_s)) / (ν0 + K − 1)
//	Var    = σ_b²·(1/C + 1/K) + w_c + v_x
//	T      = D_c / √Var,   T ~ t(df)
//	df     = Var² / ((σ_b²(1/C+1/K))² / (ν0+K−1) + w_c² / df_c + v_x² / df_x)   (Welch–Satterthwaite)
//
// where s² is the sample variance of the stable pods' statistics, τ0 and
// ν0 the prior spread and its weight, C the canary pods, K the stable pods
// and v_x an extra variance (Extra, on df_x degrees of freedom; zero for
// most metrics).
type podTest struct {
	// Observed is the sample standard deviation of the stable pods'
	// statistics (s; NaN with fewer than two pods) and Between the
	// persistent spread it implies (√max(0, s² − v_s)).
	Observed, Between float64
	// Pooled is σ_b, the spread used: Between pooled with the prior.
	Pooled float64
	// SE is √Var, DF the degrees of freedom and T the statistic.
	SE, DF, T float64
	// Upper and Lower are the one-sided p-values P(t ≥ T) and P(t ≤ T).
	Upper, Lower float64
}

// run computes the one-against-many test.
func (in podTestInput) run() podTest {
	k := len(in.Stable)
	c := in.CanaryPods
	if c < 1 {
		c = 1
	}
	out := podTest{Observed: math.NaN(), Between: math.NaN()}
	var s2 float64
	if k >= 2 {
		s2 = stats.Variance(in.Stable)
		out.Observed = math.Sqrt(s2)
		out.Between = math.Sqrt(math.Max(0, s2-in.StableNoise))
	}
	priorDF := in.PriorPods
	dataDF := float64(k - 1)
	if k < 2 {
		dataDF = 0
	}
	var between2 float64
	if dataDF > 0 {
		between2 = math.Max(0, s2-in.StableNoise)
	}
	var sb2 float64
	if priorDF+dataDF > 0 {
		sb2 = (priorDF*in.Prior*in.Prior + dataDF*between2) / (priorDF + dataDF)
	}
	out.Pooled = math.Sqrt(sb2)
	ka := 1.0 / float64(c)
	if k > 0 {
		ka += 1.0 / float64(k)
	}
	a := sb2 * ka
	b := in.CanaryNoise
	v := a + b + in.Extra
	out.SE = math.Sqrt(v)
	out.DF = stats.Satterthwaite([]float64{a, b, in.Extra}, []float64{priorDF + dataDF, in.CanaryNoiseDF, in.ExtraDF})
	out.T = in.Canary / out.SE
	out.Upper, out.Lower = stats.TTails(out.T, out.DF)
	if v == 0 || math.IsNaN(v) {
		out.T = math.NaN()
		switch {
		case in.Canary > 0:
			out.Upper, out.Lower = 0, 1
		case in.Canary < 0:
			out.Upper, out.Lower = 1, 0
		default:
			out.Upper, out.Lower = 1, 1
		}
	}
	return out
}

// podRank is where the canary ranks among the stable pods by a statistic:
// Position 1 is the lowest, Of = stable pods + 1 the highest possible.
type podRank struct {
	Position, Of int
}

// rankAmong ranks canary among stable (ties share the lower position
// plus half of the tied ones, rounded down).
func rankAmong(canary float64, stable []float64) podRank {
	below, ties := 0, 0
	for _, v := range stable {
		switch {
		case v < canary:
			below++
		case v == canary:
			ties++
		}
	}
	return podRank{Position: 1 + below + ties/2, Of: len(stable) + 1}
}

// text describes the rank in words.
func (r podRank) text() string {
	switch {
	case r.Of <= 1:
		return "no stable pod to rank against"
	case r.Position == r.Of:
		return fmt.Sprintf("highest of %d pods (above all %d stable pods)", r.Of, r.Of-1)
	case r.Position == 1:
		return fmt.Sprintf("lowest of %d pods (below all %d stable pods)", r.Of, r.Of-1)
	}
	return fmt.Sprintf("%d of %d from the lowest (inside the stable pods' range)", r.Position, r.Of)
}
