package canary

import (
	"math"
	"testing"
	"time"

	"github.com/canary-analyzer/canary-analyzer/analysis"
)

// TestLookNumber checks the look estimated from the canary's age, whose
// first sample lags its start by up to about a step: with looks at 4, 6, 8
// and 10 minutes the judge sees ages of about 3, 5, 7 and 9 minutes.
func TestLookNumber(t *testing.T) {
	t.Parallel()
	j := New()
	s := analysis.Settings{Interval: 2 * time.Minute, FirstLook: 4 * time.Minute, Step: time.Minute}
	for _, c := range []struct {
		age  time.Duration
		want int
	}{
		{3 * time.Minute, 1}, {4 * time.Minute, 1}, {5 * time.Minute, 2}, {6 * time.Minute, 2},
		{7 * time.Minute, 3}, {9 * time.Minute, 4}, {10 * time.Minute, 4}, {30 * time.Minute, 4}, {0, 1},
	} {
		if got := j.lookNumber(c.age, s, 4); got != c.want {
			t.Errorf("age %v: look %d, want %d", c.age, got, c.want)
		}
	}
	if got := j.lookNumber(5*time.Minute, analysis.Settings{Step: time.Minute}, 4); got != 0 {
		t.Errorf("without an interval the look is unknown; got %d", got)
	}
}

// TestSpendingPlan checks the testable-looks plan on the shipped schedule
// (looks at 4, 6, 8, 10 minutes): a count metric with a 1-minute warm-up
// spends at every look, a value metric with a 3-minute warm-up at looks 3
// and 4 only, one with a 4-minute warm-up too; every metric spends exactly
// its share of alpha over the run, and the looks' budgets add up to alpha.
// Without the first look's age the plan is the even split.
func TestSpendingPlan(t *testing.T) {
	t.Parallel()
	j := New()
	one, three, four := time.Minute, 3*time.Minute, 4*time.Minute
	in := []analysis.MetricInput{
		{Metric: analysis.Metric{Name: "errors", Kind: analysis.KindRatio, Weight: 4.5, Warmup: &one}},
		{Metric: analysis.Metric{Name: "latency", Kind: analysis.KindValue, Weight: 2.5, Warmup: &three}},
		{Metric: analysis.Metric{Name: "cpu", Kind: analysis.KindValue, Weight: 1, Warmup: &four}},
		{Metric: analysis.Metric{Name: "signatures", Kind: analysis.KindSignatures}},
	}
	kinds := []analysis.Kind{analysis.KindRatio, analysis.KindValue, analysis.KindValue, analysis.KindSignatures}
	s := analysis.Settings{Alpha: 0.01, Looks: 4, Interval: 2 * time.Minute, FirstLook: 4 * time.Minute, Step: time.Minute}
	ages := []time.Duration{3 * time.Minute, 5 * time.Minute, 7 * time.Minute, 9 * time.Minute}
	wantLooks := [][]int{{1, 2, 3, 4}, {3, 4}, {3, 4}, nil}
	// Each metric spends in proportion to its data at the look: the time
	// after its first sample (one step) and its warm-up. Errors have 2, 4,
	// 6 and 8 minutes; latency 4 and 6; CPU 3 and 5.
	wantBudget := [][]float64{
		{0.01 * 4.5 / 8 * 2 / 20, 0, 0, 0},
		{0.01 * 4.5 / 8 * 4 / 20, 0, 0, 0},
		{0.01 * 4.5 / 8 * 6 / 20, 0.01 * 2.5 / 8 * 4 / 10, 0.01 * 1 / 8 * 3 / 8, 0},
		{0.01 * 4.5 / 8 * 8 / 20, 0.01 * 2.5 / 8 * 6 / 10, 0.01 * 1 / 8 * 5 / 8, 0},
	}
	spent := make([]float64, len(in))
	var total float64
	for li, age := range ages {
		p := j.lookPlan(in, s, age, kinds)
		if p.look != li+1 || !p.scheduled {
			t.Fatalf("age %v: look %d (scheduled %v), want %d", age, p.look, p.scheduled, li+1)
		}
		for i := range in {
			if math.Abs(p.budget[i]-wantBudget[li][i]) > 1e-15 {
				t.Errorf("look %d, %s: budget %g, want %g", li+1, in[i].Metric.Name, p.budget[i], wantBudget[li][i])
			}
			spent[i] += p.budget[i]
			if li == 0 && !equalInts(p.testable[i], wantLooks[i]) {
				t.Errorf("%s: testable looks %v, want %v", in[i].Metric.Name, p.testable[i], wantLooks[i])
			}
		}
		total += p.lookAlpha
	}
	for i, want := range []float64{0.01 * 4.5 / 8, 0.01 * 2.5 / 8, 0.01 * 1 / 8, 0} {
		if math.Abs(spent[i]-want) > 1e-15 {
			t.Errorf("%s spent %g over the run, want %g", in[i].Metric.Name, spent[i], want)
		}
	}
	if math.Abs(total-0.01) > 1e-15 {
		t.Errorf("the looks spent %g in all, want alpha 0.01", total)
	}
	even := s
	even.FirstLook = 0
	p := j.lookPlan(in, even, 7*time.Minute, kinds)
	if p.scheduled || math.Abs(p.budget[1]-0.01/4*2.5/8) > 1e-15 || math.Abs(p.lookAlpha-0.01/4) > 1e-15 {
		t.Errorf("even plan: scheduled %v, latency budget %g, look budget %g", p.scheduled, p.budget[1], p.lookAlpha)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
