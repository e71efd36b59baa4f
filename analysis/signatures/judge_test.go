package signatures

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/floats/scalar"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/canary-analyzer/canary-analyzer/analysis"
)

const (
	sigAH01630 = `[authz_core:error] [pid <NUM>:tid <NUM>] [client <IP>] AH01630: client denied by server configuration: /var/www/html/config.json`
	sigAH00489 = `[mpm_event:notice] [pid <NUM>:tid <NUM>] AH00489: Apache/<NUM> (Unix) configured -- resuming normal operations`
	sigAH00094 = `[core:notice] [pid <NUM>:tid <NUM>] AH00094: Command line: '<STR>'`
)

// sigSettings are the settings of the tests: the rule sets' default alpha
// over CanaryJudge's five looks, so each look may spend 0.002.
var sigSettings = analysis.Settings{Alpha: 0.01, Looks: 5, Step: time.Minute}

func sigMetric() analysis.Metric {
	return analysis.Metric{Name: "new-errors", Kind: analysis.KindSignatures, Direction: analysis.Increase, Tolerance: 0, Weight: 2, Critical: true}
}

func firstLine(lines []analysis.LogLine, code string) string {
	for _, l := range lines {
		if strings.Contains(l.Line, code) {
			return l.Line
		}
	}
	return ""
}

// TestJudgeSignaturesFixture judges the recorded canary's error log against
// the stable pods' (the fixture README: AH01630 ×18 is new in the canary).
//
// Per pod (no exposure) the canary is one pod against three, so p0 = 1/4,
// and Tarone's procedure counts K = 2 signatures (AH00037 with 26 lines and
// AH01630 with 18 can reach 0.002/2; AH00126 with 4 lines cannot: 0.25⁴ >
// 0.002). The p-values are R's:
//
//	poisson.test(c(18, 0), c(1, 3), alternative = "greater")$p.value  # 1.4551915228366868e-11
//	poisson.test(c(1, 0), c(1, 3), alternative = "greater")$p.value   # 0.25
//	poisson.test(c(18, 0), c(1, 3), alternative = "greater",
//	             conf.level = 0.999)$conf.int[1]                       # 6.4130070473382439
//
// Per request, the canary served 808 of 2948 access lines:
//
//	poisson.test(c(18, 0), c(808, 2140), alternative = "greater")$p.value  # 7.6192086816088405e-11
func TestJudgeSignaturesFixture(t *testing.T) {
	t.Parallel()
	canary, stable := loadErrorLog(t)
	cases := []struct {
		name     string
		data     analysis.LogData
		p, lower float64
		ec, es   float64
	}{
		{
			name: "per pod",
			data: analysis.LogData{Canary: canary, Stable: stable},
			p:    1.4551915228366868e-11, lower: 6.4130070473382439,
			ec: 1, es: 3,
		},
		{
			name: "per request",
			data: analysis.LogData{
				Canary: canary, Stable: stable, Exposure: true,
				CanaryExposure: []analysis.Series{{Pod: "web-5f6b7c8d9e-zzzzz", Points: []analysis.Point{{T: 1795636020000, V: 808}}}},
				StableExposure: []analysis.Series{
					{Pod: "web-7c9d5b6f4d-aaaaa", Points: []analysis.Point{{T: 1795636020000, V: 733}}},
					{Pod: "web-7c9d5b6f4d-bbbbb", Points: []analysis.Point{{T: 1795636020000, V: 687}}},
					{Pod: "web-7c9d5b6f4d-ccccc", Points: []analysis.Point{{T: 1795636020000, V: 720}}},
				},
			},
			p:  7.6192086816088405e-11,
			ec: 808, es: 2140,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			res := judgeWith(sigMetric(), c.data, sigSettings, analysis.SignatureOptions{})
			if res.Classification != analysis.High {
				t.Fatalf("classification %s (%s), want High", res.Classification, res.Reason)
			}
			if len(res.Signatures) != 3 {
				t.Fatalf("%d findings, want AH01630, AH00489 and AH00094: %+v", len(res.Signatures), res.Signatures)
			}
			f := res.Signatures[0]
			if f.Signature != sigAH01630 || f.Canary != 18 || f.Stable != 0 || !f.New || !f.Significant {
				t.Errorf("first finding %+v, want AH01630 18 times, new and significant", f)
			}
			if !scalar.EqualWithinAbsOrRel(float64(f.PValue), c.p, 1e-25, 1e-9) {
				t.Errorf("p-value %.17g, want %.17g", float64(f.PValue), c.p)
			}
			if want := firstLine(canary, "AH01630"); f.Example != want {
				t.Errorf("example %q, want the canary's first AH01630 line %q", f.Example, want)
			}
			if len(f.Pods) != 1 || f.Pods[0] != "web-5f6b7c8d9e-zzzzz" {
				t.Errorf("pods %v", f.Pods)
			}
			if !scalar.EqualWithinAbsOrRel(float64(f.CanaryRate), 18/c.ec, 1e-15, 1e-12) || f.StableRate != 0 {
				t.Errorf("rates %v and %v, want %v and 0", f.CanaryRate, f.StableRate, 18/c.ec)
			}
			for i, sig := range []string{sigAH00489, sigAH00094} {
				g := res.Signatures[1+i]
				if g.Signature != sig || g.Canary != 1 || g.Stable != 0 || !g.New || g.Significant {
					t.Errorf("finding %d: %+v, want %q once, new and not significant", 1+i, g, sig)
				}
			}
			if !scalar.EqualWithinAbsOrRel(float64(res.PValue), 2*c.p, 1e-25, 1e-9) {
				t.Errorf("metric p-value %g, want K·p = %g", float64(res.PValue), 2*c.p)
			}
			if c.lower != 0 && !scalar.EqualWithinAbsOrRel(float64(res.Interval.Lower), c.lower, 1e-9, 1e-9) {
				t.Errorf("interval lower %.17g, want %.17g", float64(res.Interval.Lower), c.lower)
			}
			if res.Interval == nil || float64(res.Interval.Level) != 0.999 {
				t.Errorf("interval %+v, want level 1 - 0.002/2", res.Interval)
			}
			if res.Canary.Count != 32 || float64(res.Canary.Trials) != c.ec || res.Stable.Count != 24 || float64(res.Stable.Trials) != c.es {
				t.Errorf("sides %+v / %+v", res.Canary, res.Stable)
			}
			if !strings.Contains(res.Reason, "AH01630") || !strings.Contains(res.Reason, "18 lines") {
				t.Errorf("reason %q does not name the signature and its count", res.Reason)
			}
			if res.Name != "new-errors" || !res.Critical || res.Weight != 2 {
				t.Errorf("metric fields not copied: %+v", res)
			}
		})
	}
}

