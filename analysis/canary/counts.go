package canary

import (
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/gonum/mathext"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/analysis/stats"
)

// countFrame is a count metric on its grid after the warm-up cut: rows
// 0..C-1 are the canary's pods, rows C.. the stable pods.
type countFrame struct {
	g       grid
	events  [][]float64 // NaN = missing or cut
	trials  [][]float64
	c, k    int
	cut     warmupCut
	idx     []int // judged grid points
	steps   []countStep
	present [][]bool
}

// countWords names a count metric's trials and events in reasons.
func countWords(k analysis.Kind) (trials, rate string) {
	if k == analysis.KindRate {
		return "seconds of exposure", "rate"
	}
	return "trials", "ratio"
}

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

// wholeStable returns the stable pods' events and exposure over every step
// of the window, before and after the canary's judged steps too.
func (f countFrame) wholeStable() (events, exposure float64) {
	for r := f.c; r < f.c+f.k; r++ {
		for i, ok := range f.present[r] {
			if ok {
				events += f.events[r][i]
				exposure += f.trials[r][i]
			}
		}
	}
	return events, exposure
}

// countTotals are the canary's and the stable pods' events and exposure
// over the judged steps.
type countTotals struct {
	xc, ec, xs, es float64
}

// totals adds up the judged steps.
func (f countFrame) totals() countTotals {
	var t countTotals
	for _, st := range f.steps {
		t.xc += st.canaryEvents
		t.ec += st.canary
		t.xs += st.stableEvents
		t.es += st.stable
	}
	return t
}

func (t countTotals) stableRate() float64 { return ratioOf(t.xs, t.es) }

// sideStats describes each side's counts; the ratio is the mean, and a
// count metric has no median, minimum or maximum.
func (t countTotals) sideStats(f countFrame) (canary, stable analysis.SideStats) {
	side := func(pods int, x, e float64) analysis.SideStats {
		return analysis.SideStats{Pods: pods, Count: len(f.idx), Events: x, Trials: e,
			Mean: ratioOf(x, e), Median: math.NaN(), Min: math.NaN(), Max: math.NaN()}
	}
	return side(f.c, t.xc, t.ec), side(f.k, t.xs, t.es)
}

// comparison says both sides' counts: "canary 0.80% (58 of 7,250) vs
// stable 0% (0 of 41,300)".
func (t countTotals) comparison(k analysis.Kind) string {
	return "canary " + countSide(k, t.xc, t.ec) + " vs stable " + countSide(k, t.xs, t.es)
}

// summary describes the comparison in a clause.
func (t countTotals) summary(k analysis.Kind, rr float64, rank podRank) string {
	s := t.comparison(k)
	if c := rateRatioClause(rr); c != "" {
		s += ", " + c
	}
	return s + "; " + rank.text()
}

// countSpreads are the stable pods' over-dispersion and spread.
type countSpreads struct {
	// phi is the over-dispersion within pods; het the persistent spread
	// between pods the data show (on dataDF degrees of freedom), prior the
	// metric's, and sb2 the two pooled; luck is the variance the spread
	// adds to the canary's rate ratio.
	phi, het, dataDF, prior, sb2, luck float64
	// pods and podRates describe each stable pod at the judged steps.
	pods     []analysis.PodEvidence
	podRates []float64
}

