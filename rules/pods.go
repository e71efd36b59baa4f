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

// NewPodMatcher builds the matcher for one target. Each side is named by
// its own field: the canary by CanaryReplicaSet, else CanaryHash; the
// stable side by StableReplicaSet, else StableHash. A side named by hash
// is the pods <rollout>-<hash>-<suffix>, one named by ReplicaSet the pods
// <replicaset>-<suffix> (an Argo experiment's canary and baseline). A
// both-references target (request.Target.BothReferences) is matched as
// its judgement against the baseline, and its stable hash must select
// none of the canary's or the baseline's pods either. A *request.Error says
// which field is at fault.
func NewPodMatcher(pm PodMatching, t request.Target) (*PodMatcher, error) {
	m := &PodMatcher{pm: pm, t: t}
	c, s := canarySide(t), stableSide(t)
	if err := m.check(c, s); err != nil {
		return nil, err
	}
	if t.BothReferences() {
		third := side{field: "stableHash", hash: t.StableHash}
		for _, other := range []side{c, s} {
			if err := m.apart(other, third); err != nil {
				return nil, err
			}
		}
	}
	m.canaryRE, m.stableRE = m.pattern(c), m.pattern(s)
	var err error
	if m.canary, err = regexp.Compile("^" + m.canaryRE + "$"); err != nil {
		return nil, err
	}
	if m.stable, err = regexp.Compile("^" + m.stableRE + "$"); err != nil {
		return nil, err
	}
	return m, nil
}

// targetError is a target whose pods cannot be told apart or matched as
// asked, naming the request field at fault.
func targetError(field, format string, args ...any) *request.Error {
	return &request.Error{Field: field, Err: fmt.Errorf(format, args...)}
}

// side is the pods of one side of a target: by pod-template hash, or by
// ReplicaSet; field is the request field that names it.
type side struct {
	field, hash, replicaSet string
}

func (s side) empty() bool { return s.hash == "" && s.replicaSet == "" }

func canarySide(t request.Target) side {
	if t.CanaryReplicaSet != "" {
		return side{field: "canaryReplicaSet", replicaSet: t.CanaryReplicaSet}
	}
	return side{field: "canaryHash", hash: t.CanaryHash}
}

func stableSide(t request.Target) side {
	if t.StableReplicaSet != "" {
		return side{field: "stableReplicaSet", replicaSet: t.StableReplicaSet}
	}
	return side{field: "stableHash", hash: t.StableHash}
}

// check says whether the canary side c and the stable side s can be
// matched: both named, apart, by a rule set that can tell them apart. A
// rule set that tells pods apart by the hash label cannot judge a
// ReplicaSet: an experiment's baseline pods carry the stable pods' hash.
func (m *PodMatcher) check(c, s side) error {
	byRS := c.replicaSet != "" || s.replicaSet != ""
	switch {
	case (c.empty() || s.empty()) && byRS:
		return targetError("canaryReplicaSet", "canary and stable ReplicaSets are required together (or the canary's ReplicaSet and a stable hash)")
	case c.empty() || s.empty():
		return targetError("canaryHash", "canary and stable pod-template hashes are required")
	case byRS && m.pm.By == ByLabel:
		return targetError("canaryReplicaSet", "the rule set tells pods apart by their %s label (pods.by: label), which cannot tell ReplicaSets apart: "+
			"an experiment's baseline pods can carry the stable pods' hash; judging by ReplicaSet needs a rule set with pods.by: name", m.pm.Label)
	case (c.hash == "") != (s.hash == "") && m.t.Rollout == "":
		return targetError("rollout", "a side named by hash beside one named by ReplicaSet needs the rollout's name: without it any <name>-<hash>-<suffix> would be taken for its pods")
	}
	return m.apart(c, s)
}

