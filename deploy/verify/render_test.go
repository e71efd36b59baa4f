package verify

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// rulesDir is where the service reads rule files by default
// (README, "Running the service": --rules.dir); the ConfigMap is mounted there.
const rulesDir = "/etc/canary-analyzer/rules"

func TestOverlaysRenderStrictly(t *testing.T) {
	t.Parallel()
	for _, env := range environments {
		t.Run(env, func(t *testing.T) {
			t.Parallel()
			o := renderOverlay(t, env)
			for _, obj := range o.objects {
				clusterScoped := obj.Kind == "Namespace" || strings.HasPrefix(obj.Kind, "Cluster")
				switch {
				case clusterScoped && obj.Namespace != "":
					t.Errorf("%s is cluster-scoped but rendered with namespace %q", obj.ID(), obj.Namespace)
				case !clusterScoped && obj.Namespace != serviceNamespace:
					t.Errorf("%s: namespace %q, want %q", obj.ID(), obj.Namespace, serviceNamespace)
				}
			}
			if o.namespace.Name != serviceNamespace {
				t.Errorf("Namespace %q, want %q", o.namespace.Name, serviceNamespace)
			}
			names := append(hashTemplates[:len(hashTemplates):len(hashTemplates)], experimentTemplate)
			for _, name := range names {
				if o.templates[name] == nil {
					t.Errorf("no ClusterAnalysisTemplate %q", name)
				}
			}
			if len(o.templates) != len(names) {
				t.Errorf("%d ClusterAnalysisTemplates, want %d", len(o.templates), len(names))
			}
		})
	}
}

func TestDeployment(t *testing.T) {
	t.Parallel()
	replicas := map[string]int32{}
	for _, env := range environments {
		o := renderOverlay(t, env)
		replicas[env] = *o.deployment.Spec.Replicas
		t.Run(env, func(t *testing.T) {
			d := o.deployment
			c := o.container(t)
			pod := d.Spec.Template

			if *d.Spec.Replicas < 2 {
				t.Errorf("replicas %d: every rollout in the cluster depends on the analyzer, run 2 or more", *d.Spec.Replicas)
			}
			sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
			if err != nil || !sel.Matches(labels.Set(pod.Labels)) {
				t.Errorf("selector %v does not select the pod labels %v (%v)", d.Spec.Selector, pod.Labels, err)
			}
			if ru := d.Spec.Strategy.RollingUpdate; ru == nil || ru.MaxUnavailable == nil || ru.MaxUnavailable.IntValue() != 0 {
				t.Errorf("rolling update must keep every pod until its replacement is ready (maxUnavailable 0), got %+v", ru)
			}

			if got, ok := envValue(c, "ANALYZER_ENVIRONMENT"); !ok || got != o.name {
				t.Errorf("ANALYZER_ENVIRONMENT = %q (set once: %v), want %q: it selects the rule files' %s values", got, ok, o.name, o.name)
			}
			for _, name := range []string{"ANALYZER_PROMETHEUS_URL", "ANALYZER_RULES_DIR", "ANALYZER_LOG_LEVEL"} {
				if v, ok := envValue(c, name); !ok || v == "" {
					t.Errorf("%s is not set exactly once to a value", name)
				}
			}
			for _, e := range c.Env {
				if !strings.HasPrefix(e.Name, "ANALYZER_") {
					t.Errorf("environment variable %s is not one of the service's (ANALYZER_*)", e.Name)
				}
			}
			if len(c.Args) != 1 || c.Args[0] != "serve" {
				t.Errorf("args %q, want [serve]", c.Args)
			}

			// The image is the one the release script names.
			repo, tag, ok := strings.Cut(c.Image, ":")
			if !ok || repo != "ghcr.io/canary-analyzer/canary-analyzer" {
				t.Errorf("image %q, want ghcr.io/canary-analyzer/canary-analyzer:<release tag>", c.Image)
			} else if got := releaseTag(t, "canary-analyzer@"+strings.TrimPrefix(tag, "v")); got != tag {
				t.Errorf("image tag %q is not a release tag (release-tag.sh gives %q)", tag, got)
			}

			// Port and probes.
			if len(c.Ports) != 1 || c.Ports[0].Name != "http" || c.Ports[0].ContainerPort != 8080 {
				t.Errorf("ports %+v, want one port http 8080", c.Ports)
			}
			checkProbe(t, "liveness", c.LivenessProbe, "/healthz")
			checkProbe(t, "readiness", c.ReadinessProbe, "/readyz")

			// Resources: requests and limits for CPU and memory, requests
			// at most limits.
			for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
				req, okReq := c.Resources.Requests[r]
				lim, okLim := c.Resources.Limits[r]
				if !okReq || !okLim {
					t.Errorf("%s: request set %v, limit set %v; want both", r, okReq, okLim)
					continue
				}
				if req.Cmp(lim) > 0 || req.Cmp(resource.Quantity{}) <= 0 {
					t.Errorf("%s: request %s, limit %s", r, req.String(), lim.String())
				}
			}

			// Rules: the generated ConfigMap (its hashed name) at the rules
			// directory the service reads.
			if v, _ := envValue(c, "ANALYZER_RULES_DIR"); v != rulesDir {
				t.Errorf("ANALYZER_RULES_DIR = %q, want %q", v, rulesDir)
			}
			vol := volumeMountedAt(t, pod.Spec, c, rulesDir)
			if vol == nil || vol.ConfigMap == nil || vol.ConfigMap.Name != o.rules.Name {
				t.Errorf("%s must be the ConfigMap %s, got %+v", rulesDir, o.rules.Name, vol)
			}
			if !strings.HasPrefix(o.rules.Name, "canary-analyzer-rules-") {
				t.Errorf("rules ConfigMap %q has no content hash: a changed rule file would not roll the pods", o.rules.Name)
			}
			if tmp := volumeMountedAt(t, pod.Spec, c, "/tmp"); tmp == nil || tmp.EmptyDir == nil {
				t.Errorf("/tmp must be an emptyDir (the root filesystem is read-only)")
			}

			// Security: no token, non-root numeric user, read-only root.
			if pod.Spec.AutomountServiceAccountToken == nil || *pod.Spec.AutomountServiceAccountToken {
				t.Errorf("automountServiceAccountToken must be false: the analyzer never calls the API server")
			}
			if pod.Spec.ServiceAccountName != o.serviceAccount.Name {
				t.Errorf("serviceAccountName %q, want %q", pod.Spec.ServiceAccountName, o.serviceAccount.Name)
			}
			psc := pod.Spec.SecurityContext
			if psc == nil || psc.RunAsUser == nil || *psc.RunAsUser == 0 || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot {
				t.Errorf("pod securityContext must run as a numeric non-root user: %+v", psc)
			}
			csc := c.SecurityContext
			if csc == nil || csc.ReadOnlyRootFilesystem == nil || !*csc.ReadOnlyRootFilesystem {
				t.Errorf("the root filesystem must be read-only: %+v", csc)
			}
		})
	}
	// live carries production's analyses: more replicas than anywhere else.
	if replicas["live"] <= max(replicas["alpha"], replicas["beta"]) {
		t.Errorf("replicas %v: live must run more than alpha and beta", replicas)
	}
}

