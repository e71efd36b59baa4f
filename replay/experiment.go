package replay

import (
	"fmt"
	"sort"
	"time"

	"github.com/canary-analyzer/canary-analyzer/request"
)

// Experiment is one past Argo experiment of a rollout, judged as the
// experiment AnalysisTemplate judges it: the canary template's pods
// against the baseline template's and against the rollout's stable pods
// (both references).
type Experiment struct {
	Namespace string `json:"namespace"`
	Rollout   string `json:"rollout"`
	// ExperimentName is <rollout>-<hash>-<revision>-<step>; Hash the
	// rollout's pod-template hash it was started for (the new version's).
	ExperimentName string `json:"experiment"`
	Hash           string `json:"hash"`
	Revision       int    `json:"revision"`
	Step           int    `json:"step"`
	// ReplicaSets are its templates' ReplicaSets that had pods, by name.
	ReplicaSets []TemplateReplicaSet `json:"replicaSets"`
	// CanaryReplicaSet and BaselineReplicaSet are the ReplicaSets the
	// analysis compares (Templates), whether or not they had pods;
	// CanaryPods and BaselinePods count their pods.
	CanaryReplicaSet   string `json:"canaryReplicaSet"`
	BaselineReplicaSet string `json:"baselineReplicaSet"`
	CanaryPods         int    `json:"canaryPods"`
	BaselinePods       int    `json:"baselinePods"`
	// StableHash is the rollout's hash with the most pods serving at the
	// start (Argo's podTemplateHashValue: Stable), StablePods its pods then.
	StableHash string `json:"stableHash,omitempty"`
	StablePods int    `json:"stablePods"`
	// Start is the canary template's first sample, to the second (the
	// analysis starts once the templates' pods are available); CanaryEnd
	// its last; End the last sample of any of the experiment's pods.
	Start     time.Time `json:"start"`
	CanaryEnd time.Time `json:"canaryEnd"`
	End       time.Time `json:"end"`
	// History is how the rollout went on (experimentHistory).
	History History `json:"history"`
	// Problems say what the judge will lack (a template without pods).
	Problems []string `json:"problems,omitempty"`
	// NotPlayed says why it was not replayed; empty when it was.
	NotPlayed string `json:"notPlayed,omitempty"`
	// Target is what each look asked, as the experiment template asks:
	// canaryReplicaSet, stableReplicaSet (the baseline), stableHash and
	// rollout (both references).
	Target request.Target `json:"target"`
}

// TemplateReplicaSet is one template's ReplicaSet of an experiment.
type TemplateReplicaSet struct {
	// Template is the template's name; a cut name (Cut) of a template
	// other than the canary's and the baseline's keeps what Kubernetes
	// left of it.
	Template   string   `json:"template"`
	ReplicaSet string   `json:"replicaSet"`
	Cut        bool     `json:"cut,omitempty"`
	Pods       []string `json:"pods"`
}

// Name is namespace/experiment.
func (e Experiment) Name() string { return e.Namespace + "/" + e.ExperimentName }

