package signatures

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/analysis/stats"
)

// Defaults of the signature test, for the zero values of
// analysis.SignatureOptions.
const (
	DefaultMinCount        = 3
	DefaultMaxFindings     = 10
	DefaultExampleLength   = 300
	DefaultDetectableCount = 20
)

// options are a metric's knobs with the defaults applied, and the
// family-wise false-alarm rate of its signature tests.
type options struct {
	analysis.SignatureOptions
	alpha float64
}

// optionsFor applies the defaults. The metric's tests share the look's part
// of the run's false-alarm rate: Settings.Alpha over Settings.Looks
// (analysis.DefaultAlpha and DefaultLooks when those are zero).
func optionsFor(m analysis.Metric, s analysis.Settings) options {
	o := options{SignatureOptions: m.Signatures}
	alpha, looks := s.Alpha, s.Looks
	if !(alpha > 0) {
		alpha = analysis.DefaultAlpha
	}
	if looks <= 0 {
		looks = analysis.DefaultLooks
	}
	o.alpha = alpha / float64(looks)
	if o.MinCount <= 0 {
		o.MinCount = DefaultMinCount
	}
	if o.MaxFindings <= 0 {
		o.MaxFindings = DefaultMaxFindings
	}
	if o.ExampleLength <= 0 {
		o.ExampleLength = DefaultExampleLength
	}
	if o.DetectableCount == 0 {
		o.DetectableCount = DefaultDetectableCount
	}
	return o
}

// signatureCount is one signature's tally.
type signatureCount struct {
	id             int
	canary, stable int
	example        string
	pods           map[string]bool
	test           stats.RateRatioTest
	minP           float64 // the smallest p-value its total could give
}

// Judge compares the signatures of the canary's log lines with the stable
// pods'. It is the judge of analysis.KindSignatures metrics, with the knobs
// of m.Signatures.
//
// The stable lines, then the canary's, each side in time order, go through
// one Miner, so both sides share templates. Each signature's canary count
// x_c and stable count x_s are compared, relative to the sides' exposures
// E_c and E_s, by the exact conditional test of two Poisson rates
// (stats.PoissonRateTest, alternative Greater) of
//
//	H0: λ_c ≤ (1 + Tolerance)·λ_s,
//
// whose p-value is P(X ≥ x_c) for X ~ Binomial(x_c + x_s, p0),
// p0 = r·E_c/(r·E_c + E_s), r = 1 + Tolerance. The exposure of a side is
// the sum of its exposure series, or, without exposure, its number of pods.
//
// Multiple signatures are tested with Tarone's procedure for discrete tests
// (Tarone, "A modified Bonferroni method for discrete data", Biometrics
// 1990): a signature of n lines can reach no p-value below p0^n, so only the
// K signatures that could reach α/K are counted, for the smallest such K,
// and each is tested at α/K. This keeps the family-wise false-alarm rate at
// most α while rare signatures, which could never be significant, cost
// nothing. A signature is significant when its p-value is at most α/K and
// the canary logged it at least MinCount times; any significant signature
// makes the metric High.
//
// When a side held more lines than it was given (truncated), both sides are
// compared only up to the last line of the truncated side (with exposure,
// rounded down to the step), so the shorter span does not bias the rates.
//
// The metric is NoData when the canary has neither lines nor pods (no
// exposure query), when it logged lines but has no exposure (a wrong
// exposure query), or when the stable pods have no exposure (nothing to
// compare with). It is NotEnoughData when the canary served no requests and
// logged nothing (the exposure query returned nothing for it), and when a
// brand-new signature would need more than DetectableCount canary lines to
// be significant. Findings list the new signatures (never logged by the
// stable pods) and the significant ones, most significant first, at most
// MaxFindings of them. Lines a query returned for pods outside its side
// (LogData.Dropped) are named in the reason.
func Judge(m analysis.Metric, d analysis.LogData, s analysis.Settings) analysis.MetricResult {
	res := judge(m, d, s, optionsFor(m, s))
	if d.Dropped > 0 {
		res.Reason += fmt.Sprintf("; %d lines of pods outside their side were left out (does the query select pods only with {{.Pods}}?)", d.Dropped)
	}
	return res
}

