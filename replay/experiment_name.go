package replay

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/canary-analyzer/canary-analyzer/rules"
)

// Templates are the names of an experiment's templates that the
// experiment AnalysisTemplate compares: the canary's
// ({{templates.canary.replicaset.name}}) and the baseline's.
type Templates struct {
	Canary   string `json:"canary"`
	Baseline string `json:"baseline"`
}

// DefaultTemplates are the names deploy/examples and the README use.
var DefaultTemplates = Templates{Canary: "canary", Baseline: "baseline"}

// ExperimentPod is what a pod's name says about the experiment it belongs
// to. Argo Rollouts names an experiment
// <rollout>-<pod-template hash>-<revision>-<step index>, its ReplicaSets
// <experiment>-<template> and their pods <replicaset>-<suffix>.
type ExperimentPod struct {
	Rollout  string `json:"rollout"`
	Hash     string `json:"hash"`
	Revision int    `json:"revision"`
	Step     int    `json:"step"`
	// Template is the template's name; when Kubernetes cut the pod's name
	// (Cut) and the template is none of Templates, only its first
	// characters, possibly none.
	Template string `json:"template"`
	Cut      bool   `json:"cut,omitempty"`
}

// Name is the experiment's name.
func (e ExperimentPod) Name() string {
	return e.Rollout + "-" + e.Hash + "-" + strconv.Itoa(e.Revision) + "-" + strconv.Itoa(e.Step)
}

// ReplicaSet is the name of the ReplicaSet of template.
func (e ExperimentPod) ReplicaSet(template string) string { return e.Name() + "-" + template }

// maxGeneratedName is the length of a generated name whose prefix
// Kubernetes cut: 58 characters of prefix and 5 random ones (rules).
const maxGeneratedName = 63

// experimentTail is what follows "<rollout>-" in an experiment pod's name:
// the hash, the revision, the step index and the rest (template and
// suffix, possibly cut).
var experimentTail = regexp.MustCompile(`^([a-z0-9]+)-([0-9]+)-([0-9]+)-([-a-z0-9.]+)$`)

// parseExperimentPod reads pod as a pod of an experiment of one of the
// known rollouts (the longest that fits, rollout names have dashes too):
// <rollout>-<hash>-<revision>-<step>-<template>-<suffix>. The templates
// named in ts are recognised even in a cut name, as the judge matches them
// (rules.IsReplicaSetPod); another template's name is read up to the
// suffix, or up to the cut. A name whose cut leaves fewer than the step
// and its '-' is no experiment's.
func parseExperimentPod(pod string, known map[string]bool, ts Templates) (ExperimentPod, bool) {
	var best ExperimentPod
	found := false
	for i := strings.Index(pod, "-"); i > 0; i = next(pod, i) {
		rollout := pod[:i]
		if !known[rollout] || (found && len(rollout) <= len(best.Rollout)) {
			continue
		}
		m := experimentTail.FindStringSubmatch(pod[i+1:])
		if m == nil {
			continue
		}
		rev, err1 := strconv.Atoi(m[2])
		step, err2 := strconv.Atoi(m[3])
		if err1 != nil || err2 != nil {
			continue
		}
		e := ExperimentPod{Rollout: rollout, Hash: m[1], Revision: rev, Step: step}
		if !e.readTemplate(pod, m[4], ts) {
			continue
		}
		best, found = e, true
	}
	return best, found
}

// next is the index of the next '-' in s after i, or -1.
func next(s string, i int) int {
	j := strings.Index(s[i+1:], "-")
	if j < 0 {
		return -1
	}
	return i + 1 + j
}

// readTemplate reads the template from rest, the name after
// "<experiment>-": one of ts's templates if the pod can be one of its
// ReplicaSet's (and of only one), else the name up to the suffix, or, in
// a cut name, what the cut left of it.
func (e *ExperimentPod) readTemplate(pod, rest string, ts Templates) bool {
	var matches []string
	for _, t := range []string{ts.Canary, ts.Baseline} {
		if t != "" && rules.IsReplicaSetPod(e.ReplicaSet(t), pod) {
			matches = append(matches, t)
		}
	}
	if len(matches) == 1 {
		e.Template = matches[0]
		e.Cut = len(e.ReplicaSet(matches[0]))+1 > maxGeneratedName-5
		return true
	}
	if len(pod) == maxGeneratedName && (pod[maxGeneratedName-6] != '-' || !strings.Contains(rest, "-")) {
		// Cut: the prefix is the first 58 characters, the template what of
		// it follows "<experiment>-" (the step's '-' is within them).
		keep := len(rest) - (len(pod) - (maxGeneratedName - 5))
		if keep < 0 {
			return false
		}
		e.Template, e.Cut = rest[:keep], true
		return true
	}
	k := strings.LastIndex(rest, "-")
	if k <= 0 || k == len(rest)-1 {
		return false
	}
	e.Template = rest[:k]
	return true
}
