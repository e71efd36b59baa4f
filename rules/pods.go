package rules

import (
	"fmt"
	"regexp"
	"strconv"

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
}

// NewPodMatcher builds the matcher for one target.
func NewPodMatcher(pm PodMatching, t request.Target) (*PodMatcher, error) {
	if t.CanaryHash == "" || t.StableHash == "" {
		return nil, fmt.Errorf("canary and stable pod-template hashes are required")
	}
	if t.CanaryHash == t.StableHash {
		return nil, fmt.Errorf("canary and stable pod-template hashes are the same (%s)", t.CanaryHash)
	}
	m := &PodMatcher{pm: pm, t: t}
	var err error
	if m.canary, err = regexp.Compile("^" + m.podPattern(regexp.QuoteMeta(t.CanaryHash)) + "$"); err != nil {
		return nil, err
	}
	if m.stable, err = regexp.Compile("^" + m.podPattern(regexp.QuoteMeta(t.StableHash)) + "$"); err != nil {
		return nil, err
	}
	return m, nil
}

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
	c, s := regexp.QuoteMeta(m.t.CanaryHash), regexp.QuoteMeta(m.t.StableHash)
	both := "(?:" + c + "|" + s + ")"
	p := Params{
		Namespace: quoteInner(m.t.Namespace),
		Step:      step.String(),
		Rollout:   quoteInner(m.t.Rollout),
		podLabel:  m.pm.PodLabel,
		hashLabel: m.pm.Label,
	}
	if m.pm.By == ByLabel {
		p.Pods = m.pm.Label + "=~" + strconv.Quote(both)
		p.CanaryPods = m.pm.Label + "=" + strconv.Quote(m.t.CanaryHash)
		p.StablePods = m.pm.Label + "=" + strconv.Quote(m.t.StableHash)
		return p
	}
	p.Pods = m.pm.PodLabel + "=~" + strconv.Quote(m.podPattern(both))
	p.CanaryPods = m.pm.PodLabel + "=~" + strconv.Quote(m.podPattern(c))
	p.StablePods = m.pm.PodLabel + "=~" + strconv.Quote(m.podPattern(s))
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
