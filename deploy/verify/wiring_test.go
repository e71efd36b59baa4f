package verify

import (
	"net"
	"net/url"
	"strconv"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// selects reports whether sel (a LabelSelector) selects set; a nil
// selector selects nothing.
func selects(t *testing.T, sel *metav1.LabelSelector, set map[string]string) bool {
	t.Helper()
	if sel == nil {
		return false
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		t.Fatalf("selector %v: %v", sel, err)
	}
	return s.Matches(labels.Set(set))
}

func TestServiceReachesTheAnalyzer(t *testing.T) {
	t.Parallel()
	for _, env := range environments {
		t.Run(env, func(t *testing.T) {
			t.Parallel()
			o := renderOverlay(t, env)
			c := o.container(t)
			podLabels := o.deployment.Spec.Template.Labels
			svc := o.service

			if !labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(podLabels)) || len(svc.Spec.Selector) == 0 {
				t.Errorf("Service selector %v does not select the pods %v", svc.Spec.Selector, podLabels)
			}
			// Every ClusterAnalysisTemplate calls this Service on one of
			// its ports, which leads to the container's port.
			for name, tmpl := range o.templates {
				for _, m := range tmpl.Spec.Metrics {
					u, err := url.Parse(m.Provider.Web.URL)
					if err != nil {
						t.Fatalf("%s: url: %v", name, err)
					}
					host, port, _ := net.SplitHostPort(u.Host)
					if want := svc.Name + "." + svc.Namespace + ".svc"; host != want {
						t.Errorf("%s calls host %q, want the Service %q", name, host, want)
					}
					sp := servicePort(svc, port)
					if sp == nil {
						t.Errorf("%s calls port %s, which the Service does not have", name, port)
						continue
					}
					if sp.TargetPort.String() != c.Ports[0].Name && sp.TargetPort.IntValue() != int(c.Ports[0].ContainerPort) {
						t.Errorf("Service port %d targets %s, not the container's port", sp.Port, sp.TargetPort.String())
					}
					if u.Path != "/api/v1/judge" {
						t.Errorf("%s calls %s, want /api/v1/judge", name, u.Path)
					}
				}
			}
		})
	}
}

// servicePort returns the Service port numbered port ("8080"), or nil.
func servicePort(svc *corev1.Service, port string) *corev1.ServicePort {
	n, err := strconv.Atoi(port)
	if err != nil {
		return nil
	}
	for i := range svc.Spec.Ports {
		if int(svc.Spec.Ports[i].Port) == n {
			return &svc.Spec.Ports[i]
		}
	}
	return nil
}

func TestPodDisruptionBudget(t *testing.T) {
	t.Parallel()
	for _, env := range environments {
		t.Run(env, func(t *testing.T) {
			t.Parallel()
			o := renderOverlay(t, env)
			pdb := o.pdb
			if !selects(t, pdb.Spec.Selector, o.deployment.Spec.Template.Labels) {
				t.Errorf("PDB selector %v does not select the analyzer pods", pdb.Spec.Selector)
			}
			// At least one pod must stay up through a voluntary disruption.
			replicas := int(*o.deployment.Spec.Replicas)
			switch {
			case pdb.Spec.MaxUnavailable != nil:
				if n := pdb.Spec.MaxUnavailable.IntValue(); n < 1 || n >= replicas {
					t.Errorf("maxUnavailable %d with %d replicas: want 1 <= n < replicas", n, replicas)
				}
			case pdb.Spec.MinAvailable != nil:
				if n := pdb.Spec.MinAvailable.IntValue(); n < 1 || n >= replicas {
					t.Errorf("minAvailable %d with %d replicas: want 1 <= n < replicas", n, replicas)
				}
			default:
				t.Errorf("the PDB sets neither maxUnavailable nor minAvailable")
			}
		})
	}
}