// Experiments finds the experiments of one namespace that began after
// from (the canary template's first sample, or the experiment's when the
// canary has no pod), with their stable hash and history. ts names the
// compared templates; to is the end of the range.
func Experiments(f Found, ts Templates, from, to time.Time) []Experiment {
	var out []Experiment
	for _, ee := range f.Experiments {
		x := ee.Experiment
		e := Experiment{Namespace: ee.Namespace, Rollout: x.Rollout, ExperimentName: x.Name(), Hash: x.Hash, Revision: x.Revision, Step: x.Step,
			CanaryReplicaSet: x.ReplicaSet(ts.Canary), BaselineReplicaSet: x.ReplicaSet(ts.Baseline), Start: ee.First, End: ee.Last}
		var canary []Pod
		byTemplate := map[string]*TemplateReplicaSet{}
		for _, p := range ee.Pods {
			t := p.Experiment.Template
			rs := byTemplate[t]
			if rs == nil {
				rs = &TemplateReplicaSet{Template: t, ReplicaSet: x.ReplicaSet(t), Cut: p.Experiment.Cut}
				byTemplate[t] = rs
			}
			rs.Pods = append(rs.Pods, p.Name)
			switch t {
			case ts.Canary:
				canary = append(canary, p)
			case ts.Baseline:
				e.BaselinePods++
			}
		}
		for _, rs := range byTemplate {
			e.ReplicaSets = append(e.ReplicaSets, *rs)
		}
		sort.Slice(e.ReplicaSets, func(i, j int) bool { return e.ReplicaSets[i].ReplicaSet < e.ReplicaSets[j].ReplicaSet })
		e.CanaryPods = len(canary)
		if len(canary) > 0 {
			e.Start, e.CanaryEnd = canary[0].First, canary[0].Last
			for _, p := range canary {
				if p.Last.After(e.CanaryEnd) {
					e.CanaryEnd = p.Last
				}
			}
		}
		if !e.Start.After(from) {
			continue // there from the start: when it began is not known
		}
		stable := stableAt(f.Episodes, e.Rollout, e.Hash, e.Start)
		if stable != nil {
			e.StableHash, e.StablePods = stable.Hash, stable.aliveAt(e.Start)
		}
		e.History = experimentHistory(ee, f.Episodes, stable, to)
		e.Target = request.Target{Namespace: e.Namespace, Rollout: e.Rollout, CanaryReplicaSet: e.CanaryReplicaSet,
			StableReplicaSet: e.BaselineReplicaSet, StableHash: e.StableHash}
		e.check(ts)
		out = append(out, e)
	}
	return out
}

// check notes what the judge will lack, and whether the experiment can be
// replayed as its AnalysisRun ran: it needs the canary's pods (the run's
// start) and the stable hash (the request's).
func (e *Experiment) check(ts Templates) {
	if e.CanaryPods == 0 {
		e.NotPlayed = fmt.Sprintf("no pod of its canary template %q (ReplicaSet %s): the analysis never started", ts.Canary, e.CanaryReplicaSet)
		return
	}
	if e.BaselinePods == 0 {
		e.Problems = append(e.Problems, fmt.Sprintf("no pod of its baseline template %q (ReplicaSet %s): the judge has no baseline to compare with, and cannot pass the canary", ts.Baseline, e.BaselineReplicaSet))
	}
	if e.StableHash == "" {
		e.NotPlayed = fmt.Sprintf("no pod of another hash of rollout %s served when it started: the stable hash its analysis was given is not known", e.Rollout)
	}
}

// stableAt is the episode of another hash of the rollout than hash that
// had begun before t and had the most pods at t, nil if none.
func stableAt(eps []Episode, rollout, hash string, t time.Time) *Episode {
	var best *Episode
	n := 0
	for i := range eps {
		s := &eps[i]
		if s.Rollout != rollout || s.Hash == hash || !s.First.Before(t) || s.Last.Before(t) {
			continue
		}
		if k := s.aliveAt(t); k > n {
			best, n = s, k
		}
	}
	return best
}

// experimentHistory tells how the rollout went on after the experiment.
// Its pods go away however it ended, so what tells is whether the
// rollout's new hash served after it: the experiment and the new hash's
// pods that overlap it or begin within episodeGap of its end stand for the
// canary, the stable hash at its start for the stable side, and history
// decides as for a rollout: promoted (the new hash stayed, the stable
// pods went), rolled back (the experiment's pods went and the new hash did
// not serve after them while the stable pods stayed: aborted, or paused
// and never promoted in the range), running, or unknown (also when no
// stable hash is known).
func experimentHistory(ee ExperimentEpisode, eps []Episode, stable *Episode, to time.Time) History {
	if stable == nil {
		return Unknown
	}
	last := ee.Last
	for _, ep := range eps {
		if ep.Rollout == ee.Experiment.Rollout && ep.Hash == ee.Experiment.Hash &&
			!ep.First.After(ee.Last.Add(episodeGap)) && !ep.Last.Before(ee.First) && ep.Last.After(last) {
			last = ep.Last
		}
	}
	return history(last, stable.Last, to)
}
