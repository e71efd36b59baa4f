package verify

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/argoproj/argo-rollouts/pkg/apis/rollouts/v1alpha1"
	analysisutil "github.com/argoproj/argo-rollouts/utils/analysis"
	"gopkg.in/yaml.v3"
)

// queryTimeout is the analyzer's default time for one judgement
// (README, "Running the service": --query.timeout 8s); past it the service answers 503.
const queryTimeout = 8 * time.Second

func TestTemplatesPassArgoValidation(t *testing.T) {
	t.Parallel()
	for name, tmpl := range shippedTemplates(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if err := analysisutil.ValidateMetrics(tmpl.Spec.Metrics); err != nil {
				t.Errorf("Argo rejects the template's metrics: %v", err)
			}
			// An inline analysis step blocks the rollout, so Argo requires
			// every metric to end (a count); the controller runs this check
			// when a Rollout references the template.
			for _, m := range tmpl.Spec.Metrics {
				if m.EffectiveCount() == nil {
					t.Errorf("metric %s runs indefinitely: an analysis step never completes", m.Name)
				}
			}
			// A Rollout that passes no args leaves some unresolved: Argo
			// refuses the run instead of calling a URL with holes in it.
			if _, err := analysisutil.NewAnalysisRunFromTemplates(nil, []*v1alpha1.ClusterAnalysisTemplate{tmpl}, nil, nil, nil, nil, nil, "r", "", "ns"); err == nil {
				t.Errorf("a run without args was accepted; the template must require namespace, rollout and the hashes")
			}
		})
	}
}

func TestTemplatesTimingAndLimits(t *testing.T) {
	t.Parallel()
	for name, tmpl := range shippedTemplates(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if len(tmpl.Spec.Metrics) != 1 {
				t.Fatalf("%d metrics, want the one canary verdict", len(tmpl.Spec.Metrics))
			}
			m := tmpl.Spec.Metrics[0]
			delay, err := m.InitialDelay.Duration()
			if err != nil {
				t.Fatal(err)
			}
			interval, err := m.Interval.Duration()
			if err != nil {
				t.Fatal(err)
			}
			count := m.Count.IntValue()
			first, last := delay, delay+time.Duration(count-1)*interval
			// The canary is one pod; the step starts when it is ready. The
			// first look comes once a crash loop or a burst of errors can
			// show (a few minutes), the last by canary age 10m: the
			// benchmark's promise is detection by then (docs/benchmark.md).
			if first < 3*time.Minute || first > 5*time.Minute {
				t.Errorf("first look at %v of canary age, want 3m-5m", first)
			}
			if last < 8*time.Minute || last > 10*time.Minute {
				t.Errorf("last look at %v of canary age, want 8m-10m", last)
			}
			// The judge keeps the whole run's false alarms at the rule set's
			// alpha (alpha split over the looks), so the first Failed look
			// is already confirmed: it must stop the rollout.
			if m.FailureLimit == nil || m.FailureLimit.IntValue() != 0 {
				t.Errorf("failureLimit %v, want 0: every Failed verdict is already controlled for the run", m.FailureLimit)
			}
			// The first looks may lack data (warm-ups, minimum samples), and
			// a Failed look fails the run whenever it comes; but a run in
			// which no look could decide must pause the rollout.
			if m.InconclusiveLimit == nil || m.InconclusiveLimit.IntValue() >= count {
				t.Errorf("inconclusiveLimit %v with count %d: an all-Inconclusive run must pause the rollout, not promote it", m.InconclusiveLimit, count)
			}
			if m.ConsecutiveErrorLimit == nil {
				t.Errorf("consecutiveErrorLimit is not set: say how many errors in a row abort the rollout")
			}
			if m.ConsecutiveSuccessLimit != nil && m.ConsecutiveSuccessLimit.IntValue() > 0 {
				t.Errorf("consecutiveSuccessLimit would end the analysis before its last look")
			}
			web := m.Provider.Web
			if web == nil {
				t.Fatal("not a web metric")
			}
			if timeout := time.Duration(web.TimeoutSeconds) * time.Second; timeout <= queryTimeout || timeout > 30*time.Second {
				t.Errorf("timeoutSeconds %d: want more than the service's %v and at most 30s", web.TimeoutSeconds, queryTimeout)
			}
			if web.JSONPath != "{$.summary}" {
				t.Errorf("jsonPath %q, want {$.summary}", web.JSONPath)
			}
			if m.SuccessCondition != `result.verdict == "Successful"` || m.FailureCondition != `result.verdict == "Failed"` {
				t.Errorf("conditions %q / %q, want the verdict comparisons of the README", m.SuccessCondition, m.FailureCondition)
			}
		})
	}
}

