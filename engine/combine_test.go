package engine

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/api/wire"
)

// The three verdicts, short, for the tables of the combination.
const (
	S = analysis.Successful
	F = analysis.Failed
	I = analysis.Inconclusive
)

// judged is a judgement with verdict v, a score and reason of its own, and
// failed metrics when v is Failed.
func judged(against string, v analysis.Verdict, score float64, failed ...string) *wire.Response {
	r := &wire.Response{Target: bothTarget.AgainstBaseline(), Stable: wire.Pods{Pods: []string{"web-6d4f9c7b8-2-1-baseline-abcde"}}}
	if against == wire.AgainstStable {
		r.Target = bothTarget.AgainstStable()
		r.Stable = wire.Pods{Pods: []string{"web-7c9d5b6f4d-k6plh"}}
	}
	for _, m := range []string{"error-ratio", "latency", "cpu"} {
		c := analysis.Pass
		if slices.Contains(failed, m) {
			c = analysis.High
		}
		r.Metrics = append(r.Metrics, wire.MetricResult{Name: m, Classification: c})
	}
	if failed == nil {
		failed = []string{}
	}
	r.SetVerdict(v, score, "the "+against+" judgement's reason", failed)
	return r
}

// TestCombine: the verdict of a both-references request is Failed only
// when both judgements are, Successful when either is, Inconclusive
// otherwise (the rule measured in docs/benchmark.md, "Both references at
// once"); the score is the larger, the failed metrics name their
// references, and the reason says what decided first.
func TestCombine(t *testing.T) {
	t.Parallel()
	cases := []struct {
		base, stable analysis.Verdict
		want         analysis.Verdict
		failed       []string
		first        string // the reason's first sentence
	}{
		{S, S, S, nil, "Successful against both references: the canary passes against the baseline (web-6d4f9c7b8-2-1-baseline) and the stable pods (7c9d5b6f4d)."},
		{S, F, S, nil, "Successful: the canary passes against the baseline (web-6d4f9c7b8-2-1-baseline) although it fails against the stable pods (7c9d5b6f4d)."},
		{S, I, S, nil, "Successful: the canary passes against the baseline (web-6d4f9c7b8-2-1-baseline) although it is inconclusive against the stable pods (7c9d5b6f4d)."},
		{F, S, S, nil, "Successful: the canary passes against the stable pods (7c9d5b6f4d) although it fails against the baseline (web-6d4f9c7b8-2-1-baseline)."},
		{F, F, F, []string{"error-ratio (stable)", "latency (baseline, stable)", "cpu (baseline)"},
			"Failed against both references: the canary fails against the baseline (web-6d4f9c7b8-2-1-baseline) and against the stable pods (7c9d5b6f4d)."},
		{F, I, I, nil, "Inconclusive: the canary fails against the baseline (web-6d4f9c7b8-2-1-baseline), but the judgement against the stable pods (7c9d5b6f4d) is Inconclusive, and it fails only when it fails against both."},
		{I, S, S, nil, "Successful: the canary passes against the stable pods (7c9d5b6f4d) although it is inconclusive against the baseline (web-6d4f9c7b8-2-1-baseline)."},
		{I, F, I, nil, "Inconclusive: the canary fails against the stable pods (7c9d5b6f4d), but the judgement against the baseline (web-6d4f9c7b8-2-1-baseline) is Inconclusive, and its age may explain it."},
		{I, I, I, nil, "Inconclusive against both references: the canary is inconclusive against the baseline (web-6d4f9c7b8-2-1-baseline) and the stable pods (7c9d5b6f4d)."},
	}
	if len(cases) != 9 {
		t.Fatalf("%d verdict pairs, want all 9", len(cases))
	}
	for _, c := range cases {
		t.Run(string(c.base)+"/"+string(c.stable), func(t *testing.T) {
			t.Parallel()
			var bf, sf []string
			if c.base == F {
				bf = []string{"latency", "cpu"}
			}
			if c.stable == F {
				sf = []string{"error-ratio", "latency"}
			}
			b := judged(wire.AgainstBaseline, c.base, 40, bf...)
			s := judged(wire.AgainstStable, c.stable, 70, sf...)
			got, err := combine(bothTarget, outcome{resp: b}, outcome{resp: s}, outcome{})
			if err != nil {
				t.Fatal(err)
			}
			if got.Verdict != c.want || got.Summary.Verdict != c.want {
				t.Errorf("verdict %s (summary %s), want %s", got.Verdict, got.Summary.Verdict, c.want)
			}
			if got.Score != 70 || got.Summary.Score != 70 {
				t.Errorf("score %g (summary %g), want the larger, 70", got.Score, got.Summary.Score)
			}
			want := c.failed
			if want == nil {
				want = []string{}
			}
			if got.Summary.Failed == nil || !slices.Equal(got.Summary.Failed, want) {
				t.Errorf("failed %#v, want %#v", got.Summary.Failed, want)
			}
			if !strings.HasPrefix(got.Reason, c.first+" ") {
				t.Errorf("reason %q\nwant it to begin %q", got.Reason, c.first)
			}
			if !strings.Contains(got.Reason, "Against the baseline: the baseline judgement's reason. Against the stable pods: the stable judgement's reason.") {
				t.Errorf("reason %q lacks both judgements' reasons", got.Reason)
			}
			if !strings.HasPrefix(got.Summary.Reason, c.first) || len([]rune(got.Summary.Reason)) > wire.MaxSummaryReason {
				t.Errorf("summary reason %q", got.Summary.Reason)
			}
			if got.Target != bothTarget {
				t.Errorf("target %+v, want the request's", got.Target)
			}
			// The rest is the judgement against the baseline; both are kept whole.
			if got.Stable.Pods[0] != b.Stable.Pods[0] || &got.Metrics[0] != &b.Metrics[0] {
				t.Errorf("stable %v and metrics are not the judgement against the baseline's", got.Stable.Pods)
			}
			if len(got.References) != 2 {
				t.Fatalf("%d references", len(got.References))
			}
			for i, r := range []struct {
				against string
				j       *wire.Response
			}{{wire.AgainstBaseline, b}, {wire.AgainstStable, s}} {
				ref := got.References[i]
				if ref.Against != r.against || ref.Verdict != r.j.Verdict || ref.Score != r.j.Score || ref.Reason != r.j.Reason ||
					ref.Target != r.j.Target || !slices.Equal(ref.Failed, r.j.Summary.Failed) || len(ref.Metrics) != 3 || ref.Stable.Pods[0] != r.j.Stable.Pods[0] {
					t.Errorf("reference %d is %+v, want the judgement against the %s", i, ref, r.against)
				}
			}
			if b.Verdict != c.base || b.References != nil {
				t.Errorf("the judgement against the baseline was changed: %s, %d references", b.Verdict, len(b.References))
			}
		})
	}
}