// TestJudgeSignaturesPretendCanary judges a stable pod of the recording as
// if it were the canary: it logs nothing the other stable pods do not.
func TestJudgeSignaturesPretendCanary(t *testing.T) {
	t.Parallel()
	_, stable := loadErrorLog(t)
	var canary, rest []analysis.LogLine
	for _, l := range stable {
		if l.Pod == "web-7c9d5b6f4d-aaaaa" {
			canary = append(canary, l)
		} else {
			rest = append(rest, l)
		}
	}
	res := judgeWith(sigMetric(), analysis.LogData{Canary: canary, Stable: rest}, sigSettings, analysis.SignatureOptions{})
	if res.Classification != analysis.Pass {
		t.Fatalf("classification %s (%s), want Pass", res.Classification, res.Reason)
	}
	if len(res.Signatures) != 0 {
		t.Errorf("findings %+v, want none", res.Signatures)
	}
}

func TestJudgeSignaturesNoData(t *testing.T) {
	t.Parallel()
	line := func(pod, s string) analysis.LogLine { return analysis.LogLine{Pod: pod, T: 1, Line: s} }
	exp := func(v float64) []analysis.Series {
		return []analysis.Series{{Pod: "p", Points: []analysis.Point{{T: 60000, V: v}}}}
	}
	cases := []struct {
		name string
		data analysis.LogData
		want analysis.Classification
		// reason is a substring of the reason.
		reason string
	}{
		{"nothing at all", analysis.LogData{}, analysis.NoData, "not running"},
		{"canary without lines or pods", analysis.LogData{Stable: []analysis.LogLine{line("s", "x")}}, analysis.NoData, "not running"},
		{"canary served nothing", analysis.LogData{Exposure: true, StableExposure: exp(10)}, analysis.NotEnoughData, "served no requests"},
		{"canary lines without exposure", analysis.LogData{Exposure: true, Canary: []analysis.LogLine{line("c", "x")}, StableExposure: exp(10)}, analysis.NoData, "check the exposure query"},
		{"stable pods without exposure", analysis.LogData{Exposure: true, CanaryExposure: exp(10)}, analysis.NoData, "nothing to compare"},
		{"quiet canary with exposure", analysis.LogData{Exposure: true, CanaryExposure: exp(10), StableExposure: exp(30)}, analysis.Pass, "0 lines"},
		{"quiet canary pod", analysis.LogData{CanaryPods: []string{"c"}, StablePods: []string{"a", "b", "d"}}, analysis.Pass, "0 lines"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := judgeWith(sigMetric(), c.data, sigSettings, analysis.SignatureOptions{})
			if res.Classification != c.want || !strings.Contains(res.Reason, c.reason) {
				t.Errorf("got %s (%s), want %s with %q", res.Classification, res.Reason, c.want, c.reason)
			}
		})
	}
}