func TestGetAndPostTemplatesAgree(t *testing.T) {
	t.Parallel()
	tmpls := shippedTemplates(t)
	get, post := tmpls["canary-analyzer"], tmpls["canary-analyzer-post"]
	if get == nil || post == nil {
		t.Fatalf("templates %v, want canary-analyzer and canary-analyzer-post", tmpls)
	}
	if get.Spec.Metrics[0].Provider.Web.Method != "" && get.Spec.Metrics[0].Provider.Web.Method != v1alpha1.WebMetricMethodGet {
		t.Errorf("canary-analyzer uses %s, want GET", get.Spec.Metrics[0].Provider.Web.Method)
	}
	if post.Spec.Metrics[0].Provider.Web.Method != v1alpha1.WebMetricMethodPost {
		t.Errorf("canary-analyzer-post uses %q, want POST", post.Spec.Metrics[0].Provider.Web.Method)
	}
	// Everything but the request itself is the same: one set of limits.
	strip := func(s v1alpha1.AnalysisTemplateSpec) v1alpha1.AnalysisTemplateSpec {
		s = *s.DeepCopy()
		for i := range s.Metrics {
			s.Metrics[i].Provider.Web.Method = ""
			s.Metrics[i].Provider.Web.URL = ""
			s.Metrics[i].Provider.Web.JSONBody = nil
		}
		return s
	}
	if !reflect.DeepEqual(strip(get.Spec), strip(post.Spec)) {
		t.Errorf("the GET and POST templates differ beyond method, URL and body:\nGET  %+v\nPOST %+v", strip(get.Spec), strip(post.Spec))
	}

	// After Argo resolves the args, the GET query and the POST body carry
	// the same request.
	ex := exampleApp(t)
	_, gm := newAnalysisRun(t, ex.rollout, get, "7c9d5b6f4d", "5f6b7c8d9e")
	_, pm := newAnalysisRun(t, ex.rollout, post, "7c9d5b6f4d", "5f6b7c8d9e")
	u, err := url.Parse(gm[0].Provider.Web.URL)
	if err != nil {
		t.Fatal(err)
	}
	fromGet := map[string]string{}
	for k, v := range u.Query() {
		fromGet[k] = v[0]
	}
	fromPost := map[string]string{}
	if err := json.Unmarshal(pm[0].Provider.Web.JSONBody, &fromPost); err != nil {
		t.Fatalf("POST body: %v", err)
	}
	if !reflect.DeepEqual(fromGet, fromPost) {
		t.Errorf("GET query %v and POST body %v differ", fromGet, fromPost)
	}
}

func TestArgsResolveAsArgoDoes(t *testing.T) {
	t.Parallel()
	ex := exampleApp(t)
	r := ex.rollout
	want := map[string]string{
		"namespace":  r.Namespace, // fieldRef metadata.namespace
		"rollout":    r.Name,      // fieldRef metadata.name
		"canaryHash": "5f6b7c8d9e",
		"stableHash": "7c9d5b6f4d",
		"ruleSet":    "apache-frontend",
	}
	if r.Namespace == "" || r.Name == "" {
		t.Fatalf("the example Rollout has no namespace or name: %q/%q", r.Namespace, r.Name)
	}
	tmpls := shippedTemplates(t)
	for _, name := range hashTemplates {
		tmpl := tmpls[name]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, metrics := newAnalysisRun(t, r, tmpl, want["stableHash"], want["canaryHash"])
			web := metrics[0].Provider.Web
			got := map[string]string{}
			if web.JSONBody != nil {
				if err := json.Unmarshal(web.JSONBody, &got); err != nil {
					t.Fatal(err)
				}
			} else {
				u, err := url.Parse(web.URL)
				if err != nil {
					t.Fatal(err)
				}
				for k, v := range u.Query() {
					if len(v) != 1 {
						t.Errorf("query parameter %s given %d times", k, len(v))
					}
					got[k] = v[0]
				}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("the analyzer would be asked %v, want %v", got, want)
			}
		})
	}
}

// TestLimitsReadWithPlainYAML reads the limits the way a tool without Argo's
// types does (the verdict-quality benchmark parses the template with
// gopkg.in/yaml.v3): plain integers and duration strings, equal to what
// Argo decodes.
func TestLimitsReadWithPlainYAML(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join(DeployDir(), "analysis", "cluster-analysis-template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var plain struct {
		Spec struct {
			Metrics []struct {
				InitialDelay          string `yaml:"initialDelay"`
				Interval              string `yaml:"interval"`
				Count                 int    `yaml:"count"`
				FailureLimit          int    `yaml:"failureLimit"`
				InconclusiveLimit     int    `yaml:"inconclusiveLimit"`
				ConsecutiveErrorLimit int    `yaml:"consecutiveErrorLimit"`
			} `yaml:"metrics"`
		} `yaml:"spec"`
	}
	if err := yaml.Unmarshal(data, &plain); err != nil {
		t.Fatalf("plain YAML: %v", err)
	}
	m := shippedTemplates(t)["canary-analyzer"].Spec.Metrics[0]
	p := plain.Spec.Metrics[0]
	got := []any{p.InitialDelay, p.Interval, p.Count, p.FailureLimit, p.InconclusiveLimit, p.ConsecutiveErrorLimit}
	want := []any{string(m.InitialDelay), string(m.Interval), m.Count.IntValue(), m.FailureLimit.IntValue(), m.InconclusiveLimit.IntValue(), m.ConsecutiveErrorLimit.IntValue()}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("plain YAML reads %v, Argo reads %v", got, want)
	}
}
