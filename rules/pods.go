package rules

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/prometheus/common/model"

	"github.com/canary-analyzer/canary-analyzer/request"
)

// Side says whether a series belongs to the canary or to the stable pods.
type Side int

// Sides.
const (
	Neither Side = iota
	Canary
	Stable
)

// PodMatcher renders the pod matchers for query templates and tells which
// side a returned series belongs to.
type PodMatcher struct {
	pm     PodMatching
	t      request.Target
	canary *regexp.Regexp // pod-name patterns, used when matching by name
	stable *regexp.Regexp
	// canaryRE and stableRE are the two sides' pod-name patterns without
	// anchors, as they go into the query matchers.
	canaryRE, stableRE string
}

// NewPodMatcher builds the matcher for one target: by pod-template hash
// (pods <rollout>-<hash>-<suffix>) or by ReplicaSet (pods
// <replicaset>-<suffix>, as an Argo experiment's canary and baseline are).
func NewPodMatcher(pm PodMatching, t request.Target) (*PodMatcher, error) {
	m := &PodMatcher{pm: pm, t: t}
	if t.ByReplicaSet() {
		if err := m.byReplicaSet(); err != nil {
			return nil, err
		}
	} else {
		if t.CanaryHash == "" || t.StableHash == "" {
			return nil, fmt.Errorf("canary and stable pod-template hashes are required")
		}
		if t.CanaryHash == t.StableHash {
			return nil, fmt.Errorf("canary and stable pod-template hashes are the same (%s)", t.CanaryHash)
		}
		m.canaryRE = m.podPattern(regexp.QuoteMeta(t.CanaryHash))
		m.stableRE = m.podPattern(regexp.QuoteMeta(t.StableHash))
	}
	var err error
	if m.canary, err = regexp.Compile("^" + m.canaryRE + "$"); err != nil {
		return nil, err
	}
	if m.stable, err = regexp.Compile("^" + m.stableRE + "$"); err != nil {
		return nil, err
	}
	return m, nil
}

// byReplicaSet sets the pod-name patterns of a target that names
// ReplicaSets. A rule set that tells pods apart by the hash label cannot
// judge it: an experiment's baseline pods carry the stable pods' hash.
func (m *PodMatcher) byReplicaSet() error {
	c, s := m.t.CanaryReplicaSet, m.t.StableReplicaSet
	switch {
	case c == "" || s == "":
		return fmt.Errorf("canary and stable ReplicaSets are required together")
	case c == s:
		return fmt.Errorf("canary and stable ReplicaSets are the same (%s)", c)
	case m.pm.By == ByLabel:
		return fmt.Errorf("the rule set tells pods apart by their %s label (pods.by: label), which cannot tell ReplicaSets apart: "+
			"an experiment's baseline pods can carry the stable pods' hash; judging by ReplicaSet needs a rule set with pods.by: name", m.pm.Label)
	}
	cp, cs := replicaSetPods(c)
	sp, ss := replicaSetPods(s)
	if cp == sp || overlaps(cp, cs, sp, ss) || overlaps(sp, ss, cp, cs) {
		return fmt.Errorf("the pods of ReplicaSets %s and %s cannot be told apart by name: Kubernetes cuts a pod name's prefix to %d characters (%q and %q)",
			c, s, maxPodPrefix, cp, sp)
	}
	m.canaryRE = regexp.QuoteMeta(cp) + cs
	m.stableRE = regexp.QuoteMeta(sp) + ss
	return nil
}

// maxPodPrefix is the longest prefix Kubernetes keeps of a generated name:
// the ReplicaSet controller creates pods with generateName "<replicaset>-",
// and the API server cuts it to 63 - 5 characters before it appends five
// random ones (k8s.io/apiserver/pkg/storage/names, MaxGeneratedNameLength).
const maxPodPrefix = 58