// countSpread estimates the over-dispersion within pods (clumped events)
// from all stable steps, and the persistent spread between pods from their
// totals, pooled with the metric's prior.
func (j *Judge) countSpread(m analysis.Metric, f countFrame, t countTotals) countSpreads {
	stablePods := make([]podCounts, 0, f.k)
	for r := f.c; r < f.c+f.k; r++ {
		stablePods = append(stablePods, podCounts{events: f.events[r], exposure: f.trials[r]})
	}
	var sp countSpreads
	sp.phi, _, _ = dispersion(stablePods, rowRange(0, f.g.len()), j.DispersionPrior)
	var podX, podE []float64
	stableRate := t.stableRate()
	for r := f.c; r < f.c+f.k; r++ {
		var x, e float64
		n := 0
		for _, t := range f.idx {
			if f.present[r][t] {
				x += f.events[r][t]
				e += f.trials[r][t]
				n++
			}
		}
		if e <= 0 {
			continue
		}
		podX = append(podX, x)
		podE = append(podE, e)
		sp.pods = append(sp.pods, analysis.PodEvidence{Pod: f.g.pods[r], Relative: ratioOf(x, e)/stableRate - 1,
			Points: n, Events: x, Trials: e})
	}
	sp.podRates = make([]float64, len(podX))
	for i := range podX {
		sp.podRates[i] = podX[i] / podE[i]
	}
	// The persistent spread between the stable pods' rates is estimated from
	// all their steps in the window (more events than the canary's steps
	// alone: a pod's rate factor does not change when the canary arrives).
	var allX, allE []float64
	for r := f.c; r < f.c+f.k; r++ {
		var x, e float64
		for t := 0; t < f.g.len(); t++ {
			if f.present[r][t] {
				x += f.events[r][t]
				e += f.trials[r][t]
			}
		}
		if e > 0 {
			allX = append(allX, x)
			allE = append(allE, e)
		}
	}
	sp.het = podHeterogeneity(allX, allE, sp.phi)
	sp.prior = j.spreadFor(m, m.Kind)
	sp.dataDF = float64(len(allX) - 1)
	if math.IsNaN(sp.het) || sp.dataDF < 1 {
		sp.het, sp.dataDF = 0, 0
	}
	sp.sb2 = sp.prior * sp.prior
	if j.PriorPods+sp.dataDF > 0 {
		sp.sb2 = (j.PriorPods*sp.prior*sp.prior + sp.dataDF*sp.het) / (j.PriorPods + sp.dataDF)
	}
	sp.luck = sp.sb2 * (1/float64(f.c) + 1/float64(max(len(podX), 1)))
	return sp
}

