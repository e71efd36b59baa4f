package verify

import (
	"path/filepath"
	"testing"

	"github.com/argoproj/argo-rollouts/pkg/apis/rollouts/v1alpha1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/canary-analyzer/canary-analyzer/rules"
)

// TestExampleRolloutStrategy checks the example Apache frontend against the
// strategy the service was made for: one canary pod with real traffic, an
// analysis by the shipped ClusterAnalysisTemplate, then the full scale-up.
func TestExampleRolloutStrategy(t *testing.T) {
	t.Parallel()
	ex := exampleApp(t)
	r := ex.rollout
	canary := r.Spec.Strategy.Canary
	if canary == nil {
		t.Fatal("the example Rollout has no canary strategy")
	}
	if canary.TrafficRouting != nil || canary.CanaryService != "" || canary.StableService != "" {
		t.Errorf("the example splits traffic by pod count through one Service: no traffic routing, no canary/stable Services")
	}

	steps := canary.Steps
	if len(steps) != 2 || steps[0].SetWeight == nil || steps[1].Analysis == nil {
		t.Fatalf("steps %+v, want [setWeight, analysis] and nothing after (a Successful analysis promotes)", steps)
	}
	// Basic canary: Argo runs replicas*weight/100 canary pods (exactly, when
	// that is a whole number; utils/replicaset rounds otherwise).
	replicas := *r.Spec.Replicas
	if w := *steps[0].SetWeight; replicas*w != 100 {
		t.Errorf("setWeight %d of %d replicas is %.2f canary pods, want exactly one", w, replicas, float64(replicas*w)/100)
	}
	if canary.MaxUnavailable == nil || canary.MaxUnavailable.IntValue() != 0 {
		t.Errorf("maxUnavailable %v: keep full capacity while the canary runs", canary.MaxUnavailable)
	}

	// The canary pod gets real traffic: the Service selects stable and
	// canary pods alike (Argo adds rollouts-pod-template-hash to each pod;
	// the Service must not select on it).
	sel := labels.SelectorFromSet(ex.service.Spec.Selector)
	podLabels := labels.Set(r.Spec.Template.Labels)
	if len(ex.service.Spec.Selector) == 0 || !sel.Matches(podLabels) {
		t.Errorf("the Service %v does not select the pods %v", ex.service.Spec.Selector, podLabels)
	}
	if _, ok := ex.service.Spec.Selector[v1alpha1.DefaultRolloutUniqueLabelKey]; ok {
		t.Errorf("the Service selects one pod-template hash: the canary would get no traffic, or only it would")
	}

	// The analysis names a shipped ClusterAnalysisTemplate and passes every
	// argument it has no default for.
	step := steps[1].Analysis
	tmpls := shippedTemplates(t)
	if len(step.Templates) != 1 || !step.Templates[0].ClusterScope || tmpls[step.Templates[0].TemplateName] == nil {
		t.Fatalf("analysis templates %+v: want one cluster-scoped reference to a shipped template", step.Templates)
	}
	tmpl := tmpls[step.Templates[0].TemplateName]
	given := passedArgs(t, step.Args, tmpl)
	for name, path := range map[string]string{"namespace": "metadata.namespace", "rollout": "metadata.name"} {
		if a := given[name]; a.ValueFrom == nil || a.ValueFrom.FieldRef == nil || a.ValueFrom.FieldRef.FieldPath != path {
			t.Errorf("arg %s must come from fieldRef %s", name, path)
		}
	}
	for name, which := range map[string]v1alpha1.ValueFromPodTemplateHash{"canary-hash": v1alpha1.Latest, "stable-hash": v1alpha1.Stable} {
		if a := given[name]; a.ValueFrom == nil || a.ValueFrom.PodTemplateHashValue == nil || *a.ValueFrom.PodTemplateHashValue != which {
			t.Errorf("arg %s must be podTemplateHashValue %s", name, which)
		}
	}

	// The rule set it asks for is one the analyzer loads.
	ruleSet := given["rule-set"].Value
	if ruleSet == "" {
		t.Fatal("the example does not choose a rule set")
	}
	sets, err := rules.LoadDir(filepath.Join(DeployDir(), "base", "rules"), "live")
	if err != nil {
		t.Fatalf("loading the shipped rule files: %v", err)
	}
	if sets[ruleSet] == nil {
		t.Errorf("rule set %q is not shipped (have %v)", ruleSet, rules.Names(sets))
	}
}

// passedArgs returns a step's args by name and checks that they pass every
// arg of the template that has no default.
func passedArgs(t *testing.T, args []v1alpha1.AnalysisRunArgument, tmpl *v1alpha1.ClusterAnalysisTemplate) map[string]v1alpha1.AnalysisRunArgument {
	t.Helper()
	given := map[string]v1alpha1.AnalysisRunArgument{}
	for _, a := range args {
		given[a.Name] = a
	}
	for _, a := range tmpl.Spec.Args {
		if _, ok := given[a.Name]; !ok && a.Value == nil {
			t.Errorf("the step does not pass arg %s", a.Name)
		}
	}
	return given
}