// sides are the lines compared and what they are normalised by.
type sides struct {
	canary, stable []analysis.LogLine
	// gaps are where lines were left out, merged and (with exposure)
	// widened to whole steps; nil when every line was read.
	gaps []analysis.Span
	// ec and es are the exposures, per unit.
	ec, es float64
	unit   string
}

func judge(m analysis.Metric, d analysis.LogData, s analysis.Settings, o options) analysis.MetricResult {
	res := analysis.NewResult(m, "exact conditional test of two Poisson rates per log signature (Tarone-Bonferroni)")
	sd := compared(d, s.Step)
	res.Canary, res.Stable = sd.sideStats(d)
	if class, reason := sd.missing(d.Exposure); class != "" {
		res.Classification, res.Reason = class, reason
		return res
	}
	res.Effect.MeanRatio = (float64(len(sd.canary)) / sd.ec) / (float64(len(sd.stable)) / sd.es)

	counts, miner := mineSignatures(sd.canary, sd.stable, o)
	t := testSignatures(counts, sd, m.Tolerance, o.alpha)
	findings, significant, minP, canarySigs := t.findings(counts, o.MinCount)
	for i, sc := range findings {
		if i == o.MaxFindings {
			break
		}
		res.Signatures = append(res.Signatures, finding(sc, miner.Template(sc.id), sd.ec, sd.es, significant[sc]))
	}
	if !math.IsInf(minP, 1) {
		res.PValue = math.Min(1, minP*float64(t.k))
	}
	if len(findings) > 0 {
		top := findings[0]
		res.Estimate = top.test.Estimate
		res.Interval = &analysis.Interval{Lower: top.test.Lower, Upper: math.Inf(1), Level: 1 - t.level, Of: "rate ratio"}
	}
	res.Classification, res.Reason = classify(res.Signatures, len(significant), t, sd, o, canarySigs, len(findings))
	res.Reason += sd.gapsReason(s)
	return res
}

// gapsReason says where lines were left out, "" when none were.
func (sd sides) gapsReason(s analysis.Settings) string {
	switch {
	case len(sd.gaps) == 0:
		return ""
	case len(sd.gaps) == 1 && sd.gaps[0].To == math.MaxInt64:
		return fmt.Sprintf("; more lines matched than the limit, so both sides were compared up to %s", time.UnixMilli(sd.gaps[0].From-1).UTC().Format(time.RFC3339))
	}
	// The window's steps cover (Start, End]: in whole milliseconds,
	// [Start + 1, End + 1).
	start, end := s.Start.UnixMilli()+1, s.End.UnixMilli()+1
	left := int64(0)
	for _, g := range sd.gaps {
		left += max(0, min(g.To, end)-max(g.From, start))
	}
	return fmt.Sprintf("; more lines matched than the limit, so the window was read in parts, each up to its share of the limit, and both sides were compared where every line was read (%s of %s)",
		time.Duration(end-start-left)*time.Millisecond, time.Duration(end-start)*time.Millisecond)
}

// compared returns the lines to compare, without those of the gaps (and
// after a truncated side's last line), and the sides' exposures: requests
// with an exposure query, else pods.
func compared(d analysis.LogData, step time.Duration) sides {
	var sd sides
	sd.canary, sd.stable, sd.gaps = cutGaps(d, step)
	sd.unit = "pod"
	if d.Exposure {
		sd.unit = "request"
		sd.ec, sd.es = exposureSum(d.CanaryExposure, sd.gaps), exposureSum(d.StableExposure, sd.gaps)
	} else {
		sd.ec, sd.es = float64(len(podSet(d.CanaryPods, sd.canary))), float64(len(podSet(d.StablePods, sd.stable)))
	}
	return sd
}