// TestJudgeSignaturesNotEnoughData: a canary with 95% of the requests
// cannot show a new signature as significant below
// ceil(log(0.002)/log(0.95)) = 122 lines.
func TestJudgeSignaturesNotEnoughData(t *testing.T) {
	t.Parallel()
	d := analysis.LogData{
		Exposure:       true,
		Canary:         []analysis.LogLine{{Pod: "c", T: 1000, Line: "boom"}},
		CanaryExposure: []analysis.Series{{Pod: "c", Points: []analysis.Point{{T: 60000, V: 950}}}},
		StableExposure: []analysis.Series{{Pod: "s", Points: []analysis.Point{{T: 60000, V: 50}}}},
	}
	res := judgeWith(sigMetric(), d, sigSettings, analysis.SignatureOptions{})
	if res.Classification != analysis.NotEnoughData || !strings.Contains(res.Reason, "122 canary lines") {
		t.Errorf("got %s (%s), want NotEnoughData needing 122 lines", res.Classification, res.Reason)
	}
	res = judgeWith(sigMetric(), d, sigSettings, analysis.SignatureOptions{DetectableCount: -1})
	if res.Classification != analysis.Pass {
		t.Errorf("with the check off: %s (%s), want Pass", res.Classification, res.Reason)
	}
}

// minuteLogs are 30 minutes of a canary that serves 10 requests a minute
// and logs a common error once a minute, and a new one after minute
// newAfter, beside stable pods that serve 30 and log the common error 3
// times; only the minutes keep holds.
func minuteLogs(newAfter int64, keep func(minute int64) bool) analysis.LogData {
	d := analysis.LogData{Exposure: true}
	for m := int64(1); m <= 30; m++ {
		if !keep(m) {
			continue
		}
		t0 := m * 60000
		d.CanaryExposure = append(d.CanaryExposure, analysis.Series{Pod: "c", Points: []analysis.Point{{T: t0, V: 10}}})
		d.StableExposure = append(d.StableExposure, analysis.Series{Pod: "s", Points: []analysis.Point{{T: t0, V: 30}}})
		for i := range 3 {
			d.Stable = append(d.Stable, analysis.LogLine{Pod: "s", T: t0 - 30000 + int64(i), Line: "common error"})
		}
		d.Canary = append(d.Canary, analysis.LogLine{Pod: "c", T: t0 - 30000, Line: "common error"})
		if m > newAfter {
			d.Canary = append(d.Canary, analysis.LogLine{Pod: "c", T: t0 - 20000, Line: "brand new failure"})
		}
	}
	return d
}

func allMinutes(int64) bool { return true }

// TestJudgeSignaturesTruncated: when the stable side was cut at its limit,
// the canary's later lines are not counted against it.
func TestJudgeSignaturesTruncated(t *testing.T) {
	t.Parallel()
	// The canary's new error starts after the stable lines end.
	d := minuteLogs(10, allMinutes)
	res := judgeWith(sigMetric(), d, sigSettings, analysis.SignatureOptions{})
	if res.Classification != analysis.High {
		t.Fatalf("untruncated: %s (%s), want High", res.Classification, res.Reason)
	}
	d.Stable = d.Stable[:30] // the first 10 minutes
	d.StableTruncated = true
	res = judgeWith(sigMetric(), d, sigSettings, analysis.SignatureOptions{})
	if res.Classification != analysis.Pass {
		t.Errorf("truncated: %s (%s), want Pass: nothing new before the cut", res.Classification, res.Reason)
	}
	if float64(res.Canary.Trials) != 90 || float64(res.Stable.Trials) != 270 || res.Canary.Count != 9 {
		t.Errorf("compared %v/%v requests and %d canary lines; want the 9 minutes before the cut: 90/270 and 9",
			res.Canary.Trials, res.Stable.Trials, res.Canary.Count)
	}
	if !strings.Contains(res.Reason, "compared up to 1970-01-01T00:09:00Z") {
		t.Errorf("reason %q does not say where it cut", res.Reason)
	}
}

