package verify

import (
	"fmt"
	"net/url"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/argoproj/argo-rollouts/pkg/apis/rollouts/v1alpha1"
	analysisutil "github.com/argoproj/argo-rollouts/utils/analysis"
	"github.com/argoproj/argo-rollouts/utils/hash"
	templateutil "github.com/argoproj/argo-rollouts/utils/template"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/storage/names"

	"github.com/prometheus/common/model"

	"github.com/canary-analyzer/canary-analyzer/request"
	"github.com/canary-analyzer/canary-analyzer/rules"
)

// The shipped ClusterAnalysisTemplates: two that name the pods by
// pod-template hash (an analysis step), and one by ReplicaSet (an
// experiment's canary against its baseline).
var hashTemplates = []string{"canary-analyzer", "canary-analyzer-post"}

const experimentTemplate = "canary-analyzer-experiment"

// experimentStep returns the Rollout's one experiment step and its index.
func experimentStep(t *testing.T, r *v1alpha1.Rollout) (*v1alpha1.RolloutExperimentStep, int32) {
	t.Helper()
	steps := r.Spec.Strategy.Canary.Steps
	if len(steps) != 1 || steps[0].Experiment == nil {
		t.Fatalf("steps %+v, want one experiment step and nothing after (a Successful experiment promotes)", steps)
	}
	return steps[0].Experiment, 0
}

// TestExperimentTemplateAgreesWithTheHashTemplate: the experiment's template
// asks at the same looks with the same limits as canary-analyzer (so the
// rule sets' looks and the README's table hold for both); only the request
// differs.
func TestExperimentTemplateAgreesWithTheHashTemplate(t *testing.T) {
	t.Parallel()
	tmpls := shippedTemplates(t)
	get, ex := tmpls["canary-analyzer"], tmpls[experimentTemplate]
	if get == nil || ex == nil {
		t.Fatalf("templates %v, want canary-analyzer and %s", tmpls, experimentTemplate)
	}
	strip := func(s v1alpha1.AnalysisTemplateSpec) v1alpha1.AnalysisTemplateSpec {
		s = *s.DeepCopy()
		s.Args = nil
		for i := range s.Metrics {
			s.Metrics[i].Provider.Web.URL = ""
		}
		return s
	}
	if !reflect.DeepEqual(strip(get.Spec), strip(ex.Spec)) {
		t.Errorf("the templates differ beyond args and URL:\nhash       %+v\nexperiment %+v", strip(get.Spec), strip(ex.Spec))
	}
	var args []string
	for _, a := range ex.Spec.Args {
		args = append(args, a.Name)
	}
	if want := []string{"namespace", "rollout", "canary-replicaset", "stable-replicaset", "stable-hash", "rule-set"}; !reflect.DeepEqual(args, want) {
		t.Errorf("args %v, want %v", args, want)
	}
}