// sideStats describes each side: its pods, lines (events) and exposure
// (trials), and lines per unit of exposure as the mean.
func (sd sides) sideStats(d analysis.LogData) (canary, stable analysis.SideStats) {
	side := func(known []string, lines []analysis.LogLine, exposure float64) analysis.SideStats {
		st := analysis.SideStats{Pods: len(podSet(known, lines)), Count: len(lines), Events: float64(len(lines)), Trials: exposure,
			Mean: math.NaN(), Median: math.NaN(), Min: math.NaN(), Max: math.NaN()}
		if exposure > 0 {
			st.Mean = st.Events / exposure
		}
		return st
	}
	return side(d.CanaryPods, sd.canary, sd.ec), side(d.StablePods, sd.stable, sd.es)
}

// missing classifies a comparison that cannot be made, "" when it can.
func (sd sides) missing(exposure bool) (analysis.Classification, string) {
	switch {
	case !(sd.ec > 0) && len(sd.canary) == 0 && exposure:
		// The exposure query counts requests, so an empty answer is a
		// canary that served none yet (a quiet service, a young pod):
		// like a ratio without requests, not enough data, not a missing
		// pod. Whether the pod runs at all is the other metrics' to say.
		return analysis.NotEnoughData, "the canary served no requests in the window (the exposure query returned nothing for it) and logged no matching lines: nothing to judge yet"
	case !(sd.ec > 0) && len(sd.canary) == 0:
		return analysis.NoData, "no log lines and no exposure for the canary: it is not running, or the query selects nothing"
	case !(sd.ec > 0):
		return analysis.NoData, fmt.Sprintf("the canary logged %d matching lines but the exposure query returned nothing for it: check the exposure query", len(sd.canary))
	case !(sd.es > 0):
		return analysis.NoData, "no exposure for the stable pods: nothing to compare the canary's log lines with"
	}
	return "", ""
}

// signatureTests are the signatures' tests under Tarone's procedure.
type signatureTests struct {
	// p0 is a canary line's probability under the null hypothesis; k the
	// number of signatures counted and level the level α/k each is tested
	// at.
	p0    float64
	k     int
	level float64
}

// testSignatures tests every signature's counts (H0: the canary's rate is
// at most 1 + tolerance times the stable pods') at Tarone's level.
func testSignatures(counts []*signatureCount, sd sides, tolerance, alpha float64) signatureTests {
	r := 1 + tolerance
	if !(r >= 1) || math.IsInf(r, 0) {
		r = 1
	}
	t := signatureTests{p0: r * sd.ec / (r*sd.ec + sd.es)}
	for _, sc := range counts {
		sc.minP = math.Pow(t.p0, float64(sc.canary+sc.stable))
	}
	t.k, t.level = tarone(counts, alpha)
	for _, sc := range counts {
		sc.test = stats.PoissonRateTest(sc.canary, sc.stable, sd.ec, sd.es, r, stats.Greater, 1-t.level)
	}
	return t
}

// findings returns the signatures the canary logged that are significant
// or new, most significant first, with the significant ones marked; the
// smallest p-value of a testable signature (+Inf if none) and how many
// signatures the canary logged.
func (t signatureTests) findings(counts []*signatureCount, minCount int) (findings []*signatureCount, significant map[*signatureCount]bool, minP float64, canarySigs int) {
	significant = map[*signatureCount]bool{}
	minP = math.Inf(1)
	for _, sc := range counts {
		if sc.canary == 0 {
			continue
		}
		canarySigs++
		testable := sc.minP <= t.level
		if testable {
			minP = math.Min(minP, sc.test.PValue)
		}
		if testable && sc.test.PValue <= t.level && sc.canary >= minCount {
			significant[sc] = true
		}
		if significant[sc] || sc.stable == 0 {
			findings = append(findings, sc)
		}
	}
	sort.SliceStable(findings, func(i, j int) bool {
		a, b := findings[i], findings[j]
		if significant[a] != significant[b] {
			return significant[a]
		}
		if a.test.PValue != b.test.PValue {
			return a.test.PValue < b.test.PValue
		}
		return a.canary > b.canary
	})
	return findings, significant, minP, canarySigs
}

