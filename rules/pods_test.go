package rules

import (
	"regexp"
	"strconv"
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
