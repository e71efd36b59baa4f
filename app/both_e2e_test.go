package app

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/floats/scalar"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/api/wire"
	"github.com/canary-analyzer/canary-analyzer/internal/promtest"
	"github.com/canary-analyzer/canary-analyzer/internal/scenario"
)

var update = flag.Bool("update", false, "rewrite the golden answer testdata/golden/judge-both-references.json")

// Two Argo experiments of the rollout web in one namespace beside its old
// stable pods (hash scenario.E2EStableHash): a regressed canary with a
// healthy baseline (revision 2), and a healthy canary with a baseline that
// is better than the stable pods (revision 3).
const (
	bothNamespace     = "e2e-both"
	bothRegressedRS   = "web-6d4f9c7b8-2-1-canary"
	bothRegressedBase = "web-6d4f9c7b8-2-1-baseline"
	bothHealthyRS     = "web-8b7c6d5f4-3-1-canary"
	bothBetterBase    = "web-8b7c6d5f4-3-1-baseline"
	bothMildRS        = "web-5f6a7b8c9-4-1-canary"
	bothMildBase      = "web-5f6a7b8c9-4-1-baseline"
)

// bothData writes the end-to-end data, a third instance whose canary is
// 40% faster with a tenth of the 5xx and a fourth whose canary is 30%
// slower, and rewrites them into the namespace bothNamespace: the healthy
// instance's stable pods stay the rollout's stable pods; the regressed
// canary and the healthy canary (started with it) become the canary and
// the baseline of the first experiment; the healthy canary again and the
// faster canary (started with it too) the canary and the baseline of the
// second; the slower canary and the healthy canary once more those of the
// third. A baseline carries the stable pods' hash (Argo hashes the same
// template): only the pods' names tell it from the stable pods.
func bothData(t *testing.T) (string, scenario.Truth) {
	t.Helper()
	healthy, regressed := scenario.E2EScenarios()
	better := healthy
	better.Name, better.Namespace = "e2e-better", "e2e-better"
	better.Description = "A canary 40% faster with a tenth of the 5xx: a baseline better than the stable pods."
	better.Effects = scenario.Effects{LatencyFactor: 0.6, ErrorFactor: 0.1}
	mild := regressed
	mild.Name, mild.Namespace = "e2e-mild", "e2e-mild"
	mild.Description = "A canary 30% slower."
	mild.Effects = scenario.Effects{LatencyFactor: 1.3, ErrorFactor: 1}
	var om bytes.Buffer
	truths, err := scenario.GenerateMany(&om, []scenario.Instance{{Scenario: healthy, Seed: 101}, {Scenario: regressed, Seed: 102},
		{Scenario: better, Seed: 103}, {Scenario: mild, Seed: 104}})
	if err != nil {
		t.Fatal(err)
	}
	h, r, b, m := truths[0], truths[1], truths[2], truths[3]
	if !h.CanaryStart.Equal(r.CanaryStart) || !h.CanaryStart.Equal(b.CanaryStart) || !h.CanaryStart.Equal(m.CanaryStart) {
		t.Fatalf("the canaries start at %v, %v, %v and %v: a baseline starts with its canary", h.CanaryStart, r.CanaryStart, b.CanaryStart, m.CanaryStart)
	}
	// pod moves the line of one instance's pod into bothNamespace as the
	// pod named name with the given hash label.
	pod := func(line string, tr scenario.Truth, from, name, hash string) string {
		return strings.NewReplacer(`namespace="`+tr.Namespace+`"`, `namespace="`+bothNamespace+`"`, from, name,
			`rollouts_pod_template_hash="`+tr.CanaryHash+`"`, `rollouts_pod_template_hash="`+hash+`"`).Replace(line)
	}
	var out strings.Builder
	moved := map[string]int{}
	emit := func(what, line string) {
		moved[what]++
		out.WriteString(line)
		out.WriteByte('\n')
	}
	sc := bufio.NewScanner(&om)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		in := func(tr scenario.Truth) bool { return strings.Contains(line, `namespace="`+tr.Namespace+`"`) }
		isCanary := func(tr scenario.Truth) bool { return in(tr) && strings.Contains(line, `pod="`+tr.CanaryPod+`"`) }
		switch {
		case isCanary(h):
			emit("baseline of revision 2", pod(line, h, h.CanaryPod, bothRegressedBase+"-abcde", h.StableHash))
			emit("canary of revision 3", pod(line, h, h.CanaryPod, bothHealthyRS+"-klmno", "8b7c6d5f4"))
			emit("baseline of revision 4", pod(line, h, h.CanaryPod, bothMildBase+"-uvwxy", h.StableHash))
		case in(h):
			emit("stable", strings.Replace(line, `namespace="`+h.Namespace+`"`, `namespace="`+bothNamespace+`"`, 1))
		case isCanary(r):
			emit("canary of revision 2", pod(line, r, r.CanaryPod, bothRegressedRS+"-fghij", "6d4f9c7b8"))
		case isCanary(b):
			emit("baseline of revision 3", pod(line, b, b.CanaryPod, bothBetterBase+"-pqrst", b.StableHash))
		case isCanary(m):
			emit("canary of revision 4", pod(line, m, m.CanaryPod, bothMildRS+"-zabcd", "5f6a7b8c9"))
		case in(r) || in(b) || in(m):
			// their stable pods are not needed
		default:
			out.WriteString(line)
			out.WriteByte('\n')
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(moved) != 7 {
		t.Fatalf("the end-to-end data changed: moved %v samples", moved)
	}
	return out.String(), h
}

// TestBothReferencesEndToEnd judges an experiment's canary against its
// baseline and against the rollout's stable pods at once, on a real
// Prometheus, asked as the experiment template asks with stableHash beside
// the ReplicaSets: Failed only when the canary fails against both.
func TestBothReferencesEndToEnd(t *testing.T) {
	data, healthy := bothData(t)
	prom := promtest.Start(t, strings.NewReader(data))
	end := healthy.End.Truncate(time.Minute)
	base := startE2E(t, prom.URL, end)
	params := func(canary, baseline string) url.Values {
		return url.Values{"namespace": {bothNamespace}, "rollout": {"web"}, "canaryReplicaSet": {canary},
			"stableReplicaSet": {baseline}, "stableHash": {healthy.StableHash}, "ruleSet": {"http-service"}, "end": {end.Format(time.RFC3339)}}
	}
	stable := "the stable pods (" + healthy.StableHash + ")"

	cases := []struct {
		name             string
		method           string
		params           url.Values
		canary, baseline string
		verdict          analysis.Verdict
		refs             [2]analysis.Verdict // against the baseline, against the stable pods
		reason           string              // the reason's start
		failed           string              // one of summary.failed
		golden           string
	}{
		{"a canary regressed against both references", "GET", params(bothRegressedRS, bothRegressedBase),
			bothRegressedRS + "-fghij", bothRegressedBase + "-abcde", analysis.Failed, [2]analysis.Verdict{analysis.Failed, analysis.Failed},
			"Failed against both references: the canary fails against the baseline (" + bothRegressedBase + ") and against " + stable + ".",
			"latency (baseline, stable)", ""},
		{"the same by POST", "POST", params(bothRegressedRS, bothRegressedBase),
			bothRegressedRS + "-fghij", bothRegressedBase + "-abcde", analysis.Failed, [2]analysis.Verdict{analysis.Failed, analysis.Failed},
			"Failed against both references", "latency (baseline, stable)", ""},
		// Worse than a baseline that is better than the stable pods, as
		// good as the stable pods: Successful, and the reason says why.
		{"a canary worse than its baseline but like the stable pods", "GET", params(bothHealthyRS, bothBetterBase),
			bothHealthyRS + "-klmno", bothBetterBase + "-pqrst", analysis.Successful, [2]analysis.Verdict{analysis.Failed, analysis.Successful},
			"Successful: the canary passes against " + stable + " although it fails against the baseline (" + bothBetterBase + ").",
			"", "judge-both-references.json"},
		// 30% slower: too little to stand out against one baseline pod (it
		// passes),
		// enough against four stable pods, and the baseline pod, as young
		// as the canary, shows no such excess: Failed by the age check.
		{"a canary its baseline cannot confirm and its age does not explain", "GET", params(bothMildRS, bothMildBase),
			bothMildRS + "-zabcd", bothMildBase + "-uvwxy", analysis.Failed, [2]analysis.Verdict{analysis.Successful, analysis.Failed},
			"Failed: the canary fails against " + stable + ", and the baseline (" + bothMildBase + "), started with it, shows no sign of the same excess against them in latency (p = ",
			"latency (stable)", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp := judgeOK(t, c.method, base, c.params)
			t.Logf("%s, score %.0f: %s", resp.Verdict, resp.Score, resp.Reason)
			if resp.Verdict != c.verdict || resp.Summary.Verdict != c.verdict {
				t.Errorf("verdict %s (summary %s), want %s", resp.Verdict, resp.Summary.Verdict, c.verdict)
			}
			if !strings.HasPrefix(resp.Reason, c.reason) || !strings.HasPrefix(resp.Summary.Reason, c.reason[:min(len(c.reason), 60)]) {
				t.Errorf("reason %q, want it to begin %q", resp.Reason, c.reason)
			}
			if (c.failed == "") != (len(resp.Summary.Failed) == 0) || c.failed != "" && !slices.Contains(resp.Summary.Failed, c.failed) {
				t.Errorf("failed %v, want %q among them", resp.Summary.Failed, c.failed)
			}
			if len(resp.References) != 3 {
				t.Fatalf("%d references", len(resp.References))
			}
			// The age check: the baseline's pod, as the canary, against the
			// stable pods.
			if age := resp.References[2]; age.Against != wire.AgeCheck || !slices.Equal(age.Canary.Pods, []string{c.baseline}) ||
				!slices.Equal(slices.Sorted(slices.Values(age.Stable.Pods)), slices.Sorted(slices.Values(healthy.StablePods))) || len(age.Metrics) != 7 {
				t.Errorf("the age check: against %s, canary %v, stable %v, %d metrics", age.Against, age.Canary.Pods, age.Stable.Pods, len(age.Metrics))
			}
			wantPods := [2][]string{{c.baseline}, slices.Sorted(slices.Values(healthy.StablePods))}
			for i, against := range []string{"baseline", "stable"} {
				ref := resp.References[i]
				if ref.Against != against || ref.Verdict != c.refs[i] || !strings.Contains(resp.Reason, ref.Reason) || len(ref.Metrics) != 7 {
					t.Errorf("reference %d: against %s, verdict %s, %d metrics; want %s, %s, 7, its reason in the answer's",
						i, ref.Against, ref.Verdict, len(ref.Metrics), against, c.refs[i])
				}
				if !slices.Equal(ref.Canary.Pods, []string{c.canary}) || !slices.Equal(slices.Sorted(slices.Values(ref.Stable.Pods)), wantPods[i]) {
					t.Errorf("reference %s: canary %v, stable %v; want %s and %v", against, ref.Canary.Pods, ref.Stable.Pods, c.canary, wantPods[i])
				}
			}
			if want := max(resp.References[0].Score, resp.References[1].Score); resp.Score != want && !(c.refs[0] != analysis.Failed && c.verdict == analysis.Failed) {
				t.Errorf("score %g, want the larger of %g and %g", resp.Score, resp.References[0].Score, resp.References[1].Score)
			}
			if c.refs[0] != analysis.Failed && c.verdict == analysis.Failed && resp.Score != resp.References[1].Score {
				t.Errorf("score %g, want the stable judgement's, %g, where the age check decides", resp.Score, resp.References[1].Score)
			}
			if resp.Target.StableHash != healthy.StableHash || resp.Target.StableReplicaSet != c.params.Get("stableReplicaSet") ||
				!slices.Equal(resp.Stable.Pods, []string{c.baseline}) || len(resp.Metrics) != 7 {
				t.Errorf("target %+v, stable %v: want the request's and the judgement against the baseline's", resp.Target, resp.Stable.Pods)
			}
			// The report link carries all three sides and opens a page
			// that shows both judgements.
			if !strings.Contains(resp.Summary.Report, "/stableHash/"+healthy.StableHash+"/") {
				t.Errorf("report link %s lacks the stable hash", resp.Summary.Report)
			}
			code, page, err := get(base + resp.Summary.Report)
			if err != nil || code != http.StatusOK {
				t.Fatalf("the report: %d %v", code, err)
			}
			for _, want := range []string{"<h2>Both references</h2>", "<td>Against the baseline (" + c.params.Get("stableReplicaSet") + ")</td>",
				"<td>Against the stable pods (" + healthy.StableHash + ")</td>",
				"<td>Age check: the baseline (" + c.params.Get("stableReplicaSet") + ") against the stable pods (" + healthy.StableHash + ")</td>"} {
				if !strings.Contains(page, want) {
					t.Errorf("the report does not say %q", want)
				}
			}
			if c.golden != "" && c.method == "GET" {
				goldenAnswer(t, c.golden, resp)
			}
		})
	}

	// A baseline ReplicaSet with no pods (a wrong argument): the canary,
	// which the stable pods pass, is not passed on them alone.
	t.Run("a baseline that names no pod", func(t *testing.T) {
		resp := judgeOK(t, "GET", base, params(bothHealthyRS, "web-6d4f9c7b8-2-1-nobody"))
		if resp.Verdict != analysis.Inconclusive || len(resp.References) != 3 || resp.References[1].Verdict != analysis.Successful {
			t.Fatalf("verdict %s with %d references, want Inconclusive although the stable pods pass it", resp.Verdict, len(resp.References))
		}
		if want := "Inconclusive: no pod of the baseline (web-6d4f9c7b8-2-1-nobody) has data in the window"; !strings.HasPrefix(resp.Reason, want) {
			t.Errorf("reason %q, want it to begin %q", resp.Reason, want)
		}
	})

	t.Run("bad input never reaches Prometheus", func(t *testing.T) {
		p := params(bothRegressedRS, bothRegressedBase)
		checkRefused(t, base, prom, []refusal{
			{"no rollout", withParams(p, "rollout", ""), 400, "rollout"},
			{"a canary hash too", withParams(p, "canaryHash", "6d4f9c7b8"), 400, "canaryHash"},
			{"a stable hash that is no hash", withParams(p, "stableHash", "7c9d-5b6f4d"), 400, "stableHash"},
			{"a stable hash without the baseline", withParams(p, "stableReplicaSet", ""), 400, "stableReplicaSet"},
			// The stable pods <rollout>-<stableHash>-<suffix> would be the
			// pods of a ReplicaSet named <rollout>-<stableHash>.
			{"a baseline the stable hash selects", withParams(p, "stableReplicaSet", "web-"+healthy.StableHash), 400, "stableHash"},
			{"a canary the stable hash selects", withParams(p, "canaryReplicaSet", "web-"+healthy.StableHash), 400, "stableHash"},
		})
	})

	// A query that treats every pod alike selects the three ReplicaSets'
	// pods once for the three judgements; the latencies, which filter the
	// canary's minutes, select each judgement's sides apart.
	t.Run("queries select each judgement's pods", func(t *testing.T) {
		const canaryRE, baselineRE = `web-6d4f9c7b8-2-1-canary-[a-z0-9]+`, `web-6d4f9c7b8-2-1-baseline-[a-z0-9]+`
		stableRE := `web-` + healthy.StableHash + `-[a-z0-9]+`
		count := func(matcher string) int {
			n := 0
			for _, q := range prom.QueryLog() {
				if strings.Contains(q, `namespace="`+bothNamespace+`"`) && strings.Contains(q, matcher) {
					n++
				}
			}
			return n
		}
		for _, c := range []struct {
			matcher string
			want    bool
		}{
			{`pod=~"(?:` + canaryRE + `|` + baselineRE + `|` + stableRE + `)"`, true},
			{`pod=~"` + canaryRE + `"`, true},
			{`pod=~"` + baselineRE + `"`, true},
			{`pod=~"` + stableRE + `"`, true},
			// no query of two ReplicaSets' pods, as each judgement's own
			// queries would be
			{`pod=~"(?:` + canaryRE + `|` + baselineRE + `)"`, false},
			{`pod=~"(?:` + canaryRE + `|` + stableRE + `)"`, false},
			{`pod=~"(?:` + baselineRE + `|` + stableRE + `)"`, false},
		} {
			if n := count(c.matcher); (n > 0) != c.want {
				t.Errorf("%d of %d logged queries have %s, want any: %v", n, len(prom.QueryLog()), c.matcher, c.want)
			}
		}
	})
}

