package logscenario

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/analysis/signatures"
	"github.com/canary-analyzer/canary-analyzer/internal/lokitest"
)

// The access-log regexp and the error-level filter of
// deploy/base/rules/apache-frontend.yaml (the rule set's queries are checked
// against generated lines end to end in app/loki_e2e_test.go).
var (
	accessRE = regexp.MustCompile(`^\S+ \S+ \S+ \[[^\]]+\] "(?:[^"\\]|\\.)*" (?P<status>\d{3}) (?:\d+|-) "(?:[^"\\]|\\.)*" "(?:[^"\\]|\\.)*" (?P<duration_us>\d+)$`)
	errorRE  = regexp.MustCompile(`^\[[^\]]+\] \[[a-z0-9_]+:(?:error|crit|alert|emerg)\]`)
)

func testConfig(seed uint64, reg Regression) Config {
	start := time.Date(2026, 11, 25, 19, 17, 0, 0, time.UTC)
	return Config{
		Namespace: "shop", Rollout: "web", CanaryHash: "5f6b7c8d9e", StableHash: "7c9d5b6f4d",
		Start: start, End: start.Add(30 * time.Minute), Canary: reg, Seed: seed,
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	t.Parallel()
	a, err := Generate(testConfig(1, Regressed()))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Generate(testConfig(1, Regressed()))
	c, _ := Generate(testConfig(2, Regressed()))
	var pa, pb, pc bytes.Buffer
	for _, x := range []struct {
		l Logs
		w *bytes.Buffer
	}{{a, &pa}, {b, &pb}, {c, &pc}} {
		if err := x.l.WritePush(x.w); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(pa.Bytes(), pb.Bytes()) {
		t.Error("the same seed gave different lines")
	}
	if bytes.Equal(pa.Bytes(), pc.Bytes()) {
		t.Error("different seeds gave the same lines")
	}
}

func TestGenerateShapes(t *testing.T) {
	t.Parallel()
	cfg := testConfig(3, Regressed())
	logs, err := Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tr := logs.Truth
	if !strings.HasPrefix(tr.CanaryPod, "web-5f6b7c8d9e-") || len(tr.StablePods) != 3 {
		t.Fatalf("pods %s %v", tr.CanaryPod, tr.StablePods)
	}
	perPod := map[string]map[string]int{}
	probes := 0
	for i, e := range logs.Entries {
		if i > 0 && e.Time.Before(logs.Entries[i-1].Time) {
			t.Fatal("entries are not in time order")
		}
		if e.Time.Before(cfg.Start) || !e.Time.Before(cfg.End) {
			t.Errorf("entry at %s outside the window", e.Time)
		}
		pod, stream := string(e.Labels["pod"]), string(e.Labels["stream"])
		if e.Labels["namespace"] != "shop" || e.Labels["container"] != "httpd" {
			t.Fatalf("labels %v", e.Labels)
		}
		if perPod[pod] == nil {
			perPod[pod] = map[string]int{}
		}
		perPod[pod][stream]++
		switch stream {
		case "access":
			m := accessRE.FindStringSubmatch(e.Line)
			if m == nil {
				t.Fatalf("access line the rule set cannot parse: %q", e.Line)
			}
			if strings.Contains(e.Line, "kube-probe/") {
				probes++
			}
			if m[1] == "404" && strings.Contains(e.Line, "app.9c1e.js") {
				perPod[pod]["burst"]++
			}
		case "error":
			if strings.Contains(e.Line, "AH01630") {
				perPod[pod]["AH01630"]++
			}
			if strings.Contains(e.Line, ":notice]") {
				perPod[pod]["notice"]++
				if errorRE.MatchString(e.Line) {
					t.Errorf("the rule set's filter keeps a notice: %q", e.Line)
				}
			} else if !errorRE.MatchString(e.Line) {
				t.Errorf("the rule set's filter drops an error line: %q", e.Line)
			}
		default:
			t.Fatalf("stream %q", stream)
		}
	}
	// 30 minutes of probes every 10 s, for 4 pods.
	if probes != 4*180 {
		t.Errorf("%d probe lines, want %d", probes, 4*180)
	}
	c := perPod[tr.CanaryPod]
	if c["AH01630"] != tr.NewErrors[tr.CanaryPod] || c["AH01630"] < 5 {
		t.Errorf("canary AH01630 lines %d, truth %d", c["AH01630"], tr.NewErrors[tr.CanaryPod])
	}
	if c["burst"] < 30 || c["notice"] != 2 {
		t.Errorf("canary: %d burst 404s, %d start-up notices", c["burst"], c["notice"])
	}
	for _, p := range tr.StablePods {
		if perPod[p]["AH01630"] != 0 || perPod[p]["burst"] != 0 || perPod[p]["notice"] != 0 {
			t.Errorf("stable pod %s has canary-only lines: %v", p, perPod[p])
		}
		if perPod[p]["error"] == 0 || tr.Requests[p] < 400 {
			t.Errorf("stable pod %s: %v, %d requests", p, perPod[p], tr.Requests[p])
		}
	}
	if tr.ServerErrors[tr.CanaryPod] <= tr.ServerErrors[tr.StablePods[0]] {
		t.Errorf("canary 5xx %d, stable %d", tr.ServerErrors[tr.CanaryPod], tr.ServerErrors[tr.StablePods[0]])
	}
}

// errorLines splits the error-level lines the rule set keeps by side.
func errorLines(l Logs) analysis.LogData {
	var d analysis.LogData
	d.CanaryPods = []string{l.Truth.CanaryPod}
	d.StablePods = l.Truth.StablePods
	for _, e := range l.Entries {
		if e.Labels["stream"] != "error" || !errorRE.MatchString(e.Line) {
			continue
		}
		line := analysis.LogLine{Pod: string(e.Labels["pod"]), T: e.Time.UnixMilli(), Line: e.Line}
		if line.Pod == l.Truth.CanaryPod {
			d.Canary = append(d.Canary, line)
		} else {
			d.Stable = append(d.Stable, line)
		}
	}
	return d
}

// TestGeneratedSignatures judges generated error logs: healthy canaries
// (20 seeds) are not failed more than the false-alarm rate allows, and every
// regressed one is failed on AH01630.
func TestGeneratedSignatures(t *testing.T) {
	t.Parallel()
	m := analysis.Metric{Name: "new-errors", Kind: analysis.KindSignatures, Tolerance: 1}
	st := analysis.Settings{Alpha: 0.01, Looks: 5, Step: time.Minute}
	failed := 0
	for seed := uint64(1); seed <= 20; seed++ {
		healthy, err := Generate(testConfig(seed, Regression{}))
		if err != nil {
			t.Fatal(err)
		}
		if r := signatures.Judge(m, errorLines(healthy), st); r.Classification == analysis.High {
			failed++
			t.Logf("seed %d: healthy canary failed: %s", seed, r.Reason)
		}
		regressed, _ := Generate(testConfig(seed, Regressed()))
		r := signatures.Judge(m, errorLines(regressed), st)
		if r.Classification != analysis.High || len(r.Signatures) == 0 || !strings.Contains(r.Signatures[0].Signature, "AH01630") {
			t.Errorf("seed %d: regressed canary %s (%s)", seed, r.Classification, r.Reason)
		}
	}
	// At α = 0.002 per look, one false alarm in 20 would already be odd.
	if failed > 1 {
		t.Errorf("%d of 20 healthy canaries failed", failed)
	}
}

// TestPushRoundTrip loads the push body into the Loki emulator.
func TestPushRoundTrip(t *testing.T) {
	t.Parallel()
	logs, err := Generate(testConfig(4, Regression{}))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := logs.WritePush(&buf); err != nil {
		t.Fatal(err)
	}
	var s lokitest.Store
	if err := s.LoadPush(&buf); err != nil {
		t.Fatal(err)
	}
	if s.Len() != len(logs.Entries) {
		t.Errorf("%d entries loaded, %d generated", s.Len(), len(logs.Entries))
	}
	if n := len(s.Streams()); n != 8 {
		t.Errorf("%d streams, want 4 pods × access and error", n)
	}
}

func TestGenerateErrors(t *testing.T) {
	t.Parallel()
	cfg := testConfig(1, Regression{})
	cfg.End = cfg.Start
	if _, err := Generate(cfg); err == nil {
		t.Error("an empty window was accepted")
	}
	cfg = testConfig(1, Regression{})
	cfg.StableHash = cfg.CanaryHash
	if _, err := Generate(cfg); err == nil {
		t.Error("equal hashes were accepted")
	}
}

func TestLateCanary(t *testing.T) {
	t.Parallel()
	cfg := testConfig(5, Regression{})
	cfg.CanaryStart = cfg.Start.Add(20 * time.Minute)
	logs, err := Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range logs.Entries {
		if string(e.Labels["pod"]) == logs.Truth.CanaryPod && e.Time.Before(cfg.CanaryStart) {
			t.Fatalf("canary line at %s, before its start %s", e.Time, cfg.CanaryStart)
		}
	}
	if n := logs.Truth.Requests[logs.Truth.CanaryPod]; n < 100 || n > 300 {
		t.Errorf("a 10-minute canary served %d requests", n)
	}
}
