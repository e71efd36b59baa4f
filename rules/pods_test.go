package rules

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/canary-analyzer/canary-analyzer/request"
)

func TestPodMatcherParams(t *testing.T) {
	t.Parallel()
	target := request.Target{Namespace: "shop", Rollout: "web.v2", CanaryHash: "5f6b7c8d9e", StableHash: "7c9d5b6f4d"}
	cases := []struct {
		name                         string
		pm                           PodMatching
		target                       request.Target
		pods, canaryPods, stablePods string
	}{
		{
			name:       "by name with rollout (dots escaped)",
			pm:         PodMatching{By: ByName, PodLabel: "pod"},
			target:     target,
			pods:       `pod=~"web\\.v2-(?:5f6b7c8d9e|7c9d5b6f4d)-[a-z0-9]+"`,
			canaryPods: `pod=~"web\\.v2-5f6b7c8d9e-[a-z0-9]+"`,
			stablePods: `pod=~"web\\.v2-7c9d5b6f4d-[a-z0-9]+"`,
		},
		{
			name:       "by name without rollout",
			pm:         PodMatching{By: ByName, PodLabel: "kubernetes_pod_name"},
			target:     request.Target{Namespace: "shop", CanaryHash: "abc", StableHash: "def"},
			pods:       `kubernetes_pod_name=~".+-(?:abc|def)-[a-z0-9]+"`,
			canaryPods: `kubernetes_pod_name=~".+-abc-[a-z0-9]+"`,
			stablePods: `kubernetes_pod_name=~".+-def-[a-z0-9]+"`,
		},
		{
			name:       "by label",
			pm:         PodMatching{By: ByLabel, Label: "rollouts_pod_template_hash", PodLabel: "pod"},
			target:     target,
			pods:       `rollouts_pod_template_hash=~"(?:5f6b7c8d9e|7c9d5b6f4d)"`,
			canaryPods: `rollouts_pod_template_hash="5f6b7c8d9e"`,
			stablePods: `rollouts_pod_template_hash="7c9d5b6f4d"`,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := NewPodMatcher(c.pm, c.target)
			if err != nil {
				t.Fatal(err)
			}
			p := m.Params(model.Duration(30 * time.Second))
			if p.Pods != c.pods || p.CanaryPods != c.canaryPods || p.StablePods != c.stablePods {
				t.Errorf("got\n%s\n%s\n%s\nwant\n%s\n%s\n%s", p.Pods, p.CanaryPods, p.StablePods, c.pods, c.canaryPods, c.stablePods)
			}
			if p.Step != "30s" || p.Namespace != c.target.Namespace {
				t.Errorf("step %q namespace %q", p.Step, p.Namespace)
			}
		})
	}
}

