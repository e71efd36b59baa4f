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
	"github.com/argoproj/argo-rollouts/utils/hash"
	"sigs.k8s.io/yaml"
)

// readmeSection returns the README's section under the heading title, up
// to the next heading of any level.
func readmeSection(t *testing.T, title string) string {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join(RepoRoot(), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(readme), "\n"+title+"\n")
	if !ok {
		t.Fatalf("README has no section %q", title)
	}
	if i := regexp.MustCompile(`\n#{1,4} `).FindStringIndex(after); i != nil {
		after = after[:i[0]]
	}
	return after
}

// dedent removes the indentation every non-empty line of s shares.
func dedent(s string) string {
	lines := strings.Split(s, "\n")
	indent := -1
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		if n := len(l) - len(strings.TrimLeft(l, " ")); indent < 0 || n < indent {
			indent = n
		}
	}
	for i, l := range lines {
		if len(l) >= indent {
			lines[i] = l[indent:]
		}
	}
	return strings.Join(lines, "\n")
}

// TestShadowModeAsReadme takes the README's shadow-mode analysis step
// ("Starting safely"), decodes it strictly into Argo's type, puts it into
// the example Rollout, and has Argo build the AnalysisRun from each
// shipped template: the run carries the step's dry-run rule, and Argo's
// own matching puts the template's one metric, canary-verdict, in dry-run
// mode.
func TestShadowModeAsReadme(t *testing.T) {
	t.Parallel()
	section := readmeSection(t, "### Starting safely")
	m := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindStringSubmatch(section)
	if m == nil {
		t.Fatal("the section has no yaml block")
	}
	js, err := yaml.YAMLToJSONStrict([]byte(dedent(m[1])))
	if err != nil {
		t.Fatalf("the README's step: %v", err)
	}
	var steps []v1alpha1.CanaryStep
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&steps); err != nil {
		t.Fatalf("the README's step: %v", err)
	}
	if len(steps) != 1 || steps[0].Analysis == nil || len(steps[0].Analysis.DryRun) == 0 {
		t.Fatalf("the README's block is %+v, want one analysis step with a dryRun rule", steps)
	}
	r := exampleApp(t).rollout.DeepCopy()
	for i, s := range r.Spec.Strategy.Canary.Steps {
		if s.Analysis != nil {
			r.Spec.Strategy.Canary.Steps[i] = steps[0]
		}
	}
	tmpls := shippedTemplates(t)
	for _, name := range hashTemplates {
		tmpl := tmpls[name]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			run, _ := newAnalysisRun(t, r, tmpl, "7c9d5b6f4d", "5f6b7c8d9e")
			dry, err := analysisutil.GetDryRunMetrics(run.Spec.DryRun, run.Spec.Metrics)
			if err != nil {
				t.Fatalf("Argo refuses the dry-run rule: %v", err)
			}
			if len(dry) != len(run.Spec.Metrics) || !dry["canary-verdict"] {
				t.Errorf("dry-run metrics %v of %d, want canary-verdict alone", dry, len(run.Spec.Metrics))
			}
		})
	}
}

// TestAnnotationOnlyChangeIsARollout applies the README's A/A patch (an
// annotation on the pod template) to the example Rollout: Argo's hash of
// the pod template changes, so the controller starts a canary of the same
// code.
func TestAnnotationOnlyChangeIsARollout(t *testing.T) {
	t.Parallel()
	section := readmeSection(t, "### Starting safely")
	m := regexp.MustCompile(`kubectl -n \S+ patch rollout \S+ --type merge \\\n\s*-p '(.*)'\n`).FindStringSubmatch(section)
	if m == nil {
		t.Fatal("the section has no kubectl patch command")
	}
	patch := strings.ReplaceAll(m[1], `'"$(date +%s)"'`, "1764000000")
	var p v1alpha1.Rollout
	dec := json.NewDecoder(strings.NewReader(patch))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("the README's patch %s: %v", patch, err)
	}
	r := exampleApp(t).rollout
	before := hash.ComputePodTemplateHash(&r.Spec.Template, nil)
	changed := r.Spec.Template.DeepCopy()
	if len(p.Spec.Template.Annotations) == 0 {
		t.Fatalf("the README's patch %s sets no pod-template annotation", patch)
	}
	if changed.Annotations == nil {
		changed.Annotations = map[string]string{}
	}
	for k, v := range p.Spec.Template.Annotations {
		changed.Annotations[k] = v
	}
	p.Spec.Template.Annotations = nil
	if !isEmpty(p) {
		t.Errorf("the README's patch changes more than the pod template's annotations: %s", patch)
	}
	if after := hash.ComputePodTemplateHash(changed, nil); after == before {
		t.Errorf("the pod-template hash stayed %s: no rollout would start", before)
	}
}

// isEmpty reports whether the patch sets nothing (once the annotations are taken out).
func isEmpty(p v1alpha1.Rollout) bool {
	b, err := json.Marshal(p)
	if err != nil {
		return false
	}
	var empty v1alpha1.Rollout
	e, _ := json.Marshal(empty)
	return bytes.Equal(b, e)
}
