package analysis

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// LogLine is one log line of one pod. T is in Unix milliseconds.
type LogLine struct {
	Pod  string
	T    int64
	Line string
}

// SignatureData is what JudgeSignatures compares: the log lines of the
// canary's pods and of the stable pods over one window, and what to
// normalise their counts by.
type SignatureData struct {
	Canary, Stable []LogLine
	// CanaryTruncated and StableTruncated say that more lines matched on
	// that side than were fetched; the lines held are the side's oldest.
	CanaryTruncated, StableTruncated bool
	// Exposure says that CanaryExposure and StableExposure hold, per pod
	// and step, what counts are normalised by (requests served, from an
	// exposure query); a point at T covers (T − Settings.Step, T]. Without
	// exposure, counts are normalised per pod.
	Exposure                       bool
	CanaryExposure, StableExposure []Series
	// CanaryPods and StablePods name pods known to run in the window (from
	// other metrics); with the pods that logged lines, they are what counts
	// are normalised by when there is no exposure.
	CanaryPods, StablePods []string
}

// SignatureConfig holds the knobs of JudgeSignatures; the zero value
// selects the documented defaults.
type SignatureConfig struct {
	// Alpha is the family-wise false-alarm rate of the metric's signature
	// tests. Zero means Settings.Alpha divided by Settings.Looks
	// (DefaultJudgeAlpha and DefaultJudgeLooks when those are zero).
	Alpha float64
	// MinCount is the fewest canary lines a signature needs to fail the
	// canary. Zero means DefaultSignatureMinCount.
	MinCount int
	// MaxFindings caps the findings listed in the result. Zero means
	// DefaultSignatureMaxFindings.
	MaxFindings int
	// ExampleLength caps an example line, in characters. Zero means
	// DefaultSignatureExampleLength.
	ExampleLength int
	// DetectableCount is the number of canary lines of a brand-new
	// signature the data must be able to flag: when a new signature would
	// need more lines than this to be significant, the metric is
	// NotEnoughData instead of Pass. Zero means
	// DefaultSignatureDetectableCount; a negative value turns the check off.
	DetectableCount int
	// Similarity and MaxSignatures configure the SignatureMiner.
	Similarity    float64
	MaxSignatures int
}

// Defaults of SignatureConfig.
const (
	DefaultSignatureMinCount        = 3
	DefaultSignatureMaxFindings     = 10
	DefaultSignatureExampleLength   = 300
	DefaultSignatureDetectableCount = 20
)

// SignatureFinding is one signature the canary logs that the stable pods
// never log (New) or log less often.
type SignatureFinding struct {
	// Signature is the signature's template (SignatureMiner).
	Signature string `json:"signature"`
	// Canary and Stable count the signature's lines on each side.
	Canary int `json:"canary"`
	Stable int `json:"stable"`
	// CanaryRate and StableRate are the counts per unit of exposure (per
	// request with an exposure query, per pod without).
	CanaryRate Float `json:"canaryRate"`
	StableRate Float `json:"stableRate"`
	// RateRatio is CanaryRate/StableRate (null when the stable pods never
	// logged it).
	RateRatio Float `json:"rateRatio"`
	// PValue is the one-sided exact p-value (PoissonRateTest) of the
	// canary's rate being at most (1 + Tolerance) times the stable pods'.
	PValue Float `json:"pValue"`
	// New is set when the stable pods never logged the signature.
	New bool `json:"new"`
	// Significant is set when the finding counts against the canary: its
	// p-value passed the metric's multiple-test level and the canary logged
	// it at least MinCount times.
	Significant bool `json:"significant"`
	// Example is the canary's first line of the signature, cleaned
	// (CleanExample) and cut to ExampleLength.
	Example string `json:"example"`
	// Pods lists the canary pods that logged it.
	Pods []string `json:"pods,omitempty"`
}

// signatureCount is one signature's tally.
type signatureCount struct {
	id             int
	canary, stable int
	example        string
	pods           map[string]bool
	test           RateRatioTest
	minP           float64 // the smallest p-value its total could give
}