// TestPodMatcherQuoting feeds values the API would reject, to show the
// matcher can never be broken out of even if validation were bypassed.
func TestPodMatcherQuoting(t *testing.T) {
	t.Parallel()
	hostile := request.Target{Namespace: `x"} or vector(1) #`, Rollout: `a|b\`, CanaryHash: `c"`, StableHash: `.*`}
	m, err := NewPodMatcher(PodMatching{By: ByName, PodLabel: "pod"}, hostile)
	if err != nil {
		t.Fatal(err)
	}
	p := m.Params(model.Duration(time.Minute))
	if p.Namespace != `x\"} or vector(1) #` {
		t.Errorf("namespace not escaped: %s", p.Namespace)
	}
	// Each matcher value must be one valid Go/PromQL string literal whose
	// content, as a regular expression, matches the hostile names literally.
	for _, matcher := range []string{p.Pods, p.CanaryPods, p.StablePods} {
		lit := matcher[len(`pod=~`):]
		re, err := strconv.Unquote(lit)
		if err != nil {
			t.Fatalf("%s is not one string literal: %v", matcher, err)
		}
		if _, err := regexp.Compile(re); err != nil {
			t.Fatalf("%s: %v", re, err)
		}
	}
	canaryRe, _ := strconv.Unquote(p.CanaryPods[len(`pod=~`):])
	if !regexp.MustCompile("^" + canaryRe + "$").MatchString(`a|b\-c"-xyz12`) {
		t.Errorf("canary pattern %s does not match the literal pod name", canaryRe)
	}
	if regexp.MustCompile("^" + canaryRe + "$").MatchString(`a-c"-xyz12`) {
		t.Errorf("canary pattern %s treats | as alternation", canaryRe)
	}
}

func TestPodMatcherClassify(t *testing.T) {
	t.Parallel()
	byName, err := NewPodMatcher(PodMatching{By: ByName, PodLabel: "pod"}, request.Target{Rollout: "web", CanaryHash: "5f6b7c8d9e", StableHash: "7c9d5b6f4d"})
	if err != nil {
		t.Fatal(err)
	}
	anyRollout, err := NewPodMatcher(PodMatching{By: ByName, PodLabel: "pod"}, request.Target{CanaryHash: "5f6b7c8d9e", StableHash: "7c9d5b6f4d"})
	if err != nil {
		t.Fatal(err)
	}
	byLabel, err := NewPodMatcher(PodMatching{By: ByLabel, Label: "h", PodLabel: "pod"}, request.Target{CanaryHash: "c1", StableHash: "s1"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		m    *PodMatcher
		ls   model.Metric
		side Side
		pod  string
	}{
		{"canary", byName, model.Metric{"pod": "web-5f6b7c8d9e-zzzzz"}, Canary, "web-5f6b7c8d9e-zzzzz"},
		{"stable", byName, model.Metric{"pod": "web-7c9d5b6f4d-aaaaa"}, Stable, "web-7c9d5b6f4d-aaaaa"},
		{"other rollout", byName, model.Metric{"pod": "api-5f6b7c8d9e-zzzzz"}, Neither, "api-5f6b7c8d9e-zzzzz"},
		{"hash as prefix only", byName, model.Metric{"pod": "web-5f6b7c8d9e0-zzzzz"}, Neither, "web-5f6b7c8d9e0-zzzzz"},
		{"no pod label", byName, model.Metric{"instance": "x"}, Neither, ""},
		{"any rollout", anyRollout, model.Metric{"pod": "shop-web-5f6b7c8d9e-zzzzz"}, Canary, "shop-web-5f6b7c8d9e-zzzzz"},
		{"label canary", byLabel, model.Metric{"pod": "p1", "h": "c1"}, Canary, "p1"},
		{"label stable", byLabel, model.Metric{"pod": "p2", "h": "s1"}, Stable, "p2"},
		{"label other", byLabel, model.Metric{"pod": "p3", "h": "x"}, Neither, "p3"},
		{"label without pod", byLabel, model.Metric{"h": "c1"}, Neither, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			side, pod := c.m.Classify(c.ls)
			if side != c.side || pod != c.pod {
				t.Errorf("got %v %q, want %v %q", side, pod, c.side, c.pod)
			}
		})
	}
	if _, err := NewPodMatcher(PodMatching{}, request.Target{CanaryHash: "a", StableHash: "a"}); err == nil {
		t.Error("equal hashes accepted")
	}
}

// experimentTarget names an Argo experiment's canary and baseline
// ReplicaSets: <rollout>-<hash>-<revision>-<step>-<template>.
var experimentTarget = request.Target{Namespace: "shop", Rollout: "web",
	CanaryReplicaSet: "web-6d4f9c7b8-2-1-canary", StableReplicaSet: "web-6d4f9c7b8-2-1-baseline"}

func TestPodMatcherReplicaSets(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 40) + "-6d4f9c7b8-1-3" // 54 characters: "<long>-can" is the 58 kept
	cases := []struct {
		name                         string
		target                       request.Target
		pods, canaryPods, stablePods string
		// the pods each side must select, and the pods neither may;
		// shared are pods {{.Pods}} selects and neither side takes (a
		// both-references request's stable pods, for the queries its
		// judgements share)
		canary, stable, neither, shared []string
	}{
		{
			name:       "an experiment's canary and baseline",
			target:     experimentTarget,
			pods:       `pod=~"(?:web-6d4f9c7b8-2-1-canary-[a-z0-9]+|web-6d4f9c7b8-2-1-baseline-[a-z0-9]+)"`,
			canaryPods: `pod=~"web-6d4f9c7b8-2-1-canary-[a-z0-9]+"`,
			stablePods: `pod=~"web-6d4f9c7b8-2-1-baseline-[a-z0-9]+"`,
			canary:     []string{"web-6d4f9c7b8-2-1-canary-fghij"},
			stable:     []string{"web-6d4f9c7b8-2-1-baseline-abcde", "web-6d4f9c7b8-2-1-baseline-x2x2x"},
			neither: []string{
				"web-6d4f9c7b8-abcde",                   // the rollout's canary pod (same hash as the experiment's canary)
				"web-7c9d5b6f4d-abcde",                  // the stable pods
				"web-6d4f9c7b8-2-1-baseline-x-abcde",    // a ReplicaSet whose name continues
				"web-6d4f9c7b8-2-1-baseline",            // the ReplicaSet's own name
				"web-6d4f9c7b8-2-1-baselineabcde",       // no '-'
				"web-6d4f9c7b8-3-1-baseline-abcde",      // the next revision's experiment
				"shop-web-6d4f9c7b8-2-1-canary-abcde",   // another prefix
				"web-6d4f9c7b8-2-1-canary-ABCDE",        // not a generated suffix
				"web-6d4f9c7b8-2-1-canary-abcde\nx-abc", // a newline
			},
		},
		{
			name:       "a rollout's ReplicaSets (dots escaped)",
			target:     request.Target{Namespace: "shop", CanaryReplicaSet: "web.v2-5f6b7c8d9e", StableReplicaSet: "web.v2-7c9d5b6f4d"},
			pods:       `pod=~"(?:web\\.v2-5f6b7c8d9e-[a-z0-9]+|web\\.v2-7c9d5b6f4d-[a-z0-9]+)"`,
			canaryPods: `pod=~"web\\.v2-5f6b7c8d9e-[a-z0-9]+"`,
			stablePods: `pod=~"web\\.v2-7c9d5b6f4d-[a-z0-9]+"`,
			canary:     []string{"web.v2-5f6b7c8d9e-zzzzz"},
			stable:     []string{"web.v2-7c9d5b6f4d-aaaaa"},
			neither:    []string{"webxv2-5f6b7c8d9e-zzzzz"},
		},
		{
			// The API server keeps 58 characters of generateName
			// "<replicaset>-" and appends five random ones.
			name:       "names longer than Kubernetes keeps",
			target:     request.Target{Namespace: "shop", CanaryReplicaSet: long + "-canary", StableReplicaSet: long + "-baseline"},
			pods:       `pod=~"(?:` + long + `-can[a-z0-9]{5}|` + long + `-bas[a-z0-9]{5})"`,
			canaryPods: `pod=~"` + long + `-can[a-z0-9]{5}"`,
			stablePods: `pod=~"` + long + `-bas[a-z0-9]{5}"`,
			canary:     []string{long + "-canb2x4z"},
			stable:     []string{long + "-basqqqqq"},
			neither:    []string{long + "-canary-b2x4z", long + "-canb2x4zz"},
		},
		// Each side is named by its own field: the canary's ReplicaSet
		// against the stable pods by hash; a both-references target is
		// matched as its judgement against the baseline, and its
		// {{.Pods}} selects the stable pods as well.
		{
			name:       "the canary's ReplicaSet against the stable pods",
			target:     bothTarget.AgainstStable(),
			pods:       `pod=~"(?:web-6d4f9c7b8-2-1-canary-[a-z0-9]+|web-7c9d5b6f4d-[a-z0-9]+)"`,
			canaryPods: `pod=~"web-6d4f9c7b8-2-1-canary-[a-z0-9]+"`,
			stablePods: `pod=~"web-7c9d5b6f4d-[a-z0-9]+"`,
			canary:     []string{"web-6d4f9c7b8-2-1-canary-fghij"},
			stable:     []string{"web-7c9d5b6f4d-k6plh", "web-7c9d5b6f4d-2x4z6"},
			neither: []string{
				"web-6d4f9c7b8-2-1-baseline-abcde", // the baseline carries the stable hash but not its name
				"web-6d4f9c7b8-abcde",              // the rollout's own canary pod
				"api-7c9d5b6f4d-abcde",             // another rollout
				"web-7c9d5b6f4d-2-1-foo-abcde",     // a ReplicaSet whose name continues
			},
		},
		{
			name:       "both references: the judgement against the baseline",
			target:     bothTarget,
			pods:       `pod=~"(?:web-6d4f9c7b8-2-1-canary-[a-z0-9]+|web-6d4f9c7b8-2-1-baseline-[a-z0-9]+|web-7c9d5b6f4d-[a-z0-9]+)"`,
			canaryPods: `pod=~"web-6d4f9c7b8-2-1-canary-[a-z0-9]+"`,
			stablePods: `pod=~"web-6d4f9c7b8-2-1-baseline-[a-z0-9]+"`,
			canary:     []string{"web-6d4f9c7b8-2-1-canary-fghij"},
			stable:     []string{"web-6d4f9c7b8-2-1-baseline-abcde"},
			neither:    []string{"web-6d4f9c7b8-abcde", "api-7c9d5b6f4d-abcde", "web-7c9d5b6f4d-2-1-foo-abcde"},
			shared:     []string{"web-7c9d5b6f4d-k6plh"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			m, err := NewPodMatcher(PodMatching{By: ByName, PodLabel: "pod"}, c.target)
			if err != nil {
				t.Fatal(err)
			}
			p := m.Params(model.Duration(time.Minute))
			if p.Pods != c.pods || p.CanaryPods != c.canaryPods || p.StablePods != c.stablePods {
				t.Errorf("got\n%s\n%s\n%s\nwant\n%s\n%s\n%s", p.Pods, p.CanaryPods, p.StablePods, c.pods, c.canaryPods, c.stablePods)
			}
			if p.Rollout != c.target.Rollout {
				t.Errorf("rollout %q, want %q", p.Rollout, c.target.Rollout)
			}
			// Prometheus anchors a =~ matcher at both ends: so do we.
			pods := regexp.MustCompile("^(?:" + unquoteMatcher(t, p.Pods) + ")$")
			check := func(names []string, want Side, selected bool) {
				for _, n := range names {
					if side, _ := m.Classify(model.Metric{"pod": model.LabelValue(n)}); side != want {
						t.Errorf("%s is %v, want %v", n, side, want)
					}
					if pods.MatchString(n) != selected {
						t.Errorf("{{.Pods}} selects %s: %v, want %v", n, pods.MatchString(n), selected)
					}
					// IsReplicaSetPod (what replay reads experiment pods
					// with) agrees with the matcher.
					for _, rs := range []struct {
						name string
						side Side
					}{{c.target.CanaryReplicaSet, Canary}, {c.target.StableReplicaSet, Stable}} {
						if rs.name != "" && IsReplicaSetPod(rs.name, n) != (want == rs.side) {
							t.Errorf("IsReplicaSetPod(%s, %s) = %v", rs.name, n, !(want == rs.side))
						}
					}
				}
			}
			check(c.canary, Canary, true)
			check(c.stable, Stable, true)
			check(c.neither, Neither, false)
			check(c.shared, Neither, true)
		})
	}
}

