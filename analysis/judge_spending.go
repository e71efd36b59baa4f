package analysis

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// The run's false-alarm budget Alpha is spent over the looks of the
// analysis run and the metrics of the rule set. Every plan gives metric i
// the share w_i/W of Alpha (its Weight over all weights) and spends it over
// the looks: at look j it may spend a_ij, with Σ_j a_ij = Alpha·w_i/W. The
// look's hypotheses share a_j = Σ_i a_ij by the weighted Holm procedure
// with the budgets a_ij as weights, so a false rejection at look j has
// probability at most a_j, and one anywhere in the run at most
// Σ_j a_j = Alpha (the union bound), whatever the dependence between looks
// and metrics, as long as each of the run's requests is a different look.
//
//   - Even plan (the schedule is unknown: Settings.Interval or
//     Settings.FirstLook is zero): a_ij = Alpha·w_i/(W·Looks).
//   - Testable-looks plan (the schedule is known): metric i spends only at
//     the looks where it can have a test, a_ij = Alpha·w_i/(W·|T_i|) for
//     j in T_i. Look j comes at the canary's age FirstLook + (j−1)·Interval;
//     the canary's first sample comes about one step after it starts, so a
//     value metric can be tested when that age, less one step and its
//     warm-up, holds MinPoints steps, and a count metric when it holds any
//     time at all. A metric that no look can test spends at the last look.
//     The plan depends on the rule set and the template only, never on the
//     data; a metric with data at a look outside T_i cannot reject there
//     (its level is 0), which costs power but not validity.
//
// A latency metric with a 3-minute warm-up and looks at 4, 6, 8 and 10
// minutes has 0, 2, 4 and 6 samples: the even plan spends half of its
// budget at looks where it has nothing to test, the testable-looks plan
// spends it at 8 and 10 minutes, twice the level at each.

// spendingPlan is the budget of one look.
type spendingPlan struct {
	// look is the look's number (0 when unknown) and lookAlpha its budget
	// a_j; budget[i] is metric i's part a_ij of it (0 for inputs judged
	// elsewhere).
	look      int
	lookAlpha float64
	budget    []float64
	// scheduled says whether the testable-looks plan was used; testable[i]
	// lists metric i's looks (1-based), share[i] its part of Alpha.
	scheduled bool
	testable  [][]int
	share     []float64
	alpha     float64
}

// lookPlan returns the budget of the look a request at canary age age is,
// for the metrics of in (their analyses' kinds decide when they can be
// tested).
func (j *CanaryJudge) lookPlan(in []MetricInput, s Settings, age time.Duration, kinds []Kind) spendingPlan {
	alpha, looks := j.alpha(s), j.looks(s)
	p := spendingPlan{
		look: j.lookNumber(age, s, looks), alpha: alpha,
		budget: make([]float64, len(in)), testable: make([][]int, len(in)), share: make([]float64, len(in)),
	}
	var total float64
	for _, mi := range in {
		if mi.Result == nil {
			total += metricWeight(mi.Metric)
		}
	}
	p.scheduled = s.Interval > 0 && s.FirstLook > 0 && p.look > 0
	for i, mi := range in {
		if mi.Result != nil || total == 0 {
			continue
		}
		p.share[i] = metricWeight(mi.Metric) / total
		if !p.scheduled {
			p.budget[i] = alpha * p.share[i] / float64(looks)
			continue
		}
		for l := 1; l <= looks; l++ {
			if j.testableAt(mi.Metric, kinds[i], s, s.FirstLook+time.Duration(l-1)*s.Interval) {
				p.testable[i] = append(p.testable[i], l)
			}
		}
		if len(p.testable[i]) == 0 {
			p.testable[i] = []int{looks}
		}
		for _, l := range p.testable[i] {
			if l == p.look {
				p.budget[i] = alpha * p.share[i] / float64(len(p.testable[i]))
			}
		}
	}
	for _, b := range p.budget {
		p.lookAlpha += b
	}
	return p
}

// testableAt reports whether a metric of the given kind can have a test at
// canary age age: a value metric needs MinPoints samples after its
// warm-up, a count metric any time after it, both counted from one step
// after the canary's start.
func (j *CanaryJudge) testableAt(m Metric, kind Kind, s Settings, age time.Duration) bool {
	step := max(s.Step, 0)
	left := age - step - warmupFor(m, s)
	if kind == KindValue {
		return left >= time.Duration(max(j.MinPoints, 1))*step && left >= 0
	}
	return left > 0
}

// metricWeight returns a metric's weight (1 when not positive).
func metricWeight(m Metric) float64 {
	w := m.Weight
	if !(w > 0) || math.IsInf(w, 0) {
		return 1
	}
	return w
}

// text describes metric i's spending at this look.
func (p spendingPlan) text(i int) string {
	if !p.scheduled {
		return fmt.Sprintf("the run's α = %s is split evenly over the looks; this metric's share is %.3g of it (%s at this look)",
			fmtP(p.alpha), p.share[i], fmtP(p.budget[i]))
	}
	var ls []string
	for _, l := range p.testable[i] {
		ls = append(ls, fmt.Sprint(l))
	}
	return fmt.Sprintf("this metric's share %.3g of the run's α = %s is spent at the looks where it can have data (%s): %s at look %d",
		p.share[i], fmtP(p.alpha), strings.Join(ls, ", "), fmtP(p.budget[i]), p.look)
}
