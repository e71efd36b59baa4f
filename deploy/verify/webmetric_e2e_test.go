package verify

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/argoproj/argo-rollouts/metricproviders/webmetric"
	"github.com/argoproj/argo-rollouts/pkg/apis/rollouts/v1alpha1"
	analysisutil "github.com/argoproj/argo-rollouts/utils/analysis"
	log "github.com/sirupsen/logrus"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/canary-analyzer/canary-analyzer/internal/promtest"
	"github.com/canary-analyzer/canary-analyzer/internal/scenario"
)

// e2eData generates the end-to-end data ending now, so that the analyzer
// judges "now" exactly as in a cluster (the shipped templates pass no end
// time): the healthy and the regressed canary of scenario.E2EScenarios,
// each 15 minutes old, and a young canary that has run one minute, all of
// whose samples fall in the rule set's warm-up.
func e2eData(t *testing.T) (data *bytes.Buffer, healthy, regressed, young scenario.Truth) {
	t.Helper()
	end := time.Now().UTC().Truncate(time.Second)
	h, r := scenario.E2EScenarios()
	h.End, r.End = end, end
	y := h
	y.Name, y.Namespace, y.Description = "e2e-young", "e2e-young", "A healthy canary one minute old: too early to judge."
	y.CanaryAge = time.Minute
	// Two more healthy canaries, started with the others, in namespaces of
	// their own: the baseline pods of the experiments (withExperiments).
	hb, yb := h, y
	hb.Name, hb.Namespace = "e2e-baseline", "e2e-baseline"
	yb.Name, yb.Namespace = "e2e-young-baseline", "e2e-young-baseline"
	var om bytes.Buffer
	truths, err := scenario.GenerateMany(&om, []scenario.Instance{{Scenario: h, Seed: 101}, {Scenario: r, Seed: 102}, {Scenario: y, Seed: 103},
		{Scenario: hb, Seed: 104}, {Scenario: yb, Seed: 105}})
	if err != nil {
		t.Fatal(err)
	}
	healthy, regressed, young = truths[0], truths[1], truths[2]
	data = withExperiments(t, om.String(), []scenario.Truth{healthy, regressed, young}, []scenario.Truth{truths[3], truths[3], truths[4]})
	return data, healthy, regressed, young
}

// experimentRS is the name Argo gives the ReplicaSet of template in the
// experiment that truth's rollout runs at step 0 of revision 2:
// <rollout>-<pod-template hash>-<revision>-<step index>-<template>.
func experimentRS(truth scenario.Truth, template string) string {
	return fmt.Sprintf("%s-%s-2-0-%s", truth.Rollout, truth.CanaryHash, template)
}

// withExperiments adds an Argo experiment to the namespace of each of
// truths, beside its rollout's pods: a canary pod (experimentRS "canary"),
// a copy of the truth's canary, and a baseline pod ("baseline"), a copy of
// the canary of baselines[i], a healthy pod started at the same time,
// carrying the stable pods' hash as Argo's baseline does. Copies follow
// their originals within each metric family (OpenMetrics keeps a
// family's samples together).
func withExperiments(t *testing.T, om string, truths, baselines []scenario.Truth) *bytes.Buffer {
	t.Helper()
	type copyOf struct {
		namespace, pod string
		to             *strings.Replacer
	}
	var copies []copyOf
	for i, tr := range truths {
		b := baselines[i]
		copies = append(copies,
			copyOf{tr.Namespace, tr.CanaryPod, strings.NewReplacer(tr.CanaryPod, experimentRS(tr, "canary")+"-fghij")},
			copyOf{b.Namespace, b.CanaryPod, strings.NewReplacer(`namespace="`+b.Namespace+`"`, `namespace="`+tr.Namespace+`"`,
				b.CanaryPod, experimentRS(tr, "baseline")+"-abcde",
				`rollouts_pod_template_hash="`+b.CanaryHash+`"`, `rollouts_pod_template_hash="`+tr.StableHash+`"`)})
	}
	out := &bytes.Buffer{}
	var pending []string
	copied := 0
	for _, line := range strings.SplitAfter(om, "\n") {
		if strings.HasPrefix(line, "#") {
			for _, p := range pending {
				out.WriteString(p)
			}
			pending = pending[:0]
		}
		out.WriteString(line)
		for _, c := range copies {
			if strings.Contains(line, `namespace="`+c.namespace+`"`) && strings.Contains(line, `pod="`+c.pod+`"`) {
				pending = append(pending, c.to.Replace(line))
				copied++
			}
		}
	}
	if len(pending) > 0 || copied == 0 {
		t.Fatalf("the end-to-end data changed: %d samples copied, %d after the last family", copied, len(pending))
	}
	return out
}