func unquoteMatcher(t *testing.T, matcher string) string {
	t.Helper()
	_, lit, _ := strings.Cut(matcher, "=~")
	re, err := strconv.Unquote(lit)
	if err != nil {
		t.Fatalf("%s: %v", matcher, err)
	}
	return re
}

func TestPodMatcherReplicaSetErrors(t *testing.T) {
	t.Parallel()
	byName := PodMatching{By: ByName, PodLabel: "pod"}
	long := strings.Repeat("b", 60)
	cases := []struct {
		name    string
		pm      PodMatching
		target  request.Target
		wantErr string
	}{
		{"by label", PodMatching{By: ByLabel, Label: "rollouts_pod_template_hash", PodLabel: "pod"}, experimentTarget, "pods.by: name"},
		{"same", byName, request.Target{CanaryReplicaSet: "web-a", StableReplicaSet: "web-a"}, "the same"},
		{"one missing", byName, request.Target{CanaryReplicaSet: "web-a"}, "required together"},
		// Both cut to the same 58 characters: Kubernetes gives their pods
		// names that only the random part tells apart.
		{"the same cut prefix", byName, request.Target{CanaryReplicaSet: long + "-canary", StableReplicaSet: long + "-baseline"}, "cannot be told apart"},
		// A cut name whose prefix is the other's pods' prefix followed by
		// letters and digits: its pods would match the other's pattern.
		{"a cut prefix that is the other's pod", byName,
			request.Target{CanaryReplicaSet: "web-" + strings.Repeat("c", 60), StableReplicaSet: "web"}, "cannot be told apart"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewPodMatcher(c.pm, c.target)
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("got %v, want an error with %q", err, c.wantErr)
			}
		})
	}
	// The same two names, untruncated, are told apart.
	if _, err := NewPodMatcher(byName, request.Target{CanaryReplicaSet: "web-cccc", StableReplicaSet: "web"}); err != nil {
		t.Errorf("web-cccc against web: %v", err)
	}
}

