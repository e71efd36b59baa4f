// Package request is the contract of one judgement request: its fields, their
// names on the wire (query parameters, JSON keys) and on the command line,
// their validation and their encodings.
//
// The API parses requests with ParseQuery and ParseJSON, the CLI and the demo
// build them with AddFlags or in code and encode them with URL, MarshalJSON
// and Curl, and the engine takes a Request that Validate accepts. Checks that
// need the rule set (the lookback against the rule set's step, the number of
// points) or the clock (an end in the future) belong to the engine.
package request

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// Path is where the API answers judgement requests.
const Path = "/api/v1/judge"

// Target names the canary and the stable pods of one judgement, in one of
// two ways: by the rollout's pod-template hashes (CanaryHash, StableHash), or
// by ReplicaSet names (CanaryReplicaSet, StableReplicaSet), as an Argo
// experiment's canary and baseline are named. A target that names the
// ReplicaSets and StableHash too names both references (BothReferences):
// the canary is judged against its baseline and against the rollout's
// stable pods.
type Target struct {
	// Namespace is the rollout's namespace.
	Namespace string `json:"namespace"`
	// Rollout narrows the pods to <rollout>-<hash>-<suffix>; empty matches
	// any <name>-<hash>-<suffix>. With ReplicaSets it only names the rollout
	// (the ReplicaSets' names already are the pods' prefixes).
	Rollout string `json:"rollout,omitempty"`
	// CanaryHash and StableHash are pod-template hashes (the
	// rollouts-pod-template-hash label of the new and the stable ReplicaSet).
	CanaryHash string `json:"canaryHash,omitempty"`
	StableHash string `json:"stableHash,omitempty"`
	// CanaryReplicaSet and StableReplicaSet name the ReplicaSets whose pods
	// are compared (<replicaset>-<suffix>): an Argo experiment's canary and
	// baseline templates, whose pods started together. The baseline's
	// pod-template hash can equal the stable ReplicaSet's, so only their
	// names tell them apart.
	CanaryReplicaSet string `json:"canaryReplicaSet,omitempty"`
	StableReplicaSet string `json:"stableReplicaSet,omitempty"`
}

// ByReplicaSet says whether the target names ReplicaSets rather than
// pod-template hashes.
func (t Target) ByReplicaSet() bool { return t.CanaryReplicaSet != "" || t.StableReplicaSet != "" }

// BothReferences says whether the target names two references: the
// canary's ReplicaSet is judged against the baseline's ReplicaSet
// (AgainstBaseline) and against the rollout's stable pods
// <rollout>-<StableHash>-<suffix> (AgainstStable), and fails when it fails
// against both, or against the stable pods where the baseline's pods show
// no sign of its excess (BaselineAgainstStable, the age check).
func (t Target) BothReferences() bool {
	return t.CanaryReplicaSet != "" && t.StableReplicaSet != "" && t.StableHash != ""
}

// AgainstBaseline is the target of a both-references judgement against the
// baseline: the ReplicaSets, without the stable hash.
func (t Target) AgainstBaseline() Target {
	t.StableHash = ""
	return t
}

// AgainstStable is the target of a both-references judgement against the
// stable pods: the canary's ReplicaSet and the stable hash.
func (t Target) AgainstStable() Target {
	return Target{Namespace: t.Namespace, Rollout: t.Rollout, CanaryReplicaSet: t.CanaryReplicaSet, StableHash: t.StableHash}
}

// BaselineAgainstStable is the target of a both-references request's age
// check: the baseline's pods, started with the canary, judged as if they
// were the canary against the rollout's stable pods. What they show there
// is what the canary's age alone does.
func (t Target) BaselineAgainstStable() Target {
	return Target{Namespace: t.Namespace, Rollout: t.Rollout, CanaryReplicaSet: t.StableReplicaSet, StableHash: t.StableHash}
}

// Canary names the canary's pods for people: its ReplicaSet or its hash.
func (t Target) Canary() string {
	if t.CanaryReplicaSet != "" {
		return t.CanaryReplicaSet
	}
	return t.CanaryHash
}

// Stable names the pods the canary is compared with: the baseline's
// ReplicaSet or the stable hash (the baseline of a both-references
// target).
func (t Target) Stable() string {
	if t.StableReplicaSet != "" {
		return t.StableReplicaSet
	}
	return t.StableHash
}

// Request is one question: is this canary healthy compared with these stable
// pods, by this rule set, as of End?
type Request struct {
	Target
	// RuleSet names a loaded rule set.
	RuleSet string
	// Lookback overrides the rule set's lookback when non-zero.
	Lookback time.Duration
	// End is the end of the judged window; zero means now.
	End time.Time
	// Series asks for each metric's per-step series in the answer: the data
	// the judge saw, per pod (the report page plots them).
	Series bool
}