func TestServiceMonitorScrapesTheAnalyzer(t *testing.T) {
	t.Parallel()
	for _, env := range environments {
		t.Run(env, func(t *testing.T) {
			t.Parallel()
			o := renderOverlay(t, env)
			sm := o.serviceMonitor
			if !selects(t, &sm.Spec.Selector, o.service.Labels) {
				t.Errorf("ServiceMonitor selector %v does not select the Service labels %v", sm.Spec.Selector, o.service.Labels)
			}
			if len(sm.Spec.Endpoints) != 1 {
				t.Fatalf("%d endpoints, want 1", len(sm.Spec.Endpoints))
			}
			ep := sm.Spec.Endpoints[0]
			found := false
			for _, p := range o.service.Spec.Ports {
				found = found || p.Name == ep.Port
			}
			if !found || ep.Path != "/metrics" {
				t.Errorf("endpoint scrapes port %q path %q; want a Service port name and /metrics", ep.Port, ep.Path)
			}
		})
	}
}

// peer is a client of the analyzer: a pod with labels in a namespace with
// labels.
type peer struct {
	name      string
	nsLabels  map[string]string
	podLabels map[string]string
	admitted  bool
}

// admits evaluates np for one TCP connection from p to port 8080 of a
// selected pod, following the NetworkPolicy semantics (rules are ORed, a
// peer's namespaceSelector and podSelector are ANDed, a nil
// namespaceSelector means the policy's own namespace).
func admits(t *testing.T, np *networkingv1.NetworkPolicy, p peer, port int) bool {
	t.Helper()
	for _, rule := range np.Spec.Ingress {
		portOK := len(rule.Ports) == 0
		for _, rp := range rule.Ports {
			portOK = portOK || (rp.Port != nil && rp.Port.IntValue() == port)
		}
		if !portOK {
			continue
		}
		if len(rule.From) == 0 {
			return true
		}
		for _, f := range rule.From {
			if f.IPBlock != nil {
				t.Errorf("ipBlock peer %+v: the policy should name clients by label", f.IPBlock)
				continue
			}
			nsOK := false
			if f.NamespaceSelector == nil {
				nsOK = p.nsLabels["kubernetes.io/metadata.name"] == np.Namespace
			} else {
				nsOK = selects(t, f.NamespaceSelector, p.nsLabels)
			}
			podOK := f.PodSelector == nil || selects(t, f.PodSelector, p.podLabels)
			if nsOK && podOK {
				return true
			}
		}
	}
	return false
}

func TestNetworkPolicyAdmitsOnlyArgoRolloutsAndPrometheus(t *testing.T) {
	t.Parallel()
	ns := func(name string) map[string]string { return map[string]string{"kubernetes.io/metadata.name": name} }
	app := func(name string) map[string]string { return map[string]string{"app.kubernetes.io/name": name} }
	peers := []peer{
		{"Argo Rollouts controller", ns("argo-rollouts"), app("argo-rollouts"), true},
		{"Prometheus", ns("monitoring"), map[string]string{"app.kubernetes.io/name": "prometheus", "prometheus": "k8s"}, true},
		{"Argo Rollouts dashboard", ns("argo-rollouts"), app("argo-rollouts-dashboard"), false},
		{"Alertmanager beside Prometheus", ns("monitoring"), app("alertmanager"), false},
		{"a pod named argo-rollouts elsewhere", ns("shop"), app("argo-rollouts"), false},
		{"a pod named prometheus elsewhere", ns("shop"), app("prometheus"), false},
		{"another analyzer pod", ns(serviceNamespace), app("canary-analyzer"), false},
		{"an application pod", ns("shop"), app("frontend"), false},
	}
	for _, env := range environments {
		t.Run(env, func(t *testing.T) {
			t.Parallel()
			o := renderOverlay(t, env)
			np := o.networkPolicy
			if !selects(t, &np.Spec.PodSelector, o.deployment.Spec.Template.Labels) {
				t.Errorf("podSelector %v does not select the analyzer pods", np.Spec.PodSelector)
			}
			if len(np.Spec.PolicyTypes) != 1 || np.Spec.PolicyTypes[0] != networkingv1.PolicyTypeIngress {
				t.Errorf("policyTypes %v, want [Ingress]", np.Spec.PolicyTypes)
			}
			for _, p := range peers {
				if got := admits(t, np, p, 8080); got != p.admitted {
					t.Errorf("%s: admitted %v, want %v", p.name, got, p.admitted)
				}
			}
			// Nothing gets in on another port.
			if admits(t, np, peers[0], 9090) {
				t.Errorf("the Argo Rollouts controller is admitted on port 9090")
			}
		})
	}
}