// TestJudgeSignaturesGaps: a window read in parts leaves out, on both
// sides, the lines of its gaps and, with exposure, the steps they overlap;
// the judgement is the one of the data without them.
func TestJudgeSignaturesGaps(t *testing.T) {
	t.Parallel()
	settings := sigSettings
	settings.Start, settings.End = time.UnixMilli(0), time.UnixMilli(30*60000)
	// Gaps in minutes 5-8 (from a line inside minute 5's step to the end of
	// minute 8's) and 21-25: the steps ending at 5..8 and 21..25 are out.
	gapped := minuteLogs(20, allMinutes)
	gapped.Gaps = []analysis.Span{{From: 4*60000 + 45000, To: 8 * 60000}, {From: 20*60000 + 1, To: 25*60000 + 1}}
	by := minuteLogs(20, func(m int64) bool { return !(m >= 5 && m <= 8) && !(m >= 21 && m <= 25) })
	got := judgeWith(sigMetric(), gapped, settings, analysis.SignatureOptions{})
	want := judgeWith(sigMetric(), by, settings, analysis.SignatureOptions{})
	if got.Classification != want.Classification || got.Canary.Count != want.Canary.Count || got.Stable.Count != want.Stable.Count ||
		got.Canary.Trials != want.Canary.Trials || got.Stable.Trials != want.Stable.Trials || got.PValue != want.PValue {
		t.Errorf("with gaps: %s, %d/%v and %d/%v lines/requests, p %v; the data without them: %s, %d/%v and %d/%v, p %v",
			got.Classification, got.Canary.Count, got.Canary.Trials, got.Stable.Count, got.Stable.Trials, got.PValue,
			want.Classification, want.Canary.Count, want.Canary.Trials, want.Stable.Count, want.Stable.Trials, want.PValue)
	}
	if got.Canary.Count != 26 || got.Classification != analysis.High {
		t.Errorf("compared %d canary lines (%s), want 21 common and 5 new, High", got.Canary.Count, got.Classification)
	}
	if !strings.Contains(got.Reason, "where every line was read (21m0s of 30m0s)") {
		t.Errorf("reason %q does not say what was compared", got.Reason)
	}
}

// TestJudgeSignaturesLimits: 15 new signatures of 8 lines each, per pod
// against three quiet stable pods (p0 = 1/4): Tarone counts all 15
// (0.25⁸ ≤ 0.002/15) and each p-value 0.25⁸ passes 0.002/15.
func TestJudgeSignaturesLimits(t *testing.T) {
	t.Parallel()
	var d analysis.LogData
	d.StablePods = []string{"s1", "s2", "s3"}
	for i := range 15 {
		for j := range 8 {
			d.Canary = append(d.Canary, analysis.LogLine{Pod: "c", T: int64(i*100 + j), Line: fmt.Sprintf("E%04d: failure number %d\x1b[0m %s", 1000+i, j, strings.Repeat("x", 400))})
		}
	}
	res := judgeWith(sigMetric(), d, sigSettings, analysis.SignatureOptions{MaxFindings: 4, ExampleLength: 50})
	if res.Classification != analysis.High {
		t.Fatalf("classification %s (%s)", res.Classification, res.Reason)
	}
	if len(res.Signatures) != 4 {
		t.Errorf("%d findings, want MaxFindings 4", len(res.Signatures))
	}
	for _, f := range res.Signatures {
		if n := len([]rune(f.Example)); n != 50 || strings.ContainsRune(f.Example, '\x1b') {
			t.Errorf("example %q: %d characters, want 50 without control characters", f.Example, n)
		}
	}
	if !strings.Contains(res.Reason, "and 14 more significant signatures") {
		t.Errorf("reason %q", res.Reason)
	}
	res = judgeWith(sigMetric(), d, sigSettings, analysis.SignatureOptions{MinCount: 9})
	if res.Classification != analysis.Pass {
		t.Errorf("MinCount 9 with 8 lines each: %s (%s), want Pass", res.Classification, res.Reason)
	}
}