// TestCombineWithAReferenceMissing: a reference of which no pod has data
// (a wrong ReplicaSet or hash) cannot leave the other to pass the canary
// alone; the answer is Inconclusive and says which argument to check.
// Inconclusive and Failed answers stay as they are.
func TestCombineWithAReferenceMissing(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name                 string
		base, stable         analysis.Verdict
		noBaseline, noStable bool
		want                 analysis.Verdict
		first                string
	}{
		{"no baseline pod", I, S, true, false, I, "Inconclusive: no pod of the baseline (web-6d4f9c7b8-2-1-baseline) has data in the window"},
		{"no stable pod", S, I, false, true, I, "Inconclusive: no stable pod (7c9d5b6f4d) has data in the window"},
		{"neither", I, I, true, true, I, "Inconclusive against both references"},
		{"no baseline pod, the stable pods fail it", I, F, true, false, I, "Inconclusive: the canary fails against the stable pods"},
		{"both present", I, S, false, false, S, "Successful: the canary passes against the stable pods"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var sf []string
			if c.stable == F {
				sf = []string{"latency"}
			}
			b := judged(wire.AgainstBaseline, c.base, 40)
			s := judged(wire.AgainstStable, c.stable, 70, sf...)
			if c.noBaseline {
				b.Stable.Pods = nil
			}
			if c.noStable {
				s.Stable.Pods = nil
			}
			got, err := combine(bothTarget, outcome{resp: b}, outcome{resp: s}, outcome{})
			if err != nil {
				t.Fatal(err)
			}
			if got.Verdict != c.want || got.Summary.Verdict != c.want {
				t.Errorf("verdict %s (summary %s), want %s", got.Verdict, got.Summary.Verdict, c.want)
			}
			if !strings.HasPrefix(got.Reason, c.first) {
				t.Errorf("reason %q\nwant it to begin %q", got.Reason, c.first)
			}
		})
	}
}

// TestCombineErrors: a judgement that could not be made is the answer's
// error, whatever the other's verdict; never a verdict.
func TestCombineErrors(t *testing.T) {
	t.Parallel()
	errBase, errStable := errors.New("baseline: backend down"), errors.New("stable: bad input")
	ok := func(v analysis.Verdict) outcome { return outcome{resp: judged(wire.AgainstBaseline, v, 100)} }
	for _, c := range []struct {
		name         string
		base, stable outcome
		want         error
	}{
		{"against the baseline", outcome{err: errBase}, ok(analysis.Successful), errBase},
		{"against the stable pods", ok(analysis.Successful), outcome{err: errStable}, errStable},
		{"against the stable pods, the baseline Failed", ok(analysis.Failed), outcome{err: errStable}, errStable},
		{"both: the baseline's", outcome{err: errBase}, outcome{err: errStable}, errBase},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, err := combine(bothTarget, c.base, c.stable, outcome{})
			if !errors.Is(err, c.want) || got != nil {
				t.Errorf("got %v, %v; want no answer and %v", got, err, c.want)
			}
		})
	}
}
