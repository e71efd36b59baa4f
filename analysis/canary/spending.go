package canary

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/canary-analyzer/canary-analyzer/analysis"
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
//     the looks where it can have a test, in proportion to the data it has
//     there, a_ij = Alpha·(w_i/W)·I_ij/Σ_{l in T_i} I_il for j in T_i, with
//     I_ij the canary's time after its first sample and the metric's
//     warm-up at look j (dataAt). A regression the early looks can show at
//     all is mostly shown far below any of these levels; one at the edge of
//     what the data show is shown at the last looks, which have the most
//     data. Look j comes at the canary's age FirstLook + (j−1)·Interval;
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
// spends 40% of it at 8 minutes and 60% at 10; an error ratio with a
// 1-minute warm-up spends 10%, 20%, 30% and 40% at the four looks.

// spendingPlan is the budget of one look.
type spendingPlan struct {
	// look is the look's number (0 when unknown) and lookAlpha its budget
	// a_j; budget[i] is metric i's part a_ij of it (0 for the signatures
	// metrics).
	look      int
	lookAlpha float64
	budget    []float64
	// scheduled says whether the testable-looks plan was used; testable[i]
	// lists metric i's looks (1-based), share[i] its part of Alpha.
	// parts[i] is the part of metric i's share spent at each of its
	// testable looks.
	scheduled bool
	testable  [][]int
	parts     [][]float64
	share     []float64
	alpha     float64
}

// lookPlan returns the budget of the look a request at canary age age is,
// for the metrics of in (their analyses' kinds decide when they can be
// tested).
func (j *Judge) lookPlan(in []analysis.MetricInput, s analysis.Settings, age time.Duration, kinds []analysis.Kind) spendingPlan {
	alpha, looks := j.alpha(s), j.looks(s)
	p := spendingPlan{
		look: j.lookNumber(age, s, looks), alpha: alpha,
		budget: make([]float64, len(in)), testable: make([][]int, len(in)), share: make([]float64, len(in)),
		parts: make([][]float64, len(in)),
	}
	var total float64
	for _, mi := range in {
		if mi.Metric.Kind != analysis.KindSignatures {
			total += metricWeight(mi.Metric)
		}
	}
	p.scheduled = s.Interval > 0 && s.FirstLook > 0 && p.look > 0
	for i, mi := range in {
		if mi.Metric.Kind == analysis.KindSignatures || total == 0 {
			continue
		}
		p.share[i] = metricWeight(mi.Metric) / total
		if !p.scheduled {
			p.budget[i] = alpha * p.share[i] / float64(looks)
			continue
		}
		var data []float64
		for l := 1; l <= looks; l++ {
			at := s.FirstLook + time.Duration(l-1)*s.Interval
			if j.testableAt(mi.Metric, kinds[i], s, at) {
				p.testable[i] = append(p.testable[i], l)
				data = append(data, j.dataAt(mi.Metric, s, at).Seconds())
			}
		}
		if len(p.testable[i]) == 0 {
			p.testable[i], data = []int{looks}, []float64{1}
		}
		var sum float64
		for _, d := range data {
			sum += d
		}
		p.parts[i] = make([]float64, len(data))
		for n, l := range p.testable[i] {
			p.parts[i][n] = data[n] / sum
			if l == p.look {
				p.budget[i] = alpha * p.share[i] * p.parts[i][n]
			}
		}
	}
	for _, b := range p.budget {
		p.lookAlpha += b
	}
	return p
}

// dataAt returns how much of the canary's data a metric has at canary age
// age: the time after its first sample (about one step after the start)
// and its warm-up; the testable-looks plan spends in proportion to it.
func (j *Judge) dataAt(m analysis.Metric, s analysis.Settings, age time.Duration) time.Duration {
	return max(age-max(s.Step, 0)-warmupFor(m, s), 0)
}

// testableAt reports whether a metric of the given kind can have a test at
// canary age age: a value metric needs MinPoints samples after its
// warm-up, a count metric any time after it, both counted from one step
// after the canary's start.
func (j *Judge) testableAt(m analysis.Metric, kind analysis.Kind, s analysis.Settings, age time.Duration) bool {
	step := max(s.Step, 0)
	left := age - step - warmupFor(m, s)
	if kind == analysis.KindValue {
		return left >= time.Duration(max(j.MinPoints, 1))*step && left >= 0
	}
	return left > 0
}

// metricWeight returns a metric's weight (1 when not positive).
func metricWeight(m analysis.Metric) float64 {
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
	for n, l := range p.testable[i] {
		ls = append(ls, fmt.Sprintf("%d: %.0f%%", l, 100*p.parts[i][n]))
	}
	return fmt.Sprintf("this metric's share %.3g of the run's α = %s is spent at the looks where it can have data, "+
		"in proportion to its data at each (%s): %s at look %d",
		p.share[i], fmtP(p.alpha), strings.Join(ls, ", "), fmtP(p.budget[i]), p.look)
}

// lookNumber estimates which look this is from the canary's age: Argo's
// first measurement comes at the canary's age FirstLook, then one per
// interval. The canary's first sample comes up to about one step after it
// starts, so the age is taken half a step older and rounded to the nearest
// look: the number is right while that lag is within half an interval of
// half a step (with looks every 2 minutes and 1-minute steps, a lag from
// −30 s to 90 s). It is 0 when the interval is unknown.
func (j *Judge) lookNumber(age time.Duration, s analysis.Settings, looks int) int {
	if s.Interval <= 0 || age < 0 {
		return 0
	}
	n := math.Round(float64(age+max(s.Step, 0)/2-max(s.FirstLook, 0))/float64(s.Interval)) + 1
	return int(min(max(n, 1), float64(looks)))
}
