package replay

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/providers"
	"github.com/canary-analyzer/canary-analyzer/request"
	"github.com/canary-analyzer/canary-analyzer/rules"
)

// episodeGap is the longest time without any pod of a hash within one
// episode of it: a hash seen again after a longer gap (a rollback to an
// older revision, whose ReplicaSet keeps its hash) starts a new episode.
const episodeGap = 10 * time.Minute

// maxPoints bounds the points of one presence query; longer ranges are
// asked in pieces (Prometheus refuses more than 11,000 points per series).
const maxPoints = 10000

// History says how a rollout ended, as far as the data tell.
type History string

// Histories.
const (
	// Promoted: the stable pods went away and the canary's hash stayed.
	Promoted History = "promoted"
	// RolledBack: the canary's pods went away and the stable ones stayed.
	RolledBack History = "rolled back"
	// Running: both were still there at the end of the range.
	Running History = "running"
	// Unknown: both went away at about the same time.
	Unknown History = "unknown"
)

// Pod is one pod seen by the presence query.
type Pod struct {
	Name    string
	Rollout string
	Hash    string
	// First and Last are its first and last steps with a sample.
	First, Last time.Time
	// Experiment is set for a pod of an Argo experiment's ReplicaSet;
	// Rollout and Hash are then the experiment's rollout and hash.
	Experiment *ExperimentPod
}

// Episode is one continuous presence of a hash: its pods, from the first
// one's first step to the last one's last step.
type Episode struct {
	Namespace   string
	Rollout     string
	Hash        string
	Pods        []Pod
	First, Last time.Time
}

// aliveAt counts the episode's pods present at t.
func (e *Episode) aliveAt(t time.Time) int {
	n := 0
	for _, p := range e.Pods {
		if !p.First.After(t) && !p.Last.Before(t) {
			n++
		}
	}
	return n
}

// Rollout is one past rollout: a hash that appeared while another served.
type Rollout struct {
	Namespace  string   `json:"namespace"`
	Rollout    string   `json:"rollout,omitempty"`
	CanaryHash string   `json:"canaryHash"`
	StableHash string   `json:"stableHash"`
	CanaryPods []string `json:"canaryPods"`
	StablePods int      `json:"stablePods"`
	// Start is the canary's first step with a sample: the AnalysisRun is
	// taken to start then (the analysis step begins once the canary pod is
	// ready, within a scrape or two of its first sample).
	Start time.Time `json:"start"`
	// CanaryEnd is the canary's last step with a sample in the range.
	CanaryEnd time.Time `json:"canaryEnd"`
	History   History   `json:"history"`
}

// Name is namespace/rollout, or namespace/hash without a rollout name.
func (r Rollout) Name() string {
	if r.Rollout != "" {
		return r.Namespace + "/" + r.Rollout
	}
	return r.Namespace + "/" + r.CanaryHash
}

// Presence is the query that tells when pods existed, and how to read
// their names and hashes from its series.
type Presence struct {
	// Template renders the query for one namespace; {{.Pods}},
	// {{.CanaryPods}} and {{.StablePods}} match every pod of the rollout.
	Template *rules.Template
	Pods     rules.PodMatching
	Step     time.Duration
	// Templates name the experiments' canary and baseline templates, so
	// that their pods are recognised where Kubernetes cut their names
	// (DefaultTemplates when empty).
	Templates Templates
}

// Found is what the presence query found in one namespace: the episodes
// of each rollout's hashes, and the experiments' pods, never among them.
type Found struct {
	Episodes    []Episode
	Experiments []ExperimentEpisode
}

// DefaultPresence is the query of the rule set's first Prometheus metric
// that has a series for every live pod: a ratio's denominator, a rate's
// exposure, otherwise its query. The pods it sees are the pods the judge
// sees.
func DefaultPresence(rs *rules.RuleSet) (*rules.Template, error) {
	for i := range rs.Metrics {
		m := &rs.Metrics[i]
		if m.Source != providers.TypePrometheus || m.Kind == analysis.KindSignatures {
			continue
		}
		role := rules.RoleQuery
		switch {
		case m.Kind == analysis.KindRatio:
			role = rules.RoleDenominator
		case m.Kind == analysis.KindRate && m.Template(rules.RoleExposure) != nil:
			role = rules.RoleExposure
		}
		if t := m.Template(role); t != nil {
			return t, nil
		}
	}
	return nil, fmt.Errorf("rule set %s has no Prometheus metric to find pods with: give a presence query", rs.Name)
}

