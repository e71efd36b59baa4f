package engine

import (
	"fmt"
	"slices"
	"strings"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/api/wire"
	"github.com/canary-analyzer/canary-analyzer/request"
)

// outcome is one judgement of a request, or why it could not be made.
type outcome struct {
	resp *wire.Response
	err  error
}

// combine answers a both-references request (target t) from its judgement
// against the baseline, its judgement against the stable pods and the age
// check (the baseline's pods against the stable pods). At its core it is
// an intersection-union test: each judgement alone is a test of "the
// canary is healthy" at the rule set's level, and the canary fails when
// both reject it, which keeps the false alarms at that level whatever the
// two judgements share. The age check adds the case the baseline is there
// for and cannot be: a canary that fails against the stable pods on a
// metric where pods of its age show no sign of an excess (ageUnexplained)
// fails, since its age cannot explain what it shows there.
//
//   - Failed when both verdicts are Failed, or when the verdict against
//     the stable pods is Failed on a metric its age does not explain;
//   - Successful when at least one is Successful (and it is not Failed);
//   - Inconclusive otherwise.
//
// A judgement that could not be made is the answer's error, never a
// verdict (the baseline's first when both fail); an age check that could
// not be made leaves the intersection-union verdict. The score is the
// larger of the two (the stable judgement's when the age check decides);
// the failed metrics, listed only when the answer is Failed, name the
// references each failed against ("latency (baseline, stable)").
// The reason says first what decided, then gives both judgements' reasons.
// The rest of the answer is the judgement against the baseline, and both
// judgements are in References.
//
// A reference of which no pod has any data in the window (a ReplicaSet or
// hash that names no pod: a wrong argument, pods that never started) makes
// the answer Inconclusive where it would be Successful: the request asked
// for two references, and the one left cannot stand in for both without
// anyone noticing (never a pass on missing data).
func combine(t request.Target, base, stable, age outcome) (*wire.Response, error) {
	if base.err != nil {
		return nil, base.err
	}
	if stable.err != nil {
		return nil, stable.err
	}
	b, s := base.resp, stable.resp
	v := IntersectionUnion(b.Verdict, s.Verdict)
	reason, score := bothReason(t, v, b, s), max(b.Score, s.Score)
	if v != analysis.Failed && s.Verdict == analysis.Failed && age.err == nil {
		if unexplained := ageUnexplained(s, age.resp); len(unexplained) > 0 {
			v, score = analysis.Failed, s.Score
			reason = ageReason(t, b, s, unexplained)
		}
	}
	if missing := missingReference(t, b, s); missing != "" && v == analysis.Successful {
		v = analysis.Inconclusive
		reason = "Inconclusive: " + missing + " Against the baseline: " + sentence(b.Reason) + " Against the stable pods: " + sentence(s.Reason)
	}
	out := *b
	out.Target = t
	out.SetVerdict(v, score, reason, bothFailed(v, b, s))
	out.References = []wire.Reference{wire.NewReference(wire.AgainstBaseline, b), wire.NewReference(wire.AgainstStable, s)}
	if age.err == nil && age.resp != nil {
		out.References = append(out.References, wire.NewReference(wire.AgeCheck, age.resp))
	}
	return &out, nil
}

// missingReference says which reference has no pod with data in the
// window, and which argument names it; "" when both have pods.
func missingReference(t request.Target, b, s *wire.Response) string {
	switch {
	case len(b.Stable.Pods) == 0 && len(s.Stable.Pods) == 0:
		return fmt.Sprintf("neither the baseline (%s) nor the stable pods (%s) have a pod with data in the window: "+
			"check the ReplicaSet and hash arguments.", t.StableReplicaSet, t.StableHash)
	case len(b.Stable.Pods) == 0:
		return fmt.Sprintf("no pod of the baseline (%s) has data in the window, so the canary is not judged against "+
			"both references: check the stable-replicaset argument (stableReplicaSet).", t.StableReplicaSet)
	case len(s.Stable.Pods) == 0:
		return fmt.Sprintf("no stable pod (%s) has data in the window, so the canary is not judged against both "+
			"references: check the stable-hash argument (stableHash).", t.StableHash)
	}
	return ""
}

// IntersectionUnion is the verdict of the judgements against the baseline
// and against the stable pods together, without the age check: Failed
// when both are, Successful when either is, else Inconclusive.
func IntersectionUnion(base, stable analysis.Verdict) analysis.Verdict {
	switch {
	case base == analysis.Failed && stable == analysis.Failed:
		return analysis.Failed
	case base == analysis.Successful || stable == analysis.Successful:
		return analysis.Successful
	}
	return analysis.Inconclusive
}

// bothFailed names the metrics that failed, each with the references it
// failed against, in the rule set's order; none unless v is Failed.
func bothFailed(v analysis.Verdict, b, s *wire.Response) []string {
	out := []string{}
	if v != analysis.Failed {
		return out
	}
	var names []string
	for _, m := range b.Metrics {
		names = append(names, m.Name)
	}
	for _, n := range append(slices.Clone(b.Summary.Failed), s.Summary.Failed...) {
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	for _, n := range names {
		var against []string
		if slices.Contains(b.Summary.Failed, n) {
			against = append(against, wire.AgainstBaseline)
		}
		if slices.Contains(s.Summary.Failed, n) {
			against = append(against, wire.AgainstStable)
		}
		if len(against) > 0 {
			out = append(out, n+" ("+strings.Join(against, ", ")+")")
		}
	}
	return out
}

// bothReason says what decided, then each judgement's own reason.
func bothReason(t request.Target, v analysis.Verdict, b, s *wire.Response) string {
	base := "the baseline (" + t.StableReplicaSet + ")"
	stable := "the stable pods (" + t.StableHash + ")"
	var first string
	switch {
	case v == analysis.Failed:
		first = fmt.Sprintf("Failed against both references: the canary fails against %s and against %s.", base, stable)
	case b.Verdict == s.Verdict:
		first = fmt.Sprintf("%s against both references: the canary %s %s and %s.", v, outcomeOf(v), base, stable)
	case v == analysis.Successful:
		pass, other, otherVerdict := base, stable, s.Verdict
		if s.Verdict == analysis.Successful {
			pass, other, otherVerdict = stable, base, b.Verdict
		}
		first = fmt.Sprintf("Successful: the canary passes against %s although it %s %s.", pass, outcomeOf(otherVerdict), other)
	case b.Verdict == analysis.Failed: // against the stable pods Inconclusive
		first = fmt.Sprintf("Inconclusive: the canary fails against %s, but the judgement against %s is Inconclusive, and it fails only when it fails against both.", base, stable)
	default: // Failed against the stable pods, the baseline Inconclusive
		first = fmt.Sprintf("Inconclusive: the canary fails against %s, but the judgement against %s is Inconclusive, and its age may explain it.", stable, base)
	}
	return first + " Against the baseline: " + sentence(b.Reason) + " Against the stable pods: " + sentence(s.Reason)
}

// outcomeOf says what a verdict says of the canary, before "against".
func outcomeOf(v analysis.Verdict) string {
	switch v {
	case analysis.Successful:
		return "passes against"
	case analysis.Failed:
		return "fails against"
	}
	return "is inconclusive against"
}

// sentence ends s with a period.
func sentence(s string) string {
	if strings.HasSuffix(s, ".") {
		return s
	}
	return s + "."
}