// bothTarget names an experiment's canary and baseline ReplicaSets and the
// rollout's stable hash: both references.
var bothTarget = request.Target{Namespace: "shop", Rollout: "web", StableHash: "7c9d5b6f4d",
	CanaryReplicaSet: "web-6d4f9c7b8-2-1-canary", StableReplicaSet: "web-6d4f9c7b8-2-1-baseline"}

// TestPodMatcherOverlaps: a side named by hash must select none of the
// pods of a side named by ReplicaSet, nor, in a both-references target,
// of the canary's or the baseline's ReplicaSet; each refusal names the
// field at fault.
func TestPodMatcherOverlaps(t *testing.T) {
	t.Parallel()
	byName := PodMatching{By: ByName, PodLabel: "pod"}
	with := func(change func(t *request.Target)) request.Target {
		t := bothTarget
		change(&t)
		return t
	}
	// A rollout name of 46 characters: <rollout>-<hash>- is the 58
	// characters Kubernetes keeps of a longer ReplicaSet's pod names, whose
	// pods are then <rollout>-<hash>-<five random characters>.
	long := strings.Repeat("r", 46)
	cases := []struct {
		name, field string // field "" when the sides are apart
		pm          PodMatching
		target      request.Target
	}{
		{"apart", "", byName, bothTarget},
		{"against the stable pods, apart", "", byName, bothTarget.AgainstStable()},
		{"a canary ReplicaSet named <rollout>-<stableHash>", "stableHash", byName,
			with(func(t *request.Target) { t.CanaryReplicaSet = "web-7c9d5b6f4d" })},
		{"the same, against the stable pods", "stableHash", byName,
			request.Target{Namespace: "shop", Rollout: "web", CanaryReplicaSet: "web-7c9d5b6f4d", StableHash: "7c9d5b6f4d"}},
		{"a baseline named <rollout>-<stableHash>", "stableHash", byName,
			with(func(t *request.Target) { t.StableReplicaSet = "web-7c9d5b6f4d" })},
		{"a baseline whose cut pod names are <rollout>-<stableHash>-<suffix>", "stableHash", byName,
			with(func(t *request.Target) {
				t.Rollout = long
				t.CanaryReplicaSet = long + "-6d4f9c7b8-2-1-canary"
				t.StableReplicaSet = long + "-7c9d5b6f4d-2-1-baseline"
			})},
		{"the same rollout, a cut canary ReplicaSet of another hash", "", byName,
			request.Target{Namespace: "shop", Rollout: long, CanaryReplicaSet: long + "-6d4f9c7b8-2-1-canary", StableHash: "7c9d5b6f4d"}},
		{"the same rollout, a cut canary ReplicaSet of the stable hash", "stableHash", byName,
			request.Target{Namespace: "shop", Rollout: long, CanaryReplicaSet: long + "-7c9d5b6f4d-2-1-canary", StableHash: "7c9d5b6f4d"}},
		{"a ReplicaSet that only starts with <rollout>-<stableHash>", "", byName,
			with(func(t *request.Target) { t.StableReplicaSet = "web-7c9d5b6f4d0" })},
		{"a ReplicaSet of <rollout>-<stableHash>-<more>", "", byName,
			with(func(t *request.Target) { t.StableReplicaSet = "web-7c9d5b6f4d-2-1-baseline" })},
		{"a stable hash beside a ReplicaSet without the rollout", "rollout", byName,
			request.Target{Namespace: "shop", CanaryReplicaSet: "web-6d4f9c7b8-2-1-canary", StableHash: "7c9d5b6f4d"}},
		{"pods by label", "canaryReplicaSet", PodMatching{By: ByLabel, Label: "rollouts_pod_template_hash", PodLabel: "pod"}, bothTarget.AgainstStable()},
		{"both references by label", "canaryReplicaSet", PodMatching{By: ByLabel, Label: "rollouts_pod_template_hash", PodLabel: "pod"}, bothTarget},
		{"no stable side", "canaryReplicaSet", byName, request.Target{Namespace: "shop", Rollout: "web", CanaryReplicaSet: "web-6d4f9c7b8-2-1-canary"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewPodMatcher(c.pm, c.target)
			if c.field == "" {
				if err != nil {
					t.Errorf("refused: %v", err)
				}
				return
			}
			var te *request.Error
			if !errors.As(err, &te) || te.Field != c.field {
				t.Errorf("got %v, want an error in field %s", err, c.field)
			}
		})
	}
}