// apart checks that no pod name can match both sides' patterns. Two hashes
// are apart when they differ (a hash has no '-'); two ReplicaSets when
// their pods' names differ in their prefixes as Kubernetes cuts them; a
// hash and a ReplicaSet when the ReplicaSet's pods are not also
// <rollout>-<hash>-<suffix> (hashSelects).
func (m *PodMatcher) apart(a, b side) error {
	switch {
	case a.hash != "" && b.hash != "":
		if a.hash == b.hash {
			return targetError(b.field, "%s and %s are the same pod-template hash (%s)", a.field, b.field, a.hash)
		}
	case a.replicaSet != "" && b.replicaSet != "":
		if a.replicaSet == b.replicaSet {
			return targetError(a.field, "canary and stable ReplicaSets are the same (%s)", a.replicaSet)
		}
		ap, as := replicaSetPods(a.replicaSet)
		bp, bs := replicaSetPods(b.replicaSet)
		if ap == bp || overlaps(ap, as, bp, bs) || overlaps(bp, bs, ap, as) {
			return targetError(a.field, "the pods of ReplicaSets %s and %s cannot be told apart by name: Kubernetes cuts a pod name's prefix to %d characters (%q and %q)",
				a.replicaSet, b.replicaSet, maxPodPrefix, ap, bp)
		}
	default:
		h, rs := a, b
		if h.hash == "" {
			h, rs = b, a
		}
		if hashSelects(m.t.Rollout, h.hash, rs.replicaSet) {
			return targetError(h.field, "%s %s would select the pods of ReplicaSet %s (%s is the %s): %s names pods %s-<suffix>, "+
				"which the %s must not include", h.field, h.hash, rs.replicaSet, rs.replicaSet, rs.field, rs.field, rs.replicaSet, h.field)
		}
	}
	return nil
}

// hashSelects says whether a pod of ReplicaSet rs can be named like a pod
// <rollout>-<hash>-<suffix>. The pod's name is its prefix (cut as
// Kubernetes cuts it) and a random part of letters and digits, so
// everything after the prefix's last '-' belongs to the name's last part,
// and the name has the hash's form when what comes before that '-' is
// <rollout>-<hash>: a ReplicaSet named <rollout>-<hash>, or one whose cut
// name leaves that.
func hashSelects(rollout, hash, rs string) bool {
	prefix, _ := replicaSetPods(rs)
	k := strings.LastIndex(prefix, "-")
	return k >= 0 && prefix[:k] == rollout+"-"+hash
}

// pattern is the regular expression of a side's pod names.
func (m *PodMatcher) pattern(s side) string {
	if s.replicaSet != "" {
		prefix, suffix := replicaSetPods(s.replicaSet)
		return regexp.QuoteMeta(prefix) + suffix
	}
	return m.podPattern(regexp.QuoteMeta(s.hash))
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

// IsReplicaSetPod says whether pod can be a pod of ReplicaSet rs: named
// <rs>-<suffix>, or, where Kubernetes cut the prefix, the prefix's first
// maxPodPrefix characters and five random ones (replicaSetPods).
func IsReplicaSetPod(rs, pod string) bool {
	prefix, suffix := replicaSetPods(rs)
	rest, ok := strings.CutPrefix(pod, prefix)
	if !ok || rest == "" || !lettersAndDigits.MatchString(rest) {
		return false
	}
	return suffix != truncatedSuffix || len(rest) == 5
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
		p.newPods = p.CanaryPods
		return p
	}
	both := m.podPattern("(?:" + regexp.QuoteMeta(m.t.CanaryHash) + "|" + regexp.QuoteMeta(m.t.StableHash) + ")")
	switch {
	case m.t.BothReferences(): // the three ReplicaSets' pods (Within)
		both = "(?:" + m.canaryRE + "|" + m.stableRE + "|" + m.podPattern(regexp.QuoteMeta(m.t.StableHash)) + ")"
	case m.t.ByReplicaSet(): // a side named by ReplicaSet: the two patterns
		both = "(?:" + m.canaryRE + "|" + m.stableRE + ")"
	}
	p.Pods = m.pm.PodLabel + "=~" + strconv.Quote(both)
	p.CanaryPods = m.pm.PodLabel + "=~" + strconv.Quote(m.canaryRE)
	p.StablePods = m.pm.PodLabel + "=~" + strconv.Quote(m.stableRE)
	p.newPods = p.CanaryPods
	return p
}

// Within returns m's parameters with {{.Pods}} selecting whole's pods: for
// a query that treats every pod alike (Metric.PodLocal) in one judgement
// of a both-references request, whose matcher is whole. Each judgement's
// pods get the same series from such a query as from one of their own
// (Increase still counts the first values of m's canary only), and where
// the judgements render it alike it is sent once for all of them.
func (m *PodMatcher) Within(whole *PodMatcher, step model.Duration) Params {
	p := m.Params(step)
	p.Pods = whole.Params(step).Pods
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