// Error is a request field that is missing or malformed. Field is the
// field's wire name ("namespace"), or "query" or "body" for a request that
// could not be split into fields.
type Error struct {
	Field string
	Err   error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

func fieldError(field, format string, args ...any) *Error {
	return &Error{Field: field, Err: fmt.Errorf(format, args...)}
}

// The bounds of End: a judgement is about a canary that ran while this
// service existed, and a time outside them is a mistake (year 1 is Go's zero
// time, which would otherwise mean "now"; a 23-digit Unix time is no time).
var (
	MinEnd = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	MaxEnd = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
)

var (
	// dnsLabel is a Kubernetes DNS-1123 label: namespaces, rule-set names.
	dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	// dnsSubdomain is a Kubernetes DNS-1123 subdomain: object names.
	dnsSubdomain = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
	// podTemplateHash is what Kubernetes and Argo Rollouts put in
	// pod-template-hash labels: rand.SafeEncodeString of a 32-bit hash, at
	// most 10 characters of "bcdfghjklmnpqrstvwxz2456789". We accept any
	// lower-case letters and digits, but never '-': a hash is a part of a pod
	// name between two '-', and one with a '-' would select another
	// rollout's pods.
	podTemplateHash = regexp.MustCompile(`^[a-z0-9]+$`)
)

// Validate checks every field and says which one is at fault first.
func (r *Request) Validate() error {
	byRS := r.ByReplicaSet()
	names := []struct {
		field, value string
		re           *regexp.Regexp
		max          int
		required     bool
		what         string
	}{
		{"namespace", r.Namespace, dnsLabel, 63, true, "a Kubernetes namespace name (lower-case letters, digits and '-')"},
		{"rollout", r.Rollout, dnsSubdomain, 253, false, "a Kubernetes object name (lower-case letters, digits, '-' and '.')"},
		{"canaryHash", r.CanaryHash, podTemplateHash, 63, !byRS, "a pod-template hash (lower-case letters and digits)"},
		{"stableHash", r.StableHash, podTemplateHash, 63, !byRS, "a pod-template hash (lower-case letters and digits)"},
		{"canaryReplicaSet", r.CanaryReplicaSet, dnsSubdomain, 253, byRS, "a ReplicaSet name (lower-case letters, digits, '-' and '.')"},
		{"stableReplicaSet", r.StableReplicaSet, dnsSubdomain, 253, byRS, "a ReplicaSet name (lower-case letters, digits, '-' and '.')"},
		{"ruleSet", r.RuleSet, dnsLabel, 63, true, "a rule-set name (lower-case letters, digits and '-')"},
	}
	if byRS && r.CanaryHash != "" {
		return fieldError("canaryHash", "canaryHash names the pods by hash and canaryReplicaSet/stableReplicaSet by ReplicaSet: give one pair, not both "+
			"(stableHash may join the ReplicaSets, to judge the canary against its baseline and against the stable pods)")
	}
	for _, n := range names {
		switch {
		case n.value == "" && n.required && byRS && r.StableHash != "" && (n.field == "canaryReplicaSet" || n.field == "stableReplicaSet"):
			return fieldError(n.field, "%s is required with %s and stableHash: the canary's ReplicaSet is judged against the baseline's and against the stable pods", n.field, other(n.field))
		case n.value == "" && n.required && byRS && (n.field == "canaryReplicaSet" || n.field == "stableReplicaSet"):
			return fieldError(n.field, "%s is required with %s: give canaryReplicaSet and stableReplicaSet together", n.field, other(n.field))
		case n.value == "" && n.required && (n.field == "canaryHash" || n.field == "stableHash"):
			return fieldError(n.field, "%s is required (or canaryReplicaSet and stableReplicaSet instead of the hashes)", n.field)
		case n.value == "" && n.required:
			return fieldError(n.field, "%s is required", n.field)
		case n.value == "":
		case len(n.value) > n.max || !n.re.MatchString(n.value):
			return fieldError(n.field, "%s %s is not %s, at most %d long", n.field, strconv.Quote(n.value), n.what, n.max)
		}
	}
	if byRS && r.CanaryReplicaSet == r.StableReplicaSet {
		return fieldError("stableReplicaSet", "canaryReplicaSet and stableReplicaSet are both %q: the canary must differ from the pods it is compared with", r.CanaryReplicaSet)
	}
	if r.BothReferences() && r.Rollout == "" {
		return fieldError("rollout", "rollout is required with stableHash beside the ReplicaSets: the stable pods are <rollout>-<stableHash>-<suffix>, "+
			"and without the rollout's name any <name>-%s-<suffix> would be taken for one", r.StableHash)
	}
	if !byRS && r.CanaryHash == r.StableHash {
		return fieldError("stableHash", "canaryHash and stableHash are both %q: the canary must differ from the stable pods", r.CanaryHash)
	}
	if r.Lookback < 0 {
		return fieldError("lookback", "lookback %s is negative", r.Lookback)
	}
	if !r.End.IsZero() {
		if err := checkEnd(r.End); err != nil {
			return &Error{Field: "end", Err: err}
		}
	}
	return nil
}

// other is the partner of a ReplicaSet field.
func other(field string) string {
	if field == "canaryReplicaSet" {
		return "stableReplicaSet"
	}
	return "canaryReplicaSet"
}

func checkEnd(t time.Time) error {
	if t.Before(MinEnd) || !t.Before(MaxEnd) {
		return fmt.Errorf("end %s is outside %s to %s", t.UTC().Format(time.RFC3339Nano),
			MinEnd.Format(time.RFC3339), MaxEnd.Format(time.RFC3339))
	}
	return nil
}

// errEmpty is a JSON body without content.
var errEmpty = errors.New("the body is empty: send a JSON object with namespace, canaryHash, stableHash (or canaryReplicaSet, stableReplicaSet) and ruleSet")