// TestPodMatcherWithin renders a judgement of a both-references request
// with {{.Pods}} selecting all three ReplicaSets' pods: its sides and the
// pods whose first counter values Increase counts stay the judgement's own.
func TestPodMatcherWithin(t *testing.T) {
	t.Parallel()
	pods := PodMatching{By: ByName, PodLabel: "pod", Label: DefaultHashLabel}
	whole, err := NewPodMatcher(pods, bothTarget)
	if err != nil {
		t.Fatal(err)
	}
	const all = `pod=~"(?:web-6d4f9c7b8-2-1-canary-[a-z0-9]+|web-6d4f9c7b8-2-1-baseline-[a-z0-9]+|web-7c9d5b6f4d-[a-z0-9]+)"`
	increase, err := ParseTemplate("restarts", "{{.Increase `x{ {{.Pods}} }`}}")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		target request.Target
		canary string
	}{
		{"against the baseline", bothTarget.AgainstBaseline(), `pod=~"web-6d4f9c7b8-2-1-canary-[a-z0-9]+"`},
		{"against the stable pods", bothTarget.AgainstStable(), `pod=~"web-6d4f9c7b8-2-1-canary-[a-z0-9]+"`},
		{"the age check", bothTarget.BaselineAgainstStable(), `pod=~"web-6d4f9c7b8-2-1-baseline-[a-z0-9]+"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			m, err := NewPodMatcher(pods, c.target)
			if err != nil {
				t.Fatal(err)
			}
			own, p := m.Params(model.Duration(time.Minute)), m.Within(whole, model.Duration(time.Minute))
			if p.Pods != all || p.CanaryPods != own.CanaryPods || p.StablePods != own.StablePods || p.CanaryPods != c.canary {
				t.Errorf("pods %s, canary %s, stable %s; want %s and the judgement's own sides (canary %s)", p.Pods, p.CanaryPods, p.StablePods, all, c.canary)
			}
			q, err := increase.Render(p)
			if err != nil {
				t.Fatal(err)
			}
			if want := "{" + all + ", __name__=\"x\", " + c.canary + "} unless"; !strings.Contains(q, want) {
				t.Errorf("Increase counts the first values of other pods than the judgement's canary:\n%s\nwant it to contain %s", q, want)
			}
		})
	}
}