// replicaSetPods returns the prefix of the names of a ReplicaSet's pods and
// the pattern of the random part after it: "<rs>-" and any lower-case
// letters and digits, or, for a ReplicaSet name too long to keep whole, its
// first maxPodPrefix characters and exactly five.
func replicaSetPods(rs string) (prefix, suffix string) {
	prefix = rs + "-"
	if len(prefix) <= maxPodPrefix {
		return prefix, "[a-z0-9]+"
	}
	return prefix[:maxPodPrefix], truncatedSuffix
}

// overlaps says whether a pod of one ReplicaSet (prefix, suffix) could
// also match the other's pattern. Two untruncated patterns never overlap
// (a name's ReplicaSet is everything before its last '-'), nor two
// truncated ones with different prefixes (their names are 63 characters
// long); a truncated name overlaps an untruncated pattern when it starts
// with that pattern's prefix and goes on with letters and digits only.
func overlaps(prefix, suffix, otherPrefix, otherSuffix string) bool {
	if suffix == otherSuffix || !strings.HasPrefix(prefix, otherPrefix) {
		return false
	}
	return suffix == truncatedSuffix && lettersAndDigits.MatchString(prefix[len(otherPrefix):])
}

// truncatedSuffix is the random part of a pod name whose prefix was cut.
const truncatedSuffix = "[a-z0-9]{5}"

var lettersAndDigits = regexp.MustCompile(`^[a-z0-9]*$`)

// podPattern is the regular expression of pod names with the given hash
// pattern: <rollout>-<hash>-<suffix>, any rollout when none was given.
func (m *PodMatcher) podPattern(hash string) string {
	prefix := ".+"
	if m.t.Rollout != "" {
		prefix = regexp.QuoteMeta(m.t.Rollout)
	}
	return prefix + "-" + hash + "-[a-z0-9]+"
}

// Params returns the template parameters for this target and step.
func (m *PodMatcher) Params(step model.Duration) Params {
	p := Params{
		Namespace: quoteInner(m.t.Namespace),
		Step:      step.String(),
		Rollout:   quoteInner(m.t.Rollout),
		podLabel:  m.pm.PodLabel,
		hashLabel: m.pm.Label,
	}
	if m.pm.By == ByLabel {
		c, s := regexp.QuoteMeta(m.t.CanaryHash), regexp.QuoteMeta(m.t.StableHash)
		p.Pods = m.pm.Label + "=~" + strconv.Quote("(?:"+c+"|"+s+")")
		p.CanaryPods = m.pm.Label + "=" + strconv.Quote(m.t.CanaryHash)
		p.StablePods = m.pm.Label + "=" + strconv.Quote(m.t.StableHash)
		return p
	}
	both := m.podPattern("(?:" + regexp.QuoteMeta(m.t.CanaryHash) + "|" + regexp.QuoteMeta(m.t.StableHash) + ")")
	if m.t.ByReplicaSet() {
		both = "(?:" + m.canaryRE + "|" + m.stableRE + ")"
	}
	p.Pods = m.pm.PodLabel + "=~" + strconv.Quote(both)
	p.CanaryPods = m.pm.PodLabel + "=~" + strconv.Quote(m.canaryRE)
	p.StablePods = m.pm.PodLabel + "=~" + strconv.Quote(m.stableRE)
	return p
}

// quoteInner escapes s for use between double quotes in PromQL or LogQL.
func quoteInner(s string) string {
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}

// Classify says which side a series belongs to and which pod it is. A
// series without the pod label, or of another pod, is Neither.
func (m *PodMatcher) Classify(ls model.Metric) (Side, string) {
	pod := string(ls[model.LabelName(m.pm.PodLabel)])
	if m.pm.By == ByLabel {
		if pod == "" {
			return Neither, ""
		}
		switch string(ls[model.LabelName(m.pm.Label)]) {
		case m.t.CanaryHash:
			return Canary, pod
		case m.t.StableHash:
			return Stable, pod
		}
		return Neither, pod
	}
	switch {
	case pod == "":
		return Neither, ""
	case m.canary.MatchString(pod):
		return Canary, pod
	case m.stable.MatchString(pod):
		return Stable, pod
	}
	return Neither, pod
}
