package verify

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/argoproj/argo-rollouts/pkg/apis/rollouts/v1alpha1"
	analysisutil "github.com/argoproj/argo-rollouts/utils/analysis"
	"sigs.k8s.io/yaml"

	"github.com/canary-analyzer/canary-analyzer/internal/promtest"
)

// readmeAuthPatch is the README's fragment that turns the shipped GET
// template into one that sends a bearer token (section "Authentication"):
// an argument read from a Secret, and the header that carries it.
type readmeAuthPatch struct {
	Spec struct {
		Args    []v1alpha1.Argument `json:"args"`
		Metrics []struct {
			Name     string `json:"name"`
			Provider struct {
				Web struct {
					Headers []v1alpha1.WebMetricHeader `json:"headers"`
				} `json:"web"`
			} `json:"provider"`
		} `json:"metrics"`
	} `json:"spec"`
}

// authTemplate applies the README's fragment to the shipped GET template.
func authTemplate(t *testing.T) *v1alpha1.ClusterAnalysisTemplate {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join(RepoRoot(), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var block string
	for _, m := range regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(string(readme), -1) {
		if strings.Contains(m[1], "secretKeyRef") && strings.Contains(m[1], "headers:") {
			block = m[1]
		}
	}
	if block == "" {
		t.Fatal("README has no yaml block with the secretKeyRef argument and the Authorization header")
	}
	var patch readmeAuthPatch
	js, err := yaml.YAMLToJSONStrict([]byte(block))
	if err != nil {
		t.Fatalf("README's auth fragment: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&patch); err != nil {
		t.Fatalf("README's auth fragment: %v", err)
	}
	tmpl := shippedTemplates(t)["canary-analyzer"].DeepCopy()
	tmpl.Name = "canary-analyzer-auth"
	tmpl.Spec.Args = append(tmpl.Spec.Args, patch.Spec.Args...)
	if len(patch.Spec.Metrics) != 1 || patch.Spec.Metrics[0].Name != tmpl.Spec.Metrics[0].Name {
		t.Fatalf("README's fragment patches metrics %+v, want the template's %s", patch.Spec.Metrics, tmpl.Spec.Metrics[0].Name)
	}
	tmpl.Spec.Metrics[0].Provider.Web.Headers = patch.Spec.Metrics[0].Provider.Web.Headers
	return tmpl
}

// TestAuthTemplateEndToEnd: the README's way of sending a bearer token
// passes Argo's validation, and Argo's web provider, with the Secret's
// value resolved as the controller resolves it, gets verdicts from an
// analyzer that demands the token; without it, or with another token, the
// measurement is an Error.
func TestAuthTemplateEndToEnd(t *testing.T) {
	tmpl := authTemplate(t)
	if err := analysisutil.ValidateMetrics(tmpl.Spec.Metrics); err != nil {
		t.Fatalf("Argo rejects the README's auth template: %v", err)
	}
	data, healthy, _, _ := e2eData(t)
	prom := promtest.Start(t, data)
	bin, _ := buildAnalyzer(t, "v0.0.0-e2e", "e2e")
	tokenFile := filepath.Join(t.TempDir(), "tokens")
	if err := os.WriteFile(tokenFile, []byte("s3cret-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	a := startAnalyzer(t, bin, "live", prom.URL, "ANALYZER_WEB_BEARER_TOKEN_FILE="+tokenFile)

	ex := exampleApp(t)
	r := e2eRollout(ex, healthy, "http-service")
	cases := []struct {
		name   string
		tmpl   *v1alpha1.ClusterAnalysisTemplate
		secret string // the Secret's value, for the template's secretKeyRef argument
		want   v1alpha1.AnalysisPhase
	}{
		{"the token", tmpl, "s3cret-token", v1alpha1.AnalysisPhaseSuccessful},
		{"another token", tmpl, "not-the-token", v1alpha1.AnalysisPhaseError},
		{"no token (the shipped template)", shippedTemplates(t)["canary-analyzer"], "", v1alpha1.AnalysisPhaseError},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			step := analysisStep(t, r)
			args, err := analysisutil.BuildArgumentsForRolloutAnalysisRun(step.Args, replicaSet(r, healthy.StableHash), replicaSet(r, healthy.CanaryHash), r)
			if err != nil {
				t.Fatal(err)
			}
			run, err := analysisutil.NewAnalysisRunFromTemplates(nil, []*v1alpha1.ClusterAnalysisTemplate{c.tmpl}, args,
				nil, nil, map[string]string{}, map[string]string{}, "run", "", r.Namespace)
			if err != nil {
				t.Fatal(err)
			}
			// The controller reads secretKeyRef arguments from the Secret in
			// the run's namespace and uses the value like any other.
			for i, arg := range run.Spec.Args {
				if arg.ValueFrom != nil && arg.ValueFrom.SecretKeyRef != nil {
					v := c.secret
					run.Spec.Args[i].Value, run.Spec.Args[i].ValueFrom = &v, nil
				}
			}
			m, err := analysisutil.ResolveMetricArgs(run.Spec.Metrics[0], run.Spec.Args)
			if err != nil {
				t.Fatal(err)
			}
			rehost(t, m, a.url)
			got := measure(t, run, *m)
			if got.Phase != c.want {
				t.Fatalf("phase %s (message %q), want %s", got.Phase, got.Message, c.want)
			}
			if c.want == v1alpha1.AnalysisPhaseError && !strings.Contains(got.Message, "401") {
				t.Errorf("message %q, want Argo's non-2xx error with 401", got.Message)
			}
		})
	}
}
