package verify

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
)

// restrictedViolations evaluates a pod template with Pod Security Admission's
// own checks at the "restricted" level, the level the namespace enforces,
// and returns the reasons it would be rejected.
func restrictedViolations(t *testing.T, tmpl *corev1.PodTemplateSpec) []string {
	t.Helper()
	eval, err := policy.NewEvaluator(policy.DefaultChecks())
	if err != nil {
		t.Fatal(err)
	}
	results := eval.EvaluatePod(api.LevelVersion{Level: api.LevelRestricted, Version: api.LatestVersion()}, &tmpl.ObjectMeta, &tmpl.Spec)
	var out []string
	for _, r := range results {
		if !r.Allowed {
			out = append(out, r.ForbiddenReason+": "+r.ForbiddenDetail)
		}
	}
	return out
}

func TestPodSecurityRestricted(t *testing.T) {
	t.Parallel()
	for _, env := range environments {
		t.Run(env, func(t *testing.T) {
			t.Parallel()
			o := renderOverlay(t, env)
			if got := o.namespace.Labels["pod-security.kubernetes.io/enforce"]; got != "restricted" {
				t.Errorf("namespace enforces %q, want restricted", got)
			}
			for _, v := range restrictedViolations(t, &o.deployment.Spec.Template) {
				t.Errorf("restricted profile: %s", v)
			}
		})
	}

	// The evaluator is not vacuous: the same pod with one hardening removed
	// is rejected.
	o := renderOverlay(t, "live")
	for name, weaken := range map[string]func(*corev1.PodTemplateSpec){
		"privilege escalation": func(p *corev1.PodTemplateSpec) {
			p.Spec.Containers[0].SecurityContext.AllowPrivilegeEscalation = nil
		},
		"capabilities kept": func(p *corev1.PodTemplateSpec) {
			p.Spec.Containers[0].SecurityContext.Capabilities = nil
		},
		"no seccomp profile": func(p *corev1.PodTemplateSpec) { p.Spec.SecurityContext.SeccompProfile = nil },
		"root allowed": func(p *corev1.PodTemplateSpec) {
			p.Spec.SecurityContext.RunAsNonRoot = nil
			p.Spec.SecurityContext.RunAsUser = nil
		},
	} {
		t.Run("rejects "+name, func(t *testing.T) {
			tmpl := o.deployment.Spec.Template.DeepCopy()
			weaken(tmpl)
			if len(restrictedViolations(t, tmpl)) == 0 {
				t.Errorf("a pod with %s passed the restricted checks", name)
			}
		})
	}
}
