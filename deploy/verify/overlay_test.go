package verify

import (
	"strings"
	"testing"

	rolloutsv1alpha1 "github.com/argoproj/argo-rollouts/pkg/apis/rollouts/v1alpha1"
	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
)

// environments are the overlays in deploy/overlays, one per environment.
var environments = []string{"alpha", "beta", "live"}

// serviceNamespace is where the analyzer runs; the templates' URL names it.
const serviceNamespace = "canary-analyzer"

// overlay is one rendered overlay, by object.
type overlay struct {
	name           string
	namespace      *corev1.Namespace
	serviceAccount *corev1.ServiceAccount
	rules          *corev1.ConfigMap
	deployment     *appsv1.Deployment
	service        *corev1.Service
	pdb            *policyv1.PodDisruptionBudget
	serviceMonitor *monitoringv1.ServiceMonitor
	networkPolicy  *networkingv1.NetworkPolicy
	templates      map[string]*rolloutsv1alpha1.ClusterAnalysisTemplate
	objects        []Object
}

// renderOverlay renders deploy/overlays/<env> and files every object,
// failing on an object of a kind the service does not ship or on a second
// object of a kind it ships once.
func renderOverlay(t *testing.T, env string) *overlay {
	t.Helper()
	objs, err := Render("overlays/" + env)
	if err != nil {
		t.Fatal(err)
	}
	o := &overlay{name: env, objects: objs, templates: map[string]*rolloutsv1alpha1.ClusterAnalysisTemplate{}}
	once := func(have bool, obj Object) {
		if have {
			t.Fatalf("%s: a second %s (%s)", env, obj.Kind, obj.ID())
		}
	}
	for _, obj := range objs {
		switch v := obj.Typed.(type) {
		case *corev1.Namespace:
			once(o.namespace != nil, obj)
			o.namespace = v
		case *corev1.ServiceAccount:
			once(o.serviceAccount != nil, obj)
			o.serviceAccount = v
		case *corev1.ConfigMap:
			once(o.rules != nil, obj)
			o.rules = v
		case *appsv1.Deployment:
			once(o.deployment != nil, obj)
			o.deployment = v
		case *corev1.Service:
			once(o.service != nil, obj)
			o.service = v
		case *policyv1.PodDisruptionBudget:
			once(o.pdb != nil, obj)
			o.pdb = v
		case *monitoringv1.ServiceMonitor:
			once(o.serviceMonitor != nil, obj)
			o.serviceMonitor = v
		case *networkingv1.NetworkPolicy:
			once(o.networkPolicy != nil, obj)
			o.networkPolicy = v
		case *rolloutsv1alpha1.ClusterAnalysisTemplate:
			o.templates[v.Name] = v
		default:
			t.Fatalf("%s: unexpected object %s", env, obj.ID())
		}
	}
	missing := []string{}
	for name, nilObj := range map[string]bool{
		"Namespace": o.namespace == nil, "ServiceAccount": o.serviceAccount == nil,
		"ConfigMap": o.rules == nil, "Deployment": o.deployment == nil,
		"Service": o.service == nil, "PodDisruptionBudget": o.pdb == nil,
		"ServiceMonitor": o.serviceMonitor == nil, "NetworkPolicy": o.networkPolicy == nil,
	} {
		if nilObj {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("%s: no %s rendered", env, strings.Join(missing, ", "))
	}
	return o
}

// container returns the analyzer container of the overlay's Deployment.
func (o *overlay) container(t *testing.T) *corev1.Container {
	t.Helper()
	cs := o.deployment.Spec.Template.Spec.Containers
	if len(cs) != 1 {
		t.Fatalf("%s: the Deployment has %d containers, want 1", o.name, len(cs))
	}
	return &cs[0]
}

// envValue returns the value of the container's environment variable name, and
// whether it is set.
func envValue(c *corev1.Container, name string) (string, bool) {
	found, value := 0, ""
	for _, e := range c.Env {
		if e.Name == name {
			found++
			value = e.Value
		}
	}
	return value, found == 1
}