// params renders every pod of the rollout (any rollout without a name):
// the pod matcher's parameters, with every pod on both sides.
func (p Presence) params(namespace, rollout string) (rules.Params, error) {
	m, err := rules.NewPodMatcher(p.Pods, request.Target{Namespace: namespace, Rollout: rollout, CanaryHash: "a", StableHash: "b"})
	if err != nil {
		return rules.Params{}, err
	}
	params := m.Params(model.Duration(p.Step))
	var all string
	if p.Pods.By == rules.ByLabel {
		all = p.Pods.Label + `=~".+"`
	} else {
		// <rollout>-<hash>-<suffix>, and the rollout's experiments' pods
		// <rollout>-<hash>-<revision>-<step>-<template>-<suffix>, cut or not.
		pattern := ".+-[a-z0-9]+-[a-z0-9]+"
		if rollout != "" {
			pattern = regexp.QuoteMeta(rollout) + "-[a-z0-9]+-(?:[0-9]+-[0-9]+-[-a-z0-9.]*)?[a-z0-9]+"
		}
		all = p.Pods.PodLabel + "=~" + strconv.Quote(pattern)
	}
	return params.Everyone(all), nil
}

// Find asks q when pods of the namespace existed between from and to, and
// returns the episodes of every hash, by rollout and start, and the
// experiments' pods by experiment (experimentPods).
func (p Presence) Find(ctx context.Context, q providers.MetricQuerier, namespace, rollout string, from, to time.Time) (Found, error) {
	expr, err := p.expr(namespace, rollout)
	if err != nil {
		return Found{}, err
	}
	pods := map[string]*Pod{}
	chunk := time.Duration(maxPoints-1) * p.Step
	for start := from; !start.After(to); start = start.Add(chunk + p.Step) {
		end := start.Add(chunk)
		if end.After(to) {
			end = to
		}
		m, err := q.QueryRange(ctx, providers.RangeQuery{Expr: expr, Start: start, End: end, Step: p.Step})
		if err != nil {
			return Found{}, fmt.Errorf("finding pods in %s: %w", namespace, err)
		}
		for _, ss := range m {
			if len(ss.Values) == 0 {
				continue
			}
			name := string(ss.Metric[model.LabelName(p.Pods.PodLabel)])
			ro, hash, ok := p.identify(name, ss.Metric)
			if !ok {
				continue
			}
			first, last := ss.Values[0].Timestamp.Time().UTC(), ss.Values[len(ss.Values)-1].Timestamp.Time().UTC()
			if pod := pods[name]; pod != nil {
				if first.Before(pod.First) {
					pod.First = first
				}
				if last.After(pod.Last) {
					pod.Last = last
				}
				continue
			}
			pods[name] = &Pod{Name: name, Rollout: ro, Hash: hash, First: first, Last: last}
		}
	}
	p.experimentPods(pods)
	for name, pod := range pods {
		if rollout != "" && pod.Rollout != rollout {
			delete(pods, name)
		}
	}
	hashPods, expPods := map[string]*Pod{}, map[string]*Pod{}
	for name, pod := range pods {
		if pod.Experiment != nil {
			expPods[name] = pod
		} else {
			hashPods[name] = pod
		}
	}
	return Found{Episodes: episodes(namespace, hashPods), Experiments: experimentEpisodes(namespace, expPods)}, nil
}

// expr is the presence query of the namespace's pods, one series per pod.
func (p Presence) expr(namespace, rollout string) (string, error) {
	params, err := p.params(namespace, rollout)
	if err != nil {
		return "", err
	}
	expr, err := p.Template.Render(params)
	if err != nil {
		return "", err
	}
	by := p.Pods.PodLabel
	if p.Pods.By == rules.ByLabel {
		by += ", " + p.Pods.Label
	}
	return "group by (" + by + ") (" + expr + ")", nil
}

// FirstSample refines a rollout's start, known to the step, to the second:
// the first second in the step before it at which the presence query
// sees one of the canary's pods.
func (p Presence) FirstSample(ctx context.Context, q providers.MetricQuerier, r *Rollout) error {
	t, err := p.firstSample(ctx, q, r.Namespace, r.Rollout, r.CanaryPods, r.Start)
	if err != nil {
		return fmt.Errorf("finding the first sample of %s: %w", r.Name(), err)
	}
	r.Start = t
	return nil
}

// ExperimentFirstSample refines an experiment's start, known to the step,
// to the second: the canary template's first sample.
func (p Presence) ExperimentFirstSample(ctx context.Context, q providers.MetricQuerier, e *Experiment) error {
	var pods []string
	for _, rs := range e.ReplicaSets {
		if rs.ReplicaSet == e.CanaryReplicaSet {
			pods = rs.Pods
		}
	}
	if len(pods) == 0 {
		return nil
	}
	t, err := p.firstSample(ctx, q, e.Namespace, e.Rollout, pods, e.Start)
	if err != nil {
		return fmt.Errorf("finding the first sample of experiment %s: %w", e.Name(), err)
	}
	e.Start = t
	return nil
}

