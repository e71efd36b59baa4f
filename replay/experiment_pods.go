package replay

import (
	"sort"
	"time"
)

// experimentPods marks the pods of Argo experiments: a pod whose name
// reads <rollout>-<hash>-<revision>-<step>-<template>-<suffix> for a rollout
// known from its own hash pods in the namespace (parseExperimentPod). It
// reads the names twice: the rollouts first known include the names an
// experiment pod seems to have when read as a hash pod (<experiment>-
// <template> and "hash" <suffix>), so the second reading knows only the
// rollouts that pods which are no experiment's have. A marked pod's
// Rollout and Hash become the experiment's.
func (p Presence) experimentPods(pods map[string]*Pod) {
	ts := p.Templates
	if ts == (Templates{}) {
		ts = DefaultTemplates
	}
	known := map[string]bool{}
	for _, pod := range pods {
		if pod.Rollout != "" {
			known[pod.Rollout] = true
		}
	}
	exp := map[string]ExperimentPod{}
	for pass := 0; pass < 2; pass++ {
		exp = map[string]ExperimentPod{}
		for name := range pods {
			if e, ok := parseExperimentPod(name, known, ts); ok {
				exp[name] = e
			}
		}
		known = map[string]bool{}
		for name, pod := range pods {
			if _, ok := exp[name]; !ok && pod.Rollout != "" {
				known[pod.Rollout] = true
			}
		}
	}
	for name, e := range exp {
		if !known[e.Rollout] {
			continue
		}
		pod := pods[name]
		pod.Experiment, pod.Rollout, pod.Hash = &e, e.Rollout, e.Hash
	}
}

// ExperimentEpisode is one run of an experiment: the pods of its
// ReplicaSets, from the first one's first step to the last one's last.
type ExperimentEpisode struct {
	Namespace string
	// Experiment names it (its Template is empty).
	Experiment  ExperimentPod
	Pods        []Pod
	First, Last time.Time
}

// experimentEpisodes groups experiment pods by experiment, and splits an
// experiment's pods where none was seen for longer than episodeGap (a
// retried step reuses the name).
func experimentEpisodes(namespace string, pods map[string]*Pod) []ExperimentEpisode {
	byName := map[string][]Pod{}
	for _, p := range pods {
		n := p.Experiment.Name()
		byName[n] = append(byName[n], *p)
	}
	var out []ExperimentEpisode
	for _, ps := range byName {
		e := *ps[0].Experiment
		e.Template, e.Cut = "", false
		for _, g := range splitByGap(ps) {
			out = append(out, ExperimentEpisode{Namespace: namespace, Experiment: e, Pods: g.pods, First: g.first, Last: g.last})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].First.Equal(out[j].First) {
			return out[i].First.Before(out[j].First)
		}
		return out[i].Experiment.Name() < out[j].Experiment.Name()
	})
	return out
}

// podGroup is pods seen without a gap longer than episodeGap, from the
// first one's first step to the last one's last.
type podGroup struct {
	pods        []Pod
	first, last time.Time
}

// splitByGap sorts pods by first sample (then name) and splits them where
// none was seen for longer than episodeGap.
func splitByGap(ps []Pod) []podGroup {
	sort.Slice(ps, func(i, j int) bool {
		if !ps[i].First.Equal(ps[j].First) {
			return ps[i].First.Before(ps[j].First)
		}
		return ps[i].Name < ps[j].Name
	})
	var out []podGroup
	for _, p := range ps {
		if len(out) == 0 || p.First.Sub(out[len(out)-1].last) > episodeGap {
			out = append(out, podGroup{first: p.First, last: p.Last})
		}
		g := &out[len(out)-1]
		g.pods = append(g.pods, p)
		if p.Last.After(g.last) {
			g.last = p.Last
		}
	}
	return out
}
