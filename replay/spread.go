package replay

import (
	"fmt"
	"math"
	"sort"

	"github.com/canary-analyzer/canary-analyzer/analysis/stats"
)

// SpreadEstimate is one value metric's spread between healthy pods,
// measured on the service's own data: the stable pods' levels at the
// judgements a replay made, pooled over the stable ReplicaSets it saw. It
// is what the metric's podSpread (the judge's prior) stands for.
type SpreadEstimate struct {
	Metric string `json:"metric"`
	// Prior is the rule set's podSpread for the metric.
	Prior float64 `json:"prior"`
	// Estimate is the pooled spread, √max(0, S − V), with S the pooled
	// variance of the stable pods' levels and V the part the windows'
	// noise explains; Lower and Upper its 90% interval (S's χ² interval
	// on DF degrees of freedom, less V).
	Estimate float64 `json:"estimate"`
	Lower    float64 `json:"lower"`
	Upper    float64 `json:"upper"`
	// DF is Σ (pods − 1) over the stable ReplicaSets, Groups their number
	// and Runs the runs that measured one.
	DF     int `json:"df"`
	Groups int `json:"groups"`
	Runs   int `json:"runs"`
	// Advice compares Prior with the interval in words.
	Advice string `json:"advice"`
}

// minSpreadDF is the fewest degrees of freedom an estimate needs before it
// advises: with fewer the 90% interval spans more than a factor of two.
const minSpreadDF = 10

// spreadGroup is what the runs against one stable ReplicaSet measured: the
// mean variance of its pods' levels and of their noise, and its pods.
type spreadGroup struct {
	s2, v2 float64
	n      int
	pods   int
	prior  float64
}

// spreadSamples returns every run's last spread of each metric, keyed by
// metric and then by the stable ReplicaSet (namespace/hash) it measured.
func (r *Report) spreadSamples(k int) map[string]map[string]*spreadGroup {
	out := map[string]map[string]*spreadGroup{}
	add := func(group string, run Run) {
		last := map[string]*SpreadSample{}
		for _, l := range run.Looks {
			for _, m := range l.Metrics {
				if m.Spread != nil {
					last[m.Name] = m.Spread
				}
			}
		}
		for name, sp := range last {
			if out[name] == nil {
				out[name] = map[string]*spreadGroup{}
			}
			g := out[name][group]
			if g == nil {
				g = &spreadGroup{}
				out[name][group] = g
			}
			g.s2 += sp.Observed * sp.Observed
			g.v2 += sp.Noise * sp.Noise
			g.n++
			g.pods = max(g.pods, sp.Pods)
			g.prior = sp.Prior
		}
	}
	for _, x := range r.Rollouts {
		add(x.Namespace+"/"+x.StableHash, x.Runs[k])
	}
	for _, x := range r.Pretend {
		add(x.Namespace+"/"+x.Hash, x.Runs[k])
	}
	return out
}

// spreadEstimates pools each metric's groups, in the order of names.
func spreadEstimates(groups map[string]map[string]*spreadGroup, names []string) []SpreadEstimate {
	var out []SpreadEstimate
	for _, name := range names {
		gs := groups[name]
		if len(gs) == 0 {
			continue
		}
		keys := make([]string, 0, len(gs))
		for key := range gs {
			keys = append(keys, key)
		}
		sort.Strings(keys)
		var in []stats.SpreadGroup
		prior := math.NaN()
		runs := 0
		for _, key := range keys {
			g := gs[key]
			in = append(in, stats.SpreadGroup{Var: g.s2 / float64(g.n), Noise: g.v2 / float64(g.n), Pods: g.pods})
			prior = g.prior
			runs += g.n
		}
		p := stats.PoolSpread(in, 0.9)
		if p.DF == 0 {
			continue
		}
		e := SpreadEstimate{Metric: name, Prior: prior, Runs: runs,
			Estimate: p.Estimate, Lower: p.Lower, Upper: p.Upper, DF: p.DF, Groups: p.Groups}
		e.Advice = e.advice()
		out = append(out, e)
	}
	return out
}

// advice says how the prior compares with the measured interval.
func (e SpreadEstimate) advice() string {
	switch {
	case math.IsNaN(e.Prior) || math.IsNaN(e.Estimate):
		return "nothing to compare"
	case e.DF < minSpreadDF:
		return fmt.Sprintf("too few stable pods to tell (%d degrees of freedom, at least %d needed): replay a longer range or more A/A runs", e.DF, minSpreadDF)
	case e.Prior < e.Lower:
		return fmt.Sprintf("podSpread %.3g is below the measured spread: healthy canaries fail more often than alpha allows; raise it to about %.2g", e.Prior, e.Estimate)
	case e.Prior > e.Upper:
		return fmt.Sprintf("podSpread %.3g is above the measured spread: the judge needs larger changes than these pods' spread; it could be lowered to about %.2g (keep it wider where the canary may land on nodes these pods did not)", e.Prior, e.Estimate)
	default:
		return fmt.Sprintf("podSpread %.3g is within the measured interval", e.Prior)
	}
}