// checkProbe checks that p is an HTTP GET of path on the port named http.
func checkProbe(t *testing.T, kind string, p *corev1.Probe, path string) {
	t.Helper()
	if p == nil || p.HTTPGet == nil {
		t.Errorf("%s probe: want an HTTP GET of %s", kind, path)
		return
	}
	if p.HTTPGet.Path != path || p.HTTPGet.Port != intstr.FromString("http") {
		t.Errorf("%s probe: GET %s on %s, want %s on http", kind, p.HTTPGet.Path, p.HTTPGet.Port.String(), path)
	}
}

// volumeMountedAt returns the pod volume c mounts at path.
func volumeMountedAt(t *testing.T, spec corev1.PodSpec, c *corev1.Container, path string) *corev1.Volume {
	t.Helper()
	for _, m := range c.VolumeMounts {
		if m.MountPath != path {
			continue
		}
		for i := range spec.Volumes {
			if spec.Volumes[i].Name == m.Name {
				return &spec.Volumes[i]
			}
		}
		t.Errorf("volume mount %s names no volume %q", path, m.Name)
	}
	return nil
}

func TestRulesConfigMapHoldsEveryRuleFile(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join(DeployDir(), "base", "rules", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, f := range files {
		want = append(want, filepath.Base(f))
	}
	for _, env := range environments {
		t.Run(env, func(t *testing.T) {
			t.Parallel()
			o := renderOverlay(t, env)
			var got []string
			for k := range o.rules.Data {
				got = append(got, k)
			}
			slices.Sort(got)
			if !slices.Equal(got, want) || len(o.rules.BinaryData) > 0 {
				t.Errorf("ConfigMap keys %v, want the rule files %v (list each in base/kustomization.yaml)", got, want)
			}
		})
	}
}

// releaseTag runs scripts/release-tag.sh on gitTag and returns the image
// tag it prints ("" when it rejects gitTag).
func releaseTag(t *testing.T, gitTag string) string {
	t.Helper()
	stdout, _, code := runReleaseTag(t, t.TempDir(), gitTag)
	if code != 0 {
		return ""
	}
	return strings.TrimSpace(stdout)
}
