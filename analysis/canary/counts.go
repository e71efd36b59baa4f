package canary

import (
	"fmt"
	"math"
	"strings"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/analysis/stats"
)

// analyseCounts judges a ratio or rate metric: the canary's events against
// the share of all events its exposure would get at the stable pods' rate
// at the same timestamps (countLevelTest), widened by the stable pods'
// over-dispersion and pod-to-pod spread (countSpread), with the metric's
// absolute bounds as further tests and the change the data could reveal
// (countDetectableChange).
func (j *Judge) analyseCounts(m analysis.Metric, d analysis.Data, s analysis.Settings) *metricAnalysis {
	a := newAnalysis(m, "conditional binomial on time-matched counts", "counts")
	ev := a.result.Evidence
	ev.Method = "The canary's events are compared with the share of all events its exposure would get at the " +
		"stable pods' rate at the same timestamps (a conditional binomial test on the counts), widened by the " +
		"stable pods' over-dispersion and pod-to-pod spread."
	trialsWord, _ := countWords(m.Kind)

	f := j.countFrame(m, d, s)
	a.age = f.cut.Age
	ev.Warmup = warmupEvidence(f.cut)
	a.result.WarmupEnd = f.cut.end()
	if f.cut.Start < 0 || countPresent(f.present, rowRange(f.c, f.c+f.k)) == 0 {
		a.preset, a.presetReason = missingData(m,
			noDataClause(len(d.CanaryCounts), len(d.StableCounts), countPoints(d.CanaryCounts), countPoints(d.StableCounts)),
			f.cut.Start < 0 && countPresent(f.present, rowRange(f.c, f.c+f.k)) > 0)
		return a
	}

	t := f.totals()
	a.result.Canary, a.result.Stable = t.sideStats(f)
	if len(f.idx) == 0 || !(t.ec > 0) {
		a.preset = analysis.NotEnoughData
		a.presetReason = fmt.Sprintf("not enough data: the canary has no %s at the stable pods' timestamps after the warm-up (%s)",
			trialsWord, f.cut.text())
		return a
	}

	sp := j.countSpread(m, f, t)
	n, x, theta := conditionalShare(f.steps)
	ref, matched := t, true
	if t.xs == 0 {
		// The stable pods have no event in the whole window, at the
		// canary's steps or before: time-matching has nothing to match, and
		// all their exposure bounds their rate (a class of events they never
		// show). Where they had events at other times, the time-matched
		// test stands.
		if xs, es := f.wholeStable(); xs == 0 && es > t.es {
			ref.es, matched = es, false
			theta = t.ec / (t.ec + es)
		}
	}
	phiTot := sp.phi + n*theta*(1-theta)*sp.luck
	ev.Noise = &analysis.NoiseEvidence{Autocorrelation: math.NaN(), EffectivePoints: x / phiTot, Dispersion: phiTot}
	ev.Spread = sp.evidence(j.PriorPods)
	canaryRate := ratioOf(t.xc, t.ec)
	ev.Pods = append([]analysis.PodEvidence{{Pod: strings.Join(f.g.pods[:f.c], "+"), Canary: true,
		Relative: canaryRate/t.stableRate() - 1, Points: len(f.idx), Events: t.xc, Trials: t.ec}}, sp.pods...)
	rank := rankAmong(canaryRate, sp.podRates)
	ev.Rank = &analysis.RankEvidence{Position: rank.Position, Of: rank.Of, Text: rank.text()}

	rr := mantelHaenszel(f.steps)
	a.result.Estimate = rr - 1
	a.result.Effect = analysis.Effect{MeanRatio: rr, CLES: f.cles()}
	a.summary = t.summary(m.Kind, rr, rank)
	if !zeroBound(m) {
		// With a bound of zero every canary event fails the bound, and the
		// relative test could only repeat it: it is left out, so that the
		// look's budget is shared by one hypothesis fewer.
		compare, when := t.comparison(m.Kind), "at the same times"
		if !matched {
			compare += fmt.Sprintf(" (%s in the whole window)", countSide(m.Kind, ref.xs, ref.es))
			when = "over the whole window"
		}
		a.tests = append(a.tests, countLevelTest(m, a.result.Test, a.result.Effect, compare, when, n, x, theta, phiTot, rr, rank))
	}
	j.countBounds(a, m, t.xc, t.ec, sp.phi)
	a.required = j.detectableFor(m, m.Kind)
	if m.Direction != analysis.Decrease {
		a.detectable = countDetectableChange(m, ref, sp, a.required)
	}
	return a
}

// countLevelTest is the hypothesis that the canary's rate is worse than the
// stable pods': x of the n events against its expected share theta, with
// the events divided by the dispersion phiTot; compare says both sides'
// counts and when where the stable pods' events were counted ("at the same
// times" as the canary's, or "over the whole window").
func countLevelTest(m analysis.Metric, test string, eff analysis.Effect, compare, when string, n, x, theta, phiTot, rr float64, rank podRank) *hypothesis {
	_, rateWord := countWords(m.Kind)
	ratio := ""
	if c := rateRatioClause(rr); c != "" {
		ratio = c + ", "
	}
	upper, lower := 1.0, 1.0
	if n > 0 {
		upper = stats.BinomialUpper(x/phiTot, n/phiTot, theta)
		lower = stats.BinomialLower(x/phiTot, n/phiTot, theta)
	}
	p, side := directional(m.Direction, upper, lower, rr-1)
	gate, crit := effectGate(m, eff, side)
	return &hypothesis{
		p: p, side: side, gate: gate, critical: crit,
		ev: analysis.TestEvidence{
			Name: "level", Test: test, Estimate: rr - 1, Statistic: x,
			Text: fmt.Sprintf("%s: %s canary events where %.3g were expected at the stable pods' %s %s (%sdispersion %.2f); %s",
				compare, fmtCount(x), n*theta, rateWord, when, ratio, phiTot, rank.text()),
		},
		interval: func(al float64) *analysis.Interval {
			lo, hi := stats.ClopperPearson(x/phiTot, n/phiTot, al, al)
			odds := func(q float64) float64 { return q * (1 - theta) / (theta * (1 - q)) }
			return &analysis.Interval{Lower: odds(lo) - 1, Upper: odds(hi) - 1, Level: 1 - 2*al,
				Of: "relative change of the rate (rate ratio − 1)"}
		},
	}
}

// zeroBound reports whether a count metric allows the canary no event at
// all: Max is 0 and only increases are bad.
func zeroBound(m analysis.Metric) bool {
	return m.Max == 0 && (m.Direction == analysis.Increase || m.Direction == "")
}