// firstSample is the first second in the step before start at which the
// presence query sees one of the pods, or start.
func (p Presence) firstSample(ctx context.Context, q providers.MetricQuerier, namespace, rollout string, pods []string, start time.Time) (time.Time, error) {
	expr, err := p.expr(namespace, rollout)
	if err != nil {
		return start, err
	}
	m, err := q.QueryRange(ctx, providers.RangeQuery{Expr: expr, Start: start.Add(-p.Step), End: start, Step: time.Second})
	if err != nil {
		return start, err
	}
	want := map[string]bool{}
	for _, pod := range pods {
		want[pod] = true
	}
	for _, ss := range m {
		if len(ss.Values) == 0 || !want[string(ss.Metric[model.LabelName(p.Pods.PodLabel)])] {
			continue
		}
		if t := ss.Values[0].Timestamp.Time().UTC(); t.Before(start) {
			start = t
		}
	}
	return start, nil
}

// identify reads a pod's rollout and hash: from its name
// <rollout>-<hash>-<suffix>, or from the hash label when matching by label
// (the rollout is then the name's part before -<hash>-, if any).
func (p Presence) identify(name string, ls model.Metric) (rollout, hash string, ok bool) {
	if p.Pods.By == rules.ByLabel {
		hash = string(ls[model.LabelName(p.Pods.Label)])
		if hash == "" || name == "" {
			return "", "", false
		}
		if i := strings.LastIndex(name, "-"+hash+"-"); i > 0 {
			rollout = name[:i]
		}
		return rollout, hash, true
	}
	parts := strings.Split(name, "-")
	if len(parts) < 3 {
		return "", "", false
	}
	return strings.Join(parts[:len(parts)-2], "-"), parts[len(parts)-2], true
}

// episodes groups pods by rollout and hash, and splits each hash's pods
// where no pod of it was seen for longer than episodeGap.
func episodes(namespace string, pods map[string]*Pod) []Episode {
	type key struct{ rollout, hash string }
	byKey := map[key][]Pod{}
	for _, p := range pods {
		k := key{p.Rollout, p.Hash}
		byKey[k] = append(byKey[k], *p)
	}
	var out []Episode
	for k, ps := range byKey {
		for _, g := range splitByGap(ps) {
			out = append(out, Episode{Namespace: namespace, Rollout: k.rollout, Hash: k.hash, Pods: g.pods, First: g.first, Last: g.last})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Rollout != out[j].Rollout {
			return out[i].Rollout < out[j].Rollout
		}
		if !out[i].First.Equal(out[j].First) {
			return out[i].First.Before(out[j].First)
		}
		return out[i].Hash < out[j].Hash
	})
	return out
}

// Rollouts finds the rollouts among the episodes of one namespace: an
// episode that began after from while another hash of the same rollout
// was serving. The stable side is the serving hash with the most pods at
// the canary's start. to is the end of the range, for the history.
func Rollouts(eps []Episode, from, to time.Time) []Rollout {
	var out []Rollout
	for i := range eps {
		c := &eps[i]
		if !c.First.After(from) {
			continue // there from the start: when it began is not known
		}
		var stable *Episode
		best := 0
		for j := range eps {
			s := &eps[j]
			if j == i || s.Rollout != c.Rollout || s.Hash == c.Hash || !s.First.Before(c.First) || s.Last.Before(c.First) {
				continue
			}
			if n := s.aliveAt(c.First); n > best {
				stable, best = s, n
			}
		}
		if stable == nil {
			continue
		}
		r := Rollout{Namespace: c.Namespace, Rollout: c.Rollout, CanaryHash: c.Hash, StableHash: stable.Hash,
			StablePods: best, Start: c.First, CanaryEnd: c.Last, History: history(c.Last, stable.Last, to)}
		for _, p := range c.Pods {
			r.CanaryPods = append(r.CanaryPods, p.Name)
		}
		out = append(out, r)
	}
	return out
}

// history tells how a rollout ended from when its canary and its stable
// pods were last seen: a side still there at the end of the range (within
// episodeGap) won if the other was gone, both there is Running, and when
// both went away the one that outlived the other by more than episodeGap
// won.
func history(canaryLast, stableLast, to time.Time) History {
	canaryGone := to.Sub(canaryLast) > episodeGap
	stableGone := to.Sub(stableLast) > episodeGap
	switch {
	case !canaryGone && !stableGone:
		return Running
	case !canaryGone:
		return Promoted
	case !stableGone:
		return RolledBack
	case canaryLast.Sub(stableLast) > episodeGap:
		return Promoted
	case stableLast.Sub(canaryLast) > episodeGap:
		return RolledBack
	}
	return Unknown
}