// goldenAnswer compares an answer, indented, with testdata/golden/name.
func goldenAnswer(t *testing.T, name string, resp wire.Response) {
	t.Helper()
	b, err := json.MarshalIndent(resp, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	pretty := bytes.NewBuffer(append(b, '\n'))
	path := filepath.Join("..", "testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run 'go test ./app -run TestBothReferencesEndToEnd -update' to write it)", err)
	}
	var got, wanted any
	if err := json.Unmarshal(pretty.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(want, &wanted); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if where := differs(got, wanted, "$", false); where != "" {
		t.Errorf("the answer differs from %s at %s (run 'go test ./app -run TestBothReferencesEndToEnd -update' if the change is meant, and look at the diff):\n%s",
			path, where, pretty.String())
	}
}

// differs returns the path of the first difference between two decoded
// JSON values, "" if none. Numbers must be equal, but for those of the
// metric named cpu (loose), which may differ in their last bits: its load
// query sums, per pod, the request rates of the pod's series by status
// code, and Prometheus adds them in an order that changes from one
// evaluation to the next (promql/engine.go's rangeEval assembles a binary
// operation's series from a Go map, and sum adds them in that order), so
// the same data give load values that differ in the last bits, and the
// load model's numbers follow them. The engine and the judge give the same
// answer to the same backend answers (engine's
// TestSameAnswerWhateverTheOrder).
func differs(got, want any, path string, loose bool) string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok || len(g) != len(w) {
			return path
		}
		loose = loose || w["name"] == "cpu"
		for k := range w {
			if d := differs(g[k], w[k], path+"."+k, loose); d != "" {
				return d
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return path
		}
		for i := range w {
			if d := differs(g[i], w[i], fmt.Sprintf("%s[%d]", path, i), loose); d != "" {
				return d
			}
		}
	case float64:
		g, ok := got.(float64)
		if !ok || g != w && !(loose && scalar.EqualWithinAbsOrRel(g, w, 1e-12, 1e-9)) {
			return path
		}
	default:
		if got != want {
			return path
		}
	}
	return ""
}