// TestJudgeSignaturesTolerance: twice the stable pods' rate is within a
// tolerance of 1.5 (r = 2.5), far beyond one of 0.
func TestJudgeSignaturesTolerance(t *testing.T) {
	t.Parallel()
	var d analysis.LogData
	d.CanaryPods, d.StablePods = []string{"c"}, []string{"a", "b"}
	for i := range 200 {
		d.Canary = append(d.Canary, analysis.LogLine{Pod: "c", T: int64(i), Line: "timeout talking to backend"})
		if i < 100 {
			d.Stable = append(d.Stable, analysis.LogLine{Pod: "a", T: int64(i), Line: "timeout talking to backend"})
			d.Stable = append(d.Stable, analysis.LogLine{Pod: "b", T: int64(i), Line: "timeout talking to backend"})
		}
	}
	m := sigMetric()
	if res := judgeWith(m, d, sigSettings, analysis.SignatureOptions{}); res.Classification != analysis.High {
		t.Errorf("tolerance 0: %s (%s), want High", res.Classification, res.Reason)
	}
	m.Tolerance = 1.5
	if res := judgeWith(m, d, sigSettings, analysis.SignatureOptions{}); res.Classification != analysis.Pass {
		t.Errorf("tolerance 1.5: %s (%s), want Pass", res.Classification, res.Reason)
	}
}

// simulateSignatures draws one canary and three stable pods' error logs from
// the same signature mix (healthy), or with one extra signature in the
// canary at newRate lines per pod.
func simulateSignatures(src rand.Source, newRate float64) analysis.LogData {
	rates := []float64{8, 4, 2, 1, 1, 0.5, 0.5, 0.3, 0.2, 0.1, 0.1, 0.05}
	var d analysis.LogData
	d.CanaryPods = []string{"c"}
	d.StablePods = []string{"s1", "s2", "s3"}
	emit := func(pod string, code int, lambda float64, out *[]analysis.LogLine) {
		n := int(distuv.Poisson{Lambda: lambda, Src: src}.Rand())
		for i := range n {
			*out = append(*out, analysis.LogLine{Pod: pod, T: int64(i), Line: fmt.Sprintf("[core:error] [pid %d] [client 10.0.%d.%d:%d] AH%05d: something failed for /srv/item/%d", i, i%7, i%200, 30000+i, code, i)})
		}
	}
	for code, r := range rates {
		emit("c", 100+code, r, &d.Canary)
		for _, p := range d.StablePods {
			emit(p, 100+code, r, &d.Stable)
		}
	}
	if newRate > 0 {
		emit("c", 999, newRate, &d.Canary)
	}
	return d
}

// TestJudgeSignaturesCalibrated runs healthy canaries whose logs come from
// the stable pods' own mix: the metric may fail at most a fraction α of
// them. Its power on a new signature at 8 lines per pod is checked too.
func TestJudgeSignaturesCalibrated(t *testing.T) {
	t.Parallel()
	src := rand.New(rand.NewPCG(7, 11))
	const runs = 600
	settings := analysis.Settings{Alpha: 0.05, Looks: 1}
	falseAlarms, caught := 0, 0
	for range runs {
		if judgeWith(sigMetric(), simulateSignatures(src, 0), settings, analysis.SignatureOptions{}).Classification == analysis.High {
			falseAlarms++
		}
		if judgeWith(sigMetric(), simulateSignatures(src, 8), settings, analysis.SignatureOptions{}).Classification == analysis.High {
			caught++
		}
	}
	t.Logf("false alarms %d of %d healthy runs; caught %d of %d new signatures", falseAlarms, runs, caught, runs)
	limit := 0.05 + 3*math.Sqrt(0.05*0.95/runs)
	if rate := float64(falseAlarms) / runs; rate > limit {
		t.Errorf("false alarms in %.3f of healthy runs, more than %.3f", rate, limit)
	}
	if rate := float64(caught) / runs; rate < 0.9 {
		t.Errorf("a new signature at 8 lines was caught in only %.3f of runs", rate)
	}
}

func BenchmarkJudgeSignatures(b *testing.B) {
	src := rand.New(rand.NewPCG(1, 2))
	var d analysis.LogData
	for len(d.Canary) < 5000 {
		x := simulateSignatures(src, 3)
		d.Canary = append(d.Canary, x.Canary...)
		d.Stable = append(d.Stable, x.Stable...)
	}
	d.CanaryPods, d.StablePods = []string{"c"}, []string{"s1", "s2", "s3"}
	b.ResetTimer()
	for range b.N {
		judgeWith(sigMetric(), d, sigSettings, analysis.SignatureOptions{})
	}
}

// judgeWith judges m with the signature knobs o.
func judgeWith(m analysis.Metric, d analysis.LogData, s analysis.Settings, o analysis.SignatureOptions) analysis.MetricResult {
	m.Signatures = o
	return Judge(m, d, s)
}