// classify is High on a significant signature, NotEnoughData when a new
// signature could not be significant with DetectableCount lines, else Pass.
func classify(fs []analysis.SignatureFinding, significant int, t signatureTests, sd sides, o options, canarySigs, findings int) (analysis.Classification, string) {
	need := max(newSignatureNeed(t.p0, o.alpha), o.MinCount)
	switch {
	case significant > 0:
		return analysis.High, highReason(fs, significant)
	case o.DetectableCount > 0 && need > o.DetectableCount:
		return analysis.NotEnoughData, fmt.Sprintf("the canary has so large a share of the %ss (%.4g of %.4g) that a new log signature would need %d canary lines to be significant, more than %d: too few stable pods or too little stable traffic to compare with",
			sd.unit, sd.ec, sd.ec+sd.es, need, o.DetectableCount)
	}
	return analysis.Pass, fmt.Sprintf("no log signature is significantly more frequent in the canary (%d lines in %d signatures, %d of them new; a new signature would need %d lines)",
		len(sd.canary), canarySigs, findings, need)
}

// cutGaps returns the lines to compare and the gaps they leave out: the
// data's gaps, and after a truncated side's last line. With exposure, each
// gap is widened to the whole steps it overlaps (an exposure point at T
// covers (T − step, T]), so that lines and exposure cover the same times.
func cutGaps(d analysis.LogData, step time.Duration) (canary, stable []analysis.LogLine, gaps []analysis.Span) {
	canary, stable = sortedLines(d.Canary), sortedLines(d.Stable)
	gaps = append(gaps, d.Gaps...)
	if d.CanaryTruncated && len(canary) > 0 {
		gaps = append(gaps, analysis.Span{From: canary[len(canary)-1].T + 1, To: math.MaxInt64})
	}
	if d.StableTruncated && len(stable) > 0 {
		gaps = append(gaps, analysis.Span{From: stable[len(stable)-1].T + 1, To: math.MaxInt64})
	}
	if len(gaps) == 0 {
		return canary, stable, nil
	}
	if ms := step.Milliseconds(); d.Exposure && ms > 0 {
		for i, g := range gaps {
			// Steps k with (k·ms − ms, k·ms] overlapping [From, To).
			first := -floorDiv(-g.From, ms)
			gaps[i].From = (first-1)*ms + 1
			if g.To != math.MaxInt64 {
				gaps[i].To = -floorDiv(-(g.To-1), ms)*ms + 1
			}
		}
	}
	gaps = mergeSpans(gaps)
	keep := func(ls []analysis.LogLine) []analysis.LogLine {
		var out []analysis.LogLine
		for _, l := range ls {
			if !inSpans(gaps, l.T) {
				out = append(out, l)
			}
		}
		return out
	}
	return keep(canary), keep(stable), gaps
}

// mergeSpans sorts spans and merges those that overlap or touch.
func mergeSpans(spans []analysis.Span) []analysis.Span {
	sort.Slice(spans, func(i, j int) bool { return spans[i].From < spans[j].From })
	var out []analysis.Span
	for _, s := range spans {
		if n := len(out); n > 0 && s.From <= out[n-1].To {
			out[n-1].To = max(out[n-1].To, s.To)
			continue
		}
		out = append(out, s)
	}
	return out
}

// inSpans reports whether t lies in one of the sorted, merged spans.
func inSpans(spans []analysis.Span, t int64) bool {
	i := sort.Search(len(spans), func(i int) bool { return spans[i].To > t })
	return i < len(spans) && spans[i].From <= t
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func sortedLines(ls []analysis.LogLine) []analysis.LogLine {
	out := append([]analysis.LogLine(nil), ls...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].T < out[j].T })
	return out
}