// evidence describes the spread between pods.
func (sp countSpreads) evidence(priorPods float64) *analysis.SpreadEvidence {
	ev := &analysis.SpreadEvidence{Observed: math.NaN(), Between: math.Sqrt(sp.het), Prior: sp.prior,
		PriorPods: priorPods, Used: math.Sqrt(sp.sb2), Noise: math.NaN()}
	if sp.dataDF == 0 {
		ev.Between = math.NaN()
	}
	return ev
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

// countDetectableChange returns the smallest rate ratio (less one) the level
// test reveals half of the time at per-test level a, with the clause that
// says so and, when the canary's exposure is too small, how much it needs.
func countDetectableChange(m analysis.Metric, t countTotals, sp countSpreads, required float64) func(a float64) (float64, string) {
	_, rateWord := countWords(m.Kind)
	tail := 1.0
	if m.Direction == analysis.Either {
		tail = 2
	}
	xs, es, ec := t.xs, t.es, t.ec
	return func(al float64) (float64, string) {
		al /= tail
		ref := (xs + 0.5) / es
		rho := countDetectable(ref, es, ec, sp.phi, sp.luck, 1, al)
		if xs == 0 {
			// A change of a zero ratio means nothing: say which ratio
			// the canary's data can show against the stable pods'
			// none (ref is their half-event rate).
			return rho - 1, fmt.Sprintf("the stable pods had no events in %s; the canary's %s can reveal a %s of %s "+
				"(%.3g events) at this look", exposureText(m.Kind, es), exposureText(m.Kind, ec), rateWord,
				fmtValue(m, rho*ref), rho*ref*ec)
		}
		need := ec
		if rho > 1+required {
			need = countNeeded(ref, es, ec, sp.phi, sp.luck, 1+required, al)
		}
		s := fmt.Sprintf("the canary's %s (%.3g events expected at the stable pods' %s %s) can reveal a %s change at this look",
			exposureText(m.Kind, ec), ref*ec, rateWord, fmtValue(m, xs/es), fmtTimes(rho))
		switch {
		case math.IsInf(need, 1):
			s += fmt.Sprintf("; the pods' spread hides a %s change however long the canary runs", fmtTimes(1+required))
		case need > ec:
			s += fmt.Sprintf("; about %s are needed to see a %s change", exposureText(m.Kind, math.Ceil(need)), fmtTimes(1+required))
		}
		return rho - 1, s
	}
}

// zeroBound reports whether a count metric allows the canary no event at
// all: Max is 0 and only increases are bad.
func zeroBound(m analysis.Metric) bool {
	return m.Max == 0 && (m.Direction == analysis.Increase || m.Direction == "")
}

// countFrame builds the count grids, cuts the warm-up and lists the judged
// steps.
func (j *Judge) countFrame(m analysis.Metric, d analysis.Data, s analysis.Settings) countFrame {
	var f countFrame
	f.c, f.k = len(d.CanaryCounts), len(d.StableCounts)
	all := append(append([]analysis.CountSeries{}, d.CanaryCounts...), d.StableCounts...)
	pods := make([]string, 0, len(all))
	var times [][]int64
	var ev, tr [][]float64
	last := int64(math.MinInt64)
	for _, cs := range all {
		pods = append(pods, cs.Pod)
		ts := make([]int64, len(cs.Points))
		e := make([]float64, len(cs.Points))
		t := make([]float64, len(cs.Points))
		for i, p := range cs.Points {
			ts[i], e[i], t[i] = p.T, p.Events, p.Trials
			last = max(last, p.T)
		}
		times = append(times, ts)
		ev = append(ev, e)
		tr = append(tr, t)
	}
	step := s.Step.Milliseconds()
	f.g = newGrid(step, pods, times, ev)
	tg := newGrid(f.g.step, pods, times, tr)
	f.events, f.trials = f.g.y, tg.y
	f.present = make([][]bool, len(all))
	for r := range all {
		f.present[r] = make([]bool, f.g.len())
		for i := range f.present[r] {
			e, t := f.events[r][i], f.trials[r][i]
			f.present[r][i] = !math.IsNaN(e) && !math.IsNaN(t) && t >= 0 && e >= 0
		}
	}
	f.cut = cutWarmup(f.present, rowRange(0, f.c), rowRange(f.c, f.c+f.k), f.g.start, f.g.step,
		warmupFor(m, s), endOf(s, last), s.Start)
	// Reference pods that started with the canary (a baseline) lose the
	// same first minutes of counts as the canary: their start-up errors
	// would otherwise stay in the reference that the canary's were cut from.
	cutPeers(f.present, peerRows(f.present, rowRange(f.c, f.c+f.k), f.g.start, f.g.step, f.cut),
		f.g.start, f.g.step, f.cut.Start, f.cut.Warmup)
	for r := range all {
		for i, ok := range f.present[r] {
			if !ok {
				f.events[r][i], f.trials[r][i] = math.NaN(), math.NaN()
			}
		}
	}
	for i := 0; i < f.g.len(); i++ {
		var st countStep
		st.pos = float64(i)
		hasCanary := false
		for r := 0; r < f.c; r++ {
			if f.present[r][i] {
				st.canaryEvents += f.events[r][i]
				st.canary += f.trials[r][i]
				hasCanary = true
			}
		}
		for r := f.c; r < f.c+f.k; r++ {
			if f.present[r][i] {
				st.stableEvents += f.events[r][i]
				st.stable += f.trials[r][i]
			}
		}
		if hasCanary && st.stable > 0 {
			f.idx = append(f.idx, i)
			f.steps = append(f.steps, st)
		}
	}
	return f
}

// cles returns the common-language effect size of the canary's per-step
// ratios against the stable pods' at the same steps.
func (f countFrame) cles() float64 {
	var wins, pairs float64
	for _, t := range f.idx {
		for q := 0; q < f.c; q++ {
			if !f.present[q][t] || !(f.trials[q][t] > 0) {
				continue
			}
			cv := f.events[q][t] / f.trials[q][t]
			for r := f.c; r < f.c+f.k; r++ {
				if !f.present[r][t] || !(f.trials[r][t] > 0) {
					continue
				}
				sv := f.events[r][t] / f.trials[r][t]
				pairs++
				switch {
				case cv > sv:
					wins++
				case cv == sv:
					wins += 0.5
				}
			}
		}
	}
	if pairs == 0 {
		return math.NaN()
	}
	return wins / pairs
}

// countBounds adds the tests of the absolute bounds on the canary's ratio
// (exact binomial) or rate (exact Poisson), with its events and trials
// divided by the over-dispersion phi.
func (j *Judge) countBounds(a *metricAnalysis, m analysis.Metric, xc, ec, phi float64) {
	hasMax, hasMin := !math.IsNaN(m.Max), !math.IsNaN(m.Min)
	if !hasMax && !hasMin {
		return
	}
	_, rateWord := countWords(m.Kind)
	value := xc / ec
	xe, ee := xc/phi, ec/phi
	test := "exact binomial on the canary's counts"
	if m.Kind == analysis.KindRate {
		test = "exact Poisson on the canary's counts"
	}
	tails := func(b float64) (up, lo float64) {
		if m.Kind == analysis.KindRate {
			return stats.PoissonUpper(xe, b*ee), stats.PoissonLower(xe, b*ee)
		}
		return stats.BinomialUpper(xe, ee, b), stats.BinomialLower(xe, ee, b)
	}
	interval := func(al float64) *analysis.Interval {
		var lo, hi float64
		if m.Kind == analysis.KindRate {
			if xe > 0 {
				lo = mathext.GammaIncRegInv(xe, al) / ee
			}
			hi = mathext.GammaIncRegInv(xe+1, 1-al) / ee
		} else {
			lo, hi = stats.ClopperPearson(xe, ee, al, al)
		}
		return &analysis.Interval{Lower: lo, Upper: hi, Level: 1 - 2*al, Of: "canary " + rateWord}
	}
	bound := func(name string, b float64, upper bool) {
		up, lo := tails(b)
		p, side := up, analysis.High
		if !upper {
			p, side = lo, analysis.Low
		}
		a.addBound(&hypothesis{
			p: p, side: side, gate: true, interval: interval,
			ev: analysis.TestEvidence{
				Name: name, Test: test, Estimate: value, Statistic: xc,
				Text: fmt.Sprintf("canary %s %s is %s the bound %s", rateWord, countSide(m.Kind, xc, ec), relation(upper), fmtBound(m, b)),
			},
		}, rateWord, value, b, upper)
	}
	if hasMax {
		bound("max", m.Max, true)
	}
	if hasMin {
		bound("min", m.Min, false)
	}
}

// countRejects reports whether the conditional test at level alpha
// rejects when the counts are at their expectations: both sides at the
// reference rate ref (the stable pods' rate, (events + ½)/exposure so that
// pods without events still give a scale), the canary's multiplied by rho,
// over exposures ec (canary) and es (stable), with dispersion phi plus the
// pods' luck (luck·expected canary events·(1−θ)).
func countRejects(ref, es, ec, phi, luck, rho, alpha float64) bool {
	mu := rho * ref * ec
	theta := ec / (ec + es)
	n := ref*es + mu
	phiTot := phi + ref*ec*(1-theta)*luck
	return stats.BinomialUpper(mu/phiTot, n/phiTot, theta) <= alpha
}

// countDetectable returns the smallest rate ratio the conditional test
// reveals half of the time at level alpha (+Inf if none below 10¹²), with
// both exposures multiplied by f.
func countDetectable(ref, es, ec, phi, luck, f, alpha float64) float64 {
	es, ec = es*f, ec*f
	if !countRejects(ref, es, ec, phi, luck, 1e12, alpha) {
		return math.Inf(1)
	}
	lo, hi := 0.0, math.Log(1e12)
	for hi-lo > 1e-6 {
		mid := (lo + hi) / 2
		if countRejects(ref, es, ec, phi, luck, math.Exp(mid), alpha) {
			hi = mid
		} else {
			lo = mid
		}
	}
	return math.Exp(hi)
}

// countNeeded returns the canary exposure at which a rate ratio of target
// becomes detectable (half of the time) at level alpha, the stable pods'
// exposure growing in proportion; +Inf when no exposure up to 10⁹ times
// the present one is enough (the pods' spread then hides such a change).
func countNeeded(ref, es, ec, phi, luck, target, alpha float64) float64 {
	ok := func(f float64) bool { return countDetectable(ref, es, ec, phi, luck, f, alpha) <= target }
	if !ok(1e9) {
		return math.Inf(1)
	}
	lo, hi := math.Log(1e-9), math.Log(1e9)
	for hi-lo > 1e-4 {
		mid := (lo + hi) / 2
		if ok(math.Exp(mid)) {
			hi = mid
		} else {
			lo = mid
		}
	}
	return math.Exp(hi) * ec
}

// ratioOf returns x/e, NaN when e is not positive.
func ratioOf(x, e float64) float64 {
	if !(e > 0) {
		return math.NaN()
	}
	return x / e
}

// fmtTimes formats a rate ratio as "5x".
func fmtTimes(r float64) string {
	if math.IsInf(r, 1) {
		return "unbounded"
	}
	return fmt.Sprintf("%.3gx", r)
}

// countPoints counts the samples of the series.
func countPoints(series []analysis.CountSeries) int {
	n := 0
	for _, s := range series {
		n += len(s.Points)
	}
	return n
}
