package verify

import (
	"testing"

	"github.com/argoproj/argo-rollouts/pkg/apis/rollouts/v1alpha1"
	analysisutil "github.com/argoproj/argo-rollouts/utils/analysis"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// shippedTemplates renders deploy/analysis: the ClusterAnalysisTemplates
// every overlay installs, by name.
func shippedTemplates(t *testing.T) map[string]*v1alpha1.ClusterAnalysisTemplate {
	t.Helper()
	objs, err := Render("analysis")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*v1alpha1.ClusterAnalysisTemplate{}
	for _, o := range objs {
		tmpl, ok := o.Typed.(*v1alpha1.ClusterAnalysisTemplate)
		if !ok {
			t.Fatalf("deploy/analysis renders %s, want only ClusterAnalysisTemplates", o.ID())
		}
		out[tmpl.Name] = tmpl
	}
	return out
}

// example is the rendered example application: an Apache frontend Rollout
// and its Service.
type example struct {
	rollout *v1alpha1.Rollout
	service *corev1.Service
}

func exampleApp(t *testing.T) example {
	t.Helper()
	return renderExample(t, "examples/apache-frontend")
}

// renderExample renders an example application of deploy/examples: one
// Rollout and its Service.
func renderExample(t *testing.T, dir string) example {
	t.Helper()
	objs, err := Render(dir)
	if err != nil {
		t.Fatal(err)
	}
	var ex example
	for _, o := range objs {
		switch v := o.Typed.(type) {
		case *v1alpha1.Rollout:
			ex.rollout = v
		case *corev1.Service:
			ex.service = v
		default:
			t.Fatalf("unexpected object %s in the example", o.ID())
		}
	}
	if ex.rollout == nil || ex.service == nil {
		t.Fatal("the example must hold a Rollout and a Service")
	}
	return ex
}

// analysisStep returns the Rollout's one inline analysis step.
func analysisStep(t *testing.T, r *v1alpha1.Rollout) *v1alpha1.RolloutAnalysis {
	t.Helper()
	var found *v1alpha1.RolloutAnalysis
	for _, s := range r.Spec.Strategy.Canary.Steps {
		if s.Analysis != nil {
			if found != nil {
				t.Fatal("the example has more than one analysis step")
			}
			found = s.Analysis
		}
	}
	if found == nil {
		t.Fatal("the example has no analysis step")
	}
	return found
}

// replicaSet is a ReplicaSet of the Rollout r as the controller labels it:
// rollouts-pod-template-hash is the hash Argo's podTemplateHashValue reads.
func replicaSet(r *v1alpha1.Rollout, hash string) *appsv1.ReplicaSet {
	return &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{
		Name:      r.Name + "-" + hash,
		Namespace: r.Namespace,
		Labels:    map[string]string{v1alpha1.DefaultRolloutUniqueLabelKey: hash},
	}}
}

// newAnalysisRun builds, with Argo Rollouts' own functions and in the order
// its controller calls them, the AnalysisRun that the analysis step of r
// creates when the stable ReplicaSet has hash stableHash and the canary's
// has canaryHash: the step's args are resolved against the Rollout
// (fieldRef, podTemplateHashValue), merged with the template's, and each
// metric's {{args.*}} placeholders are substituted. It returns the run and
// its resolved metrics.
func newAnalysisRun(t *testing.T, r *v1alpha1.Rollout, tmpl *v1alpha1.ClusterAnalysisTemplate, stableHash, canaryHash string) (*v1alpha1.AnalysisRun, []v1alpha1.Metric) {
	t.Helper()
	step := analysisStep(t, r)
	args, err := analysisutil.BuildArgumentsForRolloutAnalysisRun(step.Args, replicaSet(r, stableHash), replicaSet(r, canaryHash), r)
	if err != nil {
		t.Fatalf("resolving the step's args: %v", err)
	}
	run, err := analysisutil.NewAnalysisRunFromTemplates(nil, []*v1alpha1.ClusterAnalysisTemplate{tmpl}, args,
		step.DryRun, step.MeasurementRetention, map[string]string{}, map[string]string{},
		r.Name+"-"+canaryHash+"-1", "", r.Namespace)
	if err != nil {
		t.Fatalf("creating the AnalysisRun from %s: %v", tmpl.Name, err)
	}
	var metrics []v1alpha1.Metric
	for _, m := range run.Spec.Metrics {
		resolved, err := analysisutil.ResolveMetricArgs(m, run.Spec.Args)
		if err != nil {
			t.Fatalf("resolving %s's args: %v", m.Name, err)
		}
		metrics = append(metrics, *resolved)
	}
	return run, metrics
}