// TestExperimentExampleStrategy checks the example of an experiment step:
// a baseline of the stable version and a canary started together, one
// analysis by the shipped experiment template that ends the experiment,
// and a duration that outlasts its last look.
func TestExperimentExampleStrategy(t *testing.T) {
	t.Parallel()
	ex := renderExample(t, "examples/apache-frontend-experiment")
	base := exampleApp(t)
	r := ex.rollout
	// The patch changes the steps and nothing else.
	strip := func(r *v1alpha1.Rollout) *v1alpha1.Rollout {
		r = r.DeepCopy()
		r.Spec.Strategy.Canary.Steps = nil
		return r
	}
	if !reflect.DeepEqual(strip(r), strip(base.rollout)) || !reflect.DeepEqual(ex.service, base.service) {
		t.Errorf("the experiment example differs from apache-frontend beyond the canary steps")
	}
	step, _ := experimentStep(t, r)

	templates := map[string]v1alpha1.RolloutExperimentTemplate{}
	for _, tmpl := range step.Templates {
		templates[tmpl.Name] = tmpl
	}
	if len(templates) != 2 || templates["baseline"].SpecRef != v1alpha1.StableSpecRef || templates["canary"].SpecRef != v1alpha1.CanarySpecRef {
		t.Fatalf("templates %+v, want baseline (specRef stable) and canary (specRef canary)", step.Templates)
	}
	if n := templates["canary"].Replicas; n == nil || *n != 1 {
		t.Errorf("canary replicas %v, want 1", n)
	}
	if n := templates["baseline"].Replicas; n == nil || *n < 1 || *n > 2 {
		t.Errorf("baseline replicas %v, want 1 or 2", n)
	}
	for _, tmpl := range step.Templates {
		// No selector or labels of their own: the Service selects them as
		// it selects every pod of the app, so both take real traffic.
		if tmpl.Selector != nil || len(tmpl.Metadata.Labels) > 0 || tmpl.Weight != nil || tmpl.Service != nil {
			t.Errorf("template %s has its own selector, labels, weight or Service: %+v", tmpl.Name, tmpl)
		}
	}

	if len(step.Analyses) != 1 {
		t.Fatalf("analyses %+v, want one", step.Analyses)
	}
	a := step.Analyses[0]
	tmpls := shippedTemplates(t)
	tmpl := tmpls[a.TemplateName]
	if !a.ClusterScope || a.TemplateName != experimentTemplate || tmpl == nil {
		t.Fatalf("analysis %+v, want the cluster-scoped %s", a, experimentTemplate)
	}
	if !a.RequiredForCompletion {
		t.Errorf("requiredForCompletion is off: the experiment would end at its duration, Successful, whatever the analysis had still to look at")
	}

	// The experiment's pods must outlive the last look: once the duration
	// has passed Argo scales them down (utils/experiment
	// CalculateTemplateReplicasCount). The analysis starts when the
	// experiment is available, as the duration does.
	d, err := step.Duration.Duration()
	if err != nil {
		t.Fatal(err)
	}
	m := tmpl.Spec.Metrics[0]
	delay, _ := m.InitialDelay.Duration()
	interval, _ := m.Interval.Duration()
	last := delay + time.Duration(m.Count.IntValue()-1)*interval
	if d < last+3*time.Minute {
		t.Errorf("duration %v: want at least the last look (%v) and 3 minutes for retries", d, last)
	}

	given := passedArgs(t, a.Args, tmpl)
	sets, err := rules.LoadDir(filepath.Join(DeployDir(), "base", "rules"), "live")
	if err != nil {
		t.Fatal(err)
	}
	rs := sets[given["rule-set"].Value]
	if rs == nil {
		t.Fatalf("rule set %q is not shipped", given["rule-set"].Value)
	}
	if rs.Pods.By != rules.ByName {
		t.Errorf("rule set %s matches pods by %s: an experiment needs pods.by: name", rs.Name, rs.Pods.By)
	}
}

// TestExperimentSelectsItsPods resolves the example's experiment step as
// Argo Rollouts' controllers do and checks that the request the analyzer
// gets selects exactly the pods of the experiment's canary and baseline:
// not the rollout's stable pods, which carry the baseline's pod-template
// hash, nor the rollout's own canary ReplicaSet.
//
// Argo's functions used: utils/analysis BuildArgumentsForRolloutAnalysisRun
// (the step's args against the Rollout, as rollout/experiment.go
// GetExperimentFromTemplate calls it), utils/hash ComputePodTemplateHash,
// utils/template ResolveExperimentArgsValue (as experiments/experiment.go
// ResolveAnalysisRunArgs calls it), utils/analysis
// NewAnalysisRunFromTemplates and ResolveMetricArgs. Two names are made in
// unexported code and written here as it writes them: the experiment's,
// "%s-%s-%s-%d" of the rollout, its pod-template hash, revision and step
// index (rollout/experiment.go GetExperimentFromTemplate), and its
// ReplicaSets', "%s-%s" of the experiment and the template
// (experiments/replicaset.go newReplicaSetFromTemplate). Pods are named by
// Kubernetes' own generator from "<replicaset>-" (the ReplicaSet
// controller's generateName).
func TestExperimentSelectsItsPods(t *testing.T) {
	t.Parallel()
	ex := renderExample(t, "examples/apache-frontend-experiment")
	tmpl := shippedTemplates(t)[experimentTemplate]
	sets, err := rules.LoadDir(filepath.Join(DeployDir(), "base", "rules"), "live")
	if err != nil {
		t.Fatal(err)
	}
	// Kubernetes keeps 58 characters of a pod's generateName: with a
	// rollout name of 40 characters the templates' names are cut after
	// their first letters ("can", "bas"), which still tell them apart; with
	// 50 the cut falls inside the hash, and the analyzer refuses the
	// request (400: Argo records an Error, the rollout aborts).
	for _, c := range []struct {
		name    string
		refused bool
	}{{ex.rollout.Name, false}, {strings.Repeat("storefront", 4), false}, {strings.Repeat("storefront", 5), true}} {
		t.Run(fmt.Sprintf("rollout of %d characters", len(c.name)), func(t *testing.T) {
			t.Parallel()
			r := ex.rollout.DeepCopy()
			r.Name = c.name
			r.Namespace = "shop"
			checkExperimentPods(t, r, tmpl, sets, c.refused)
		})
	}
}