// JudgeSignatures compares the signatures of the canary's log lines with the
// stable pods'. It is the judge of KindSignatures metrics.
//
// The stable lines, then the canary's, each side in time order, go through
// one SignatureMiner, so both sides share templates. Each signature's canary
// count x_c and stable count x_s are compared, relative to the sides'
// exposures E_c and E_s, by the exact conditional test of two Poisson rates
// (PoissonRateTest, alternative Greater) of
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
// be significant. Findings list the new
// signatures (never logged by the stable pods) and the significant ones,
// most significant first, at most MaxFindings of them.
func JudgeSignatures(m Metric, d SignatureData, s Settings, c SignatureConfig) MetricResult {
	c = c.withDefaults(s)
	res := MetricResult{
		Name:     m.Name,
		Test:     "exact conditional test of two Poisson rates per log signature (Tarone-Bonferroni)",
		PValue:   Float(math.NaN()),
		Estimate: Float(math.NaN()),
		Effect:   Effect{MeanRatio: Float(math.NaN()), CLES: Float(math.NaN())},
		Critical: m.Critical,
		Weight:   m.Weight,
		Group:    m.Group,
	}
	canary, stable, cut := cutTruncated(d, s.Step)
	unit := "pod"
	var ec, es float64
	if d.Exposure {
		unit = "request"
		ec, es = exposureSum(d.CanaryExposure, cut), exposureSum(d.StableExposure, cut)
	} else {
		ec, es = float64(len(podSet(d.CanaryPods, canary))), float64(len(podSet(d.StablePods, stable)))
	}
	res.Canary = SideStats{Pods: len(podSet(d.CanaryPods, canary)), Count: len(canary), Events: Float(len(canary)), Trials: Float(ec)}
	res.Stable = SideStats{Pods: len(podSet(d.StablePods, stable)), Count: len(stable), Events: Float(len(stable)), Trials: Float(es)}
	for _, st := range []*SideStats{&res.Canary, &res.Stable} {
		st.Mean, st.Median, st.Min, st.Max = Float(math.NaN()), Float(math.NaN()), Float(math.NaN()), Float(math.NaN())
		if st.Trials > 0 {
			st.Mean = st.Events / st.Trials
		}
	}
	switch {
	case !(ec > 0) && len(canary) == 0 && d.Exposure:
		// The exposure query counts requests, so an empty answer is a
		// canary that served none yet (a quiet service, a young pod):
		// like a ratio without requests, not enough data, not a missing
		// pod. Whether the pod runs at all is the other metrics' to say.
		res.Classification = NotEnoughData
		res.Reason = "the canary served no requests in the window (the exposure query returned nothing for it) and logged no matching lines: nothing to judge yet"
		return res
	case !(ec > 0) && len(canary) == 0:
		res.Classification = NoData
		res.Reason = "no log lines and no exposure for the canary: it is not running, or the query selects nothing"
		return res
	case !(ec > 0):
		res.Classification = NoData
		res.Reason = fmt.Sprintf("the canary logged %d matching lines but the exposure query returned nothing for it: check the exposure query", len(canary))
		return res
	case !(es > 0):
		res.Classification = NoData
		res.Reason = "no exposure for the stable pods: nothing to compare the canary's log lines with"
		return res
	}
	if es > 0 && ec > 0 {
		res.Effect.MeanRatio = Float((float64(len(canary)) / ec) / (float64(len(stable)) / es))
	}

	counts, miner := mineSignatures(canary, stable, c)
	r := 1 + m.Tolerance
	if !(r >= 1) || math.IsInf(r, 0) {
		r = 1
	}
	p0 := r * ec / (r*ec + es)
	for _, sc := range counts {
		sc.minP = math.Pow(p0, float64(sc.canary+sc.stable))
	}
	k, level := tarone(counts, c.Alpha)
	for _, sc := range counts {
		sc.test = PoissonRateTest(sc.canary, sc.stable, ec, es, r, Greater, 1-level)
	}

	var findings []*signatureCount
	significant := map[*signatureCount]bool{}
	minP, canarySigs := math.Inf(1), 0
	for _, sc := range counts {
		if sc.canary == 0 {
			continue
		}
		canarySigs++
		testable := sc.minP <= level
		if testable {
			minP = math.Min(minP, sc.test.PValue)
		}
		if testable && sc.test.PValue <= level && sc.canary >= c.MinCount {
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
	for i, sc := range findings {
		if i == c.MaxFindings {
			break
		}
		res.Signatures = append(res.Signatures, finding(sc, miner.Template(sc.id), ec, es, significant[sc]))
	}
	if !math.IsInf(minP, 1) {
		res.PValue = Float(math.Min(1, minP*float64(k)))
	}
	if len(findings) > 0 {
		top := findings[0]
		res.Estimate = Float(top.test.Estimate)
		res.Interval = &Interval{Lower: Float(top.test.Lower), Upper: Float(math.Inf(1)), Level: Float(1 - level), Of: "rate ratio"}
	}

	need := max(newSignatureNeed(p0, c.Alpha), c.MinCount)
	switch {
	case len(significant) > 0:
		res.Classification = High
		res.Reason = highReason(res.Signatures, len(significant))
	case c.DetectableCount > 0 && need > c.DetectableCount:
		res.Classification = NotEnoughData
		res.Reason = fmt.Sprintf("the canary has so large a share of the %ss (%.4g of %.4g) that a new log signature would need %d canary lines to be significant, more than %d: too few stable pods or too little stable traffic to compare with",
			unit, ec, ec+es, need, c.DetectableCount)
	default:
		res.Classification = Pass
		res.Reason = fmt.Sprintf("no log signature is significantly more frequent in the canary (%d lines in %d signatures, %d of them new; a new signature would need %d lines)",
			len(canary), canarySigs, len(findings), need)
	}
	if cut != math.MaxInt64 {
		res.Reason += fmt.Sprintf("; more lines matched than the limit, so both sides were compared up to %s", time.UnixMilli(cut).UTC().Format(time.RFC3339))
	}
	return res
}

func (c SignatureConfig) withDefaults(s Settings) SignatureConfig {
	if !(c.Alpha > 0) {
		alpha, looks := s.Alpha, s.Looks
		if !(alpha > 0) {
			alpha = DefaultJudgeAlpha
		}
		if looks <= 0 {
			looks = DefaultJudgeLooks
		}
		c.Alpha = alpha / float64(looks)
	}
	if c.MinCount <= 0 {
		c.MinCount = DefaultSignatureMinCount
	}
	if c.MaxFindings <= 0 {
		c.MaxFindings = DefaultSignatureMaxFindings
	}
	if c.ExampleLength <= 0 {
		c.ExampleLength = DefaultSignatureExampleLength
	}
	if c.DetectableCount == 0 {
		c.DetectableCount = DefaultSignatureDetectableCount
	}
	return c
}

// cutTruncated returns the lines to compare and the time (Unix ms) they are
// cut at, math.MaxInt64 when no side was truncated.
func cutTruncated(d SignatureData, step time.Duration) (canary, stable []LogLine, cut int64) {
	canary, stable = sortedLines(d.Canary), sortedLines(d.Stable)
	cut = math.MaxInt64
	if d.CanaryTruncated && len(canary) > 0 {
		cut = min(cut, canary[len(canary)-1].T)
	}
	if d.StableTruncated && len(stable) > 0 {
		cut = min(cut, stable[len(stable)-1].T)
	}
	if cut == math.MaxInt64 {
		return canary, stable, cut
	}
	if ms := step.Milliseconds(); d.Exposure && ms > 0 {
		cut = floorDiv(cut, ms) * ms
	}
	keep := func(ls []LogLine) []LogLine {
		i := sort.Search(len(ls), func(i int) bool { return ls[i].T > cut })
		return ls[:i]
	}
	return keep(canary), keep(stable), cut
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func sortedLines(ls []LogLine) []LogLine {
	out := append([]LogLine(nil), ls...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].T < out[j].T })
	return out
}

// exposureSum adds up the exposure points at or before cut; NaN and
// negative points count as nothing.
func exposureSum(series []Series, cut int64) float64 {
	sum := 0.0
	for _, s := range series {
		for _, p := range s.Points {
			if p.T <= cut && p.V > 0 && !math.IsInf(p.V, 0) {
				sum += p.V
			}
		}
	}
	return sum
}

func podSet(known []string, lines []LogLine) map[string]bool {
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
func mineSignatures(canary, stable []LogLine, c SignatureConfig) ([]*signatureCount, *SignatureMiner) {
	miner := &SignatureMiner{Similarity: c.Similarity, MaxSignatures: c.MaxSignatures}
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
			sc.example = CleanExample(l.Line, c.ExampleLength)
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

func finding(sc *signatureCount, template string, ec, es float64, significant bool) SignatureFinding {
	f := SignatureFinding{
		Signature:   template,
		Canary:      sc.canary,
		Stable:      sc.stable,
		CanaryRate:  Float(float64(sc.canary) / ec),
		StableRate:  Float(float64(sc.stable) / es),
		RateRatio:   Float(sc.test.Estimate),
		PValue:      Float(sc.test.PValue),
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
func highReason(fs []SignatureFinding, significant int) string {
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
