package stats

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// SpreadGroup is one group of pods measured together (the stable pods of
// one ReplicaSet at one judgement): Var is the sample variance of their
// levels, on Pods − 1 degrees of freedom, and Noise the part of it their
// windows' noise explains.
type SpreadGroup struct {
	Var, Noise float64
	Pods       int
}

// PooledSpread is the spread between pods pooled over groups: Estimate
// with its central interval [Lower, Upper], on DF degrees of freedom from
// Groups groups.
type PooledSpread struct {
	Estimate, Lower, Upper float64
	DF, Groups             int
}

// PoolSpread pools the groups' variances, each weighted by its degrees of
// freedom, and returns the spread with its central interval at level conf:
//
//	S = Σ (n_g − 1)·s²_g / D,   V = Σ (n_g − 1)·v_g / D,   D = Σ (n_g − 1)
//	σ̂ = √max(0, S − V),   σ² in [D·S/χ²_{(1+conf)/2}(D) − V, D·S/χ²_{(1−conf)/2}(D) − V]
//
// treating V as known (it is estimated from many more samples than S).
// Groups with fewer than two pods or NaN carry nothing; with none the
// spread and its interval are NaN.
func PoolSpread(groups []SpreadGroup, conf float64) PooledSpread {
	var p PooledSpread
	var s, v float64
	for _, g := range groups {
		if g.Pods < 2 || math.IsNaN(g.Var) || math.IsNaN(g.Noise) {
			continue
		}
		df := float64(g.Pods - 1)
		s += df * g.Var
		v += df * g.Noise
		p.DF += g.Pods - 1
		p.Groups++
	}
	if p.DF == 0 {
		p.Estimate, p.Lower, p.Upper = math.NaN(), math.NaN(), math.NaN()
		return p
	}
	d := float64(p.DF)
	s, v = s/d, v/d
	chi := distuv.ChiSquared{K: d}
	p.Estimate = math.Sqrt(math.Max(0, s-v))
	p.Lower = math.Sqrt(math.Max(0, d*s/chi.Quantile((1+conf)/2)-v))
	p.Upper = math.Sqrt(math.Max(0, d*s/chi.Quantile((1-conf)/2)-v))
	return p
}