func checkExperimentPods(t *testing.T, r *v1alpha1.Rollout, tmpl *v1alpha1.ClusterAnalysisTemplate, sets map[string]*rules.RuleSet, refused bool) {
	t.Helper()
	step, index := experimentStep(t, r)
	const revision = "2"
	r.Annotations = map[string]string{"rollout.argoproj.io/revision": revision}
	r.Status.CurrentStepIndex = &index

	// The stable version: the same pod template with another image; its
	// ReplicaSet is <rollout>-<hash> with the hash label on its pods.
	old := r.Spec.Template.DeepCopy()
	old.Spec.Containers[0].Image = "httpd:2.4.61"
	stableHash := hash.ComputePodTemplateHash(old, nil)
	canaryHash := hash.ComputePodTemplateHash(&r.Spec.Template, r.Status.CollisionCount)
	stableRS := rolloutReplicaSet(r, *old, stableHash)
	newRS := rolloutReplicaSet(r, r.Spec.Template, canaryHash)

	args, err := analysisutil.BuildArgumentsForRolloutAnalysisRun(step.Analyses[0].Args, stableRS, newRS, r)
	if err != nil {
		t.Fatal(err)
	}
	experiment := &v1alpha1.Experiment{ObjectMeta: metav1.ObjectMeta{
		Name: fmt.Sprintf("%s-%s-%s-%d", r.Name, canaryHash, revision, index), Namespace: r.Namespace}}
	templateRSs := map[string]*appsv1.ReplicaSet{}
	var pods = map[string][]string{} // template -> pod names
	for _, ts := range step.Templates {
		from := newRS
		if ts.SpecRef == v1alpha1.StableSpecRef {
			from = stableRS
		}
		experiment.Spec.Templates = append(experiment.Spec.Templates, v1alpha1.TemplateSpec{Name: ts.Name, Replicas: ts.Replicas, Template: from.Spec.Template})
		// newReplicaSetFromTemplate hashes the template without its hash
		// label: the baseline's hash is the stable pods'.
		podTemplate := from.Spec.Template.DeepCopy()
		delete(podTemplate.Labels, v1alpha1.DefaultRolloutUniqueLabelKey)
		h := hash.ComputePodTemplateHash(podTemplate, nil)
		rs := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{
			Name: fmt.Sprintf("%s-%s", experiment.Name, ts.Name), Namespace: r.Namespace,
			Labels: map[string]string{v1alpha1.DefaultRolloutUniqueLabelKey: h}}}
		templateRSs[ts.Name] = rs
		for i := 0; i < int(*ts.Replicas)+3; i++ { // more than the replicas: names of replaced pods too
			pods[ts.Name] = append(pods[ts.Name], names.SimpleNameGenerator.GenerateName(rs.Name+"-"))
		}
	}
	if templateRSs["baseline"].Labels[v1alpha1.DefaultRolloutUniqueLabelKey] != stableHash {
		t.Errorf("the baseline's hash %s differs from the stable pods' %s: the by-name selection is still right, but the comment on it is not",
			templateRSs["baseline"].Labels[v1alpha1.DefaultRolloutUniqueLabelKey], stableHash)
	}
	for i, arg := range args {
		v, err := templateutil.ResolveExperimentArgsValue(*arg.Value, experiment, templateRSs)
		if err != nil {
			t.Fatalf("arg %s: %v", arg.Name, err)
		}
		args[i].Value = &v
	}
	run, err := analysisutil.NewAnalysisRunFromTemplates(nil, []*v1alpha1.ClusterAnalysisTemplate{tmpl}, args, nil, nil,
		map[string]string{}, map[string]string{}, experiment.Name+"-"+step.Analyses[0].Name, "", r.Namespace)
	if err != nil {
		t.Fatal(err)
	}
	metric, err := analysisutil.ResolveMetricArgs(run.Spec.Metrics[0], run.Spec.Args)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(metric.Provider.Web.URL)
	if err != nil {
		t.Fatal(err)
	}
	req, err := request.ParseQuery(u.RawQuery)
	if err != nil {
		t.Fatalf("the analyzer refuses %s: %v", u.RawQuery, err)
	}
	want := request.Target{Namespace: r.Namespace, Rollout: r.Name,
		CanaryReplicaSet: templateRSs["canary"].Name, StableReplicaSet: templateRSs["baseline"].Name, StableHash: stableHash}
	if req.Target != want {
		t.Errorf("the analyzer is asked %+v, want %+v", req.Target, want)
	}
	if !req.BothReferences() {
		t.Errorf("%+v does not judge against both references", req.Target)
	}

	rs := sets[req.RuleSet]
	if rs == nil {
		t.Fatalf("rule set %q is not shipped", req.RuleSet)
	}
	var stablePods []string // the rollout's own pods of the stable version
	for i := 0; i < 10; i++ {
		stablePods = append(stablePods, names.SimpleNameGenerator.GenerateName(stableRS.Name+"-"))
	}
	// The two judgements of the request: each must see its canary and its
	// reference and nothing else.
	for _, c := range []struct {
		against           string
		target            request.Target
		reference, others []string
	}{
		{"baseline", req.AgainstBaseline(), pods["baseline"], stablePods},
		{"stable", req.AgainstStable(), stablePods, pods["baseline"]},
	} {
		m, err := rules.NewPodMatcher(rs.Pods, c.target)
		switch {
		case refused && c.against == "baseline" && (err == nil || !strings.Contains(err.Error(), "cannot be told apart")):
			t.Fatalf("%+v: got %v, want the pods refused as indistinguishable", c.target, err)
		case refused:
			return // the canary's and the baseline's pods cannot be told apart: the whole request is refused
		case err != nil:
			t.Fatalf("the rule set cannot judge %+v: %v", c.target, err)
		}
		check := podChecker(t, m, rs, c.against)
		for _, pod := range pods["canary"] {
			check(pod, rules.Canary)
		}
		for _, pod := range c.reference {
			check(pod, rules.Stable)
		}
		for _, pod := range c.others {
			check(pod, rules.Neither)
		}
		for i := 0; i < 10; i++ {
			check(names.SimpleNameGenerator.GenerateName(newRS.Name+"-"), rules.Neither)
			// The next revision's experiment at the same step.
			check(names.SimpleNameGenerator.GenerateName(fmt.Sprintf("%s-%s-3-%d-canary-", r.Name, canaryHash, index)), rules.Neither)
			check(names.SimpleNameGenerator.GenerateName(fmt.Sprintf("%s-%s-3-%d-baseline-", r.Name, canaryHash, index)), rules.Neither)
		}
	}
}