// analyzerProcess is a running `analyzer serve`.
type analyzerProcess struct {
	url    string // http://127.0.0.1:PORT
	mu     sync.Mutex
	stderr bytes.Buffer
}

// startAnalyzer runs the binary as the Deployment does (serve, the shipped
// rule files, ANALYZER_ENVIRONMENT=env, and extraEnv) against Prometheus at
// promURL and waits until it is ready. It is stopped when the test ends.
func startAnalyzer(t *testing.T, bin, env, promURL string, extraEnv ...string) *analyzerProcess {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--listen-address=127.0.0.1:0")
	cmd.Env = append([]string{
		"ANALYZER_ENVIRONMENT=" + env,
		"ANALYZER_RULES_DIR=" + filepath.Join(DeployDir(), "base", "rules"),
		"ANALYZER_PROMETHEUS_URL=" + promURL,
		"ANALYZER_LOG_LEVEL=info",
	}, extraEnv...)
	pr, pw := io.Pipe()
	cmd.Stderr = pw
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting the analyzer: %v", err)
	}
	a := &analyzerProcess{}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		pw.Close()
		close(exited)
	}()
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			line := sc.Bytes()
			a.mu.Lock()
			a.stderr.Write(line)
			a.stderr.WriteByte('\n')
			a.mu.Unlock()
			var entry struct{ Address string }
			if json.Unmarshal(line, &entry) == nil && entry.Address != "" {
				select {
				case addr <- entry.Address:
				default:
				}
			}
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		if t.Failed() {
			a.mu.Lock()
			t.Logf("analyzer (%s) log:\n%s", env, a.stderr.String())
			a.mu.Unlock()
		}
	})
	select {
	case got := <-addr:
		a.url = "http://" + got
	case <-exited:
		t.Fatalf("the analyzer exited:\n%s", a.log())
	case <-time.After(30 * time.Second):
		t.Fatalf("the analyzer logged no listen address:\n%s", a.log())
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(a.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return a
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the analyzer is not ready (%v):\n%s", err, a.log())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (a *analyzerProcess) log() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.stderr.String()
}

// rehost points a resolved metric's URL at the test's analyzer: in a
// cluster, canary-analyzer.canary-analyzer.svc:8080 resolves to the
// Service; here the analyzer listens on a loopback port. Path and query
// stay as Argo resolved them.
func rehost(t *testing.T, m *v1alpha1.Metric, base string) {
	t.Helper()
	u, err := url.Parse(m.Provider.Web.URL)
	if err != nil {
		t.Fatal(err)
	}
	b, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Scheme, u.Host = b.Scheme, b.Host
	m.Provider.Web.URL = u.String()
}

// measure takes one measurement with Argo Rollouts' own web metric
// provider, built as its provider factory builds it.
func measure(t *testing.T, run *v1alpha1.AnalysisRun, m v1alpha1.Metric) v1alpha1.Measurement {
	t.Helper()
	client, err := webmetric.NewWebMetricHttpClient(m)
	if err != nil {
		t.Fatal(err)
	}
	parser, err := webmetric.NewWebMetricJsonParser(m)
	if err != nil {
		t.Fatal(err)
	}
	logger := log.New()
	logger.SetOutput(io.Discard)
	p := webmetric.NewWebMetricProvider(*log.NewEntry(logger), client, parser)
	return p.Run(run, m)
}

// e2eRollout is the example Rollout as if deployed for the application of
// truth: its namespace and name, and the rule set its data fits.
func e2eRollout(ex example, truth scenario.Truth, ruleSet string) *v1alpha1.Rollout {
	r := ex.rollout.DeepCopy()
	r.Namespace, r.Name = truth.Namespace, truth.Rollout
	for i := range r.Spec.Strategy.Canary.Steps {
		if a := r.Spec.Strategy.Canary.Steps[i].Analysis; a != nil {
			for j := range a.Args {
				if a.Args[j].Name == "rule-set" {
					a.Args[j].Value = ruleSet
				}
			}
		}
	}
	return r
}

// TestWebMetricEndToEnd drives the real analyzer with Argo Rollouts' own
// web metric provider, from the shipped ClusterAnalysisTemplates (GET and
// POST by hash, with the example Rollout's args resolved as Argo resolves
// them; the experiment's by ReplicaSet, asked for the rollout's own
// ReplicaSets), against a real Prometheus holding generated canary data.
func TestWebMetricEndToEnd(t *testing.T) {
	data, healthy, regressed, young := e2eData(t)
	prom := promtest.Start(t, data)
	bin, _ := buildAnalyzer(t, "v0.0.0-e2e", "e2e")
	ex := exampleApp(t)
	tmpls := shippedTemplates(t)

	type check struct {
		name    string
		truth   scenario.Truth
		ruleSet string
		want    v1alpha1.AnalysisPhase
	}
	checks := []check{
		{"healthy canary", healthy, "http-service", v1alpha1.AnalysisPhaseSuccessful},
		{"regressed canary", regressed, "http-service", v1alpha1.AnalysisPhaseFailed},
		{"one-minute-old canary", young, "http-service", v1alpha1.AnalysisPhaseInconclusive},
		// 404 from the analyzer: Argo records an Error, never a verdict.
		{"unknown rule set", healthy, "no-such-rules", v1alpha1.AnalysisPhaseError},
	}
	run := func(t *testing.T, a *analyzerProcess, c check, tmplName string) v1alpha1.Measurement {
		t.Helper()
		r := e2eRollout(ex, c.truth, c.ruleSet)
		var ar *v1alpha1.AnalysisRun
		var metrics []v1alpha1.Metric
		if tmplName == experimentTemplate {
			// The experiment's canary against its baseline and the
			// rollout's stable pods.
			ar, metrics = replicaSetAnalysisRun(t, r, tmpls[tmplName], experimentRS(c.truth, "canary"), experimentRS(c.truth, "baseline"), c.truth.StableHash, c.ruleSet)
		} else {
			ar, metrics = newAnalysisRun(t, r, tmpls[tmplName], c.truth.StableHash, c.truth.CanaryHash)
		}
		m := metrics[0]
		rehost(t, &m, a.url)
		return measure(t, ar, m)
	}

	// Every environment's rule values: a healthy canary passes even live's,
	// a regressed one fails even alpha's.
	analyzers := map[string]*analyzerProcess{}
	external := map[string]string{}
	for _, env := range environments {
		// The report links start with the overlay's external URL.
		external[env] = envVar(t, renderOverlay(t, env).container(t), "ANALYZER_WEB_EXTERNAL_URL")
		analyzers[env] = startAnalyzer(t, bin, env, prom.URL, "ANALYZER_WEB_EXTERNAL_URL="+external[env])
	}
	for _, env := range environments {
		for _, tmplName := range []string{"canary-analyzer", "canary-analyzer-post", experimentTemplate} {
			for _, c := range checks {
				t.Run(env+"/"+tmplName+"/"+c.name, func(t *testing.T) {
					got := run(t, analyzers[env], c, tmplName)
					if got.Phase != c.want {
						t.Fatalf("phase %s (message %q, value %s), want %s", got.Phase, got.Message, got.Value, c.want)
					}
					if c.want == v1alpha1.AnalysisPhaseError {
						if !strings.Contains(got.Message, "non 2xx") {
							t.Errorf("error message %q, want Argo's non-2xx error", got.Message)
						}
						return
					}
					// The value Argo stores (what the Argo Rollouts dashboard
					// and kubectl get analysisrun show) is the compact summary:
					// the verdict, why, and the link to the report.
					var summary struct {
						Verdict string   `json:"verdict"`
						Score   *float64 `json:"score"`
						Failed  []string `json:"failed"`
						Reason  string   `json:"reason"`
						Report  string   `json:"report"`
					}
					if err := json.Unmarshal([]byte(got.Value), &summary); err != nil {
						t.Fatalf("measurement value %q: %v", got.Value, err)
					}
					if summary.Verdict != string(c.want) {
						t.Errorf("summary verdict %q, phase %s", summary.Verdict, got.Phase)
					}
					if c.want == v1alpha1.AnalysisPhaseFailed && len(summary.Failed) == 0 {
						t.Errorf("a Failed verdict names no failed metric: %s", got.Value)
					}
					if tmplName == experimentTemplate && !strings.Contains(summary.Reason, "against both references") {
						t.Errorf("the experiment's verdict %q does not come from both references", summary.Reason)
					}
					if len(got.Value) > 1024 {
						t.Errorf("the stored value is %d bytes; Argo keeps it in the AnalysisRun's status", len(got.Value))
					}
					if summary.Reason == "" || utf8.RuneCountInString(summary.Reason) > 240 {
						t.Errorf("summary reason %q: want one sentence of at most 240 characters", summary.Reason)
					}
					checkReportLink(t, analyzers[env], external[env], summary.Report, got.Value, summary.Verdict, summary.Reason)
					if env == "live" && tmplName == "canary-analyzer" {
						// As kubectl get analysisrun -o yaml shows it, in
						// status.metricResults[].measurements[].
						y, err := yaml.Marshal(got)
						if err != nil {
							t.Fatal(err)
						}
						t.Logf("the measurement Argo stores:\n%s", y)
					}
				})
			}
		}
	}

	// With Prometheus gone the analyzer cannot judge: it answers 5xx and
	// Argo records an Error (retried, then the run errors), never a verdict.
	if err := prom.Stop(); err != nil {
		t.Fatal(err)
	}
	for _, tmplName := range []string{"canary-analyzer", "canary-analyzer-post"} {
		t.Run("prometheus down/"+tmplName, func(t *testing.T) {
			got := run(t, analyzers["live"], checks[0], tmplName)
			if got.Phase != v1alpha1.AnalysisPhaseError || !strings.Contains(got.Message, "received non 2xx response code: 5") {
				t.Errorf("phase %s (message %q), want Error from a 5xx", got.Phase, got.Message)
			}
		})
	}
}

// replicaSetAnalysisRun builds, with Argo's functions, the AnalysisRun of
// the experiment template for the Rollout r comparing ReplicaSet canary
// with ReplicaSet baseline and the stable pods of stableHash (the args an
// experiment step resolves).
func replicaSetAnalysisRun(t *testing.T, r *v1alpha1.Rollout, tmpl *v1alpha1.ClusterAnalysisTemplate, canary, baseline, stableHash, ruleSet string) (*v1alpha1.AnalysisRun, []v1alpha1.Metric) {
	t.Helper()
	arg := func(name, value string) v1alpha1.Argument { return v1alpha1.Argument{Name: name, Value: &value} }
	args := []v1alpha1.Argument{arg("namespace", r.Namespace), arg("rollout", r.Name), arg("canary-replicaset", canary),
		arg("stable-replicaset", baseline), arg("stable-hash", stableHash), arg("rule-set", ruleSet)}
	run, err := analysisutil.NewAnalysisRunFromTemplates(nil, []*v1alpha1.ClusterAnalysisTemplate{tmpl}, args, nil, nil,
		map[string]string{}, map[string]string{}, canary+"-verdict", "", r.Namespace)
	if err != nil {
		t.Fatalf("creating the AnalysisRun from %s: %v", tmpl.Name, err)
	}
	resolved, err := analysisutil.ResolveMetricArgs(run.Spec.Metrics[0], run.Spec.Args)
	if err != nil {
		t.Fatal(err)
	}
	return run, []v1alpha1.Metric{*resolved}
}

// checkReportLink follows the report link of a stored measurement value as
// a person would: copied from the value (Argo re-encodes it with
// encoding/json, which would turn a query string's '&' into \u0026), on
// the external URL, which reaches the analyzer (here: rehosted to its
// loopback port, as a port-forward or an ingress would). The page answers
// with the verdict and the reason.
func checkReportLink(t *testing.T, a *analyzerProcess, external, link, value, verdict, reason string) {
	t.Helper()
	if !strings.HasPrefix(link, external+"/report/") {
		t.Fatalf("report link %q does not start with the external URL %s", link, external)
	}
	if !strings.Contains(value, link) {
		t.Fatalf("the stored value %s does not hold the link %s verbatim", value, link)
	}
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := url.Parse(a.url)
	u.Scheme, u.Host = b.Scheme, b.Host
	res, err := http.Get(u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	page, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("report %s: %s %s", link, res.Status, res.Header.Get("Content-Type"))
	}
	// The summary's reason may be cut (with an ellipsis); the page has it
	// whole, escaped as html/template escapes text (which writes a + as
	// &#43;, as html.EscapeString does not): compare the unescaped page.
	if !strings.Contains(string(page), "<h1>"+verdict) || !strings.Contains(html.UnescapeString(string(page)), strings.TrimSuffix(reason, "…")) {
		t.Errorf("the report %s does not open with the verdict %s and the reason %q", link, verdict, reason)
	}
}

// envVar is the value of a container's environment variable.
func envVar(t *testing.T, c *corev1.Container, name string) string {
	t.Helper()
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value
		}
	}
	t.Fatalf("the container sets no %s", name)
	return ""
}