// exposureSum adds up the exposure points outside the gaps; NaN and
// negative points count as nothing.
func exposureSum(series []analysis.Series, gaps []analysis.Span) float64 {
	sum := 0.0
	for _, s := range series {
		for _, p := range s.Points {
			if !inSpans(gaps, p.T) && p.V > 0 && !math.IsInf(p.V, 0) {
				sum += p.V
			}
		}
	}
	return sum
}

func podSet(known []string, lines []analysis.LogLine) map[string]bool {
	pods := map[string]bool{}
	for _, p := range known {
		pods[p] = true
	}
	for _, l := range lines {
		if l.Pod != "" {
			pods[l.Pod] = true
		}
	}
	return pods
}

// mineSignatures runs the stable lines and then the canary's through one
// miner and counts each signature per side, in the order the signatures
// first appeared.
func mineSignatures(canary, stable []analysis.LogLine, o options) ([]*signatureCount, *Miner) {
	miner := &Miner{Similarity: o.Similarity}
	byID := map[int]*signatureCount{}
	var order []*signatureCount
	get := func(id int) *signatureCount {
		sc := byID[id]
		if sc == nil {
			sc = &signatureCount{id: id, pods: map[string]bool{}}
			byID[id] = sc
			order = append(order, sc)
		}
		return sc
	}
	for _, l := range stable {
		get(miner.Add(l.Line)).stable++
	}
	for _, l := range canary {
		sc := get(miner.Add(l.Line))
		sc.canary++
		if sc.example == "" {
			sc.example = CleanExample(l.Line, o.ExampleLength)
		}
		if l.Pod != "" {
			sc.pods[l.Pod] = true
		}
	}
	return order, miner
}

// tarone returns the number K of signatures Tarone's procedure counts and
// the level α/K each is tested at: the smallest K such that at most K
// signatures can reach a p-value of α/K at all.
func tarone(counts []*signatureCount, alpha float64) (k int, level float64) {
	for k = 1; ; k++ {
		level = alpha / float64(k)
		m := 0
		for _, sc := range counts {
			if sc.minP <= level {
				m++
			}
		}
		if m <= k {
			return k, level
		}
	}
}

// newSignatureNeed is the number of canary lines a signature the stable
// pods never logged needs for p0^n <= alpha: the smallest count that can be
// significant.
func newSignatureNeed(p0, alpha float64) int {
	if !(p0 < 1) {
		return math.MaxInt32
	}
	if p0 <= 0 {
		return 1
	}
	n := math.Ceil(math.Log(alpha)/math.Log(p0) - 1e-9)
	if n > math.MaxInt32 {
		return math.MaxInt32
	}
	return max(int(n), 1)
}

func finding(sc *signatureCount, template string, ec, es float64, significant bool) analysis.SignatureFinding {
	f := analysis.SignatureFinding{
		Signature:   template,
		Canary:      sc.canary,
		Stable:      sc.stable,
		CanaryRate:  float64(sc.canary) / ec,
		StableRate:  float64(sc.stable) / es,
		RateRatio:   sc.test.Estimate,
		PValue:      sc.test.PValue,
		New:         sc.stable == 0,
		Significant: significant,
		Example:     sc.example,
	}
	for p := range sc.pods {
		f.Pods = append(f.Pods, p)
	}
	sort.Strings(f.Pods)
	return f
}

// highReason names the most significant finding and counts the others.
func highReason(fs []analysis.SignatureFinding, significant int) string {
	top := fs[0]
	sig := top.Signature
	if len([]rune(sig)) > 160 {
		sig = string([]rune(sig)[:159]) + "…"
	}
	var b strings.Builder
	if top.New {
		fmt.Fprintf(&b, "new log signature in the canary, never logged by the stable pods: %q (%d lines)", sig, top.Canary)
	} else {
		fmt.Fprintf(&b, "log signature %.3g times as frequent in the canary as in the stable pods: %q (%d lines against %d)",
			float64(top.RateRatio), sig, top.Canary, top.Stable)
	}
	if significant > 1 {
		fmt.Fprintf(&b, ", and %d more significant signature", significant-1)
		if significant > 2 {
			b.WriteString("s")
		}
	}
	return b.String()
}