// podChecker returns a check that a pod is on the side want of matcher m,
// both as m classifies a returned series and as the queries' {{.Pods}}
// matcher selects it (Prometheus anchors a =~ matcher at both ends).
func podChecker(t *testing.T, m *rules.PodMatcher, rs *rules.RuleSet, against string) func(pod string, want rules.Side) {
	t.Helper()
	_, lit, _ := strings.Cut(m.Params(rs.Step).Pods, "=~")
	re, err := strconv.Unquote(lit)
	if err != nil {
		t.Fatal(err)
	}
	selected := regexp.MustCompile("^(?:" + re + ")$")
	return func(pod string, want rules.Side) {
		t.Helper()
		side, _ := m.Classify(map[model.LabelName]model.LabelValue{model.LabelName(rs.Pods.PodLabel): model.LabelValue(pod)})
		if side != want || selected.MatchString(pod) != (want != rules.Neither) {
			t.Errorf("against the %s: pod %s: side %v, selected %v; want %v", against, pod, side, selected.MatchString(pod), want)
		}
	}
}

// rolloutReplicaSet is a ReplicaSet of the Rollout as its controller makes
// it: <rollout>-<hash>, the hash label on it and on its pod template.
func rolloutReplicaSet(r *v1alpha1.Rollout, tmpl corev1.PodTemplateSpec, h string) *appsv1.ReplicaSet {
	rs := replicaSet(r, h)
	tmpl = *tmpl.DeepCopy()
	if tmpl.Labels == nil {
		tmpl.Labels = map[string]string{}
	}
	tmpl.Labels[v1alpha1.DefaultRolloutUniqueLabelKey] = h
	rs.Spec.Template = tmpl
	return rs
}
