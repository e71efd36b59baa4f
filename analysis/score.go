package analysis

import (
	"fmt"
	"math"
	"strings"
)

// Thresholds turn a 0-100 score into a verdict: Successful at or above
// Pass, Inconclusive at or above Marginal, Failed below.
type Thresholds struct {
	Pass     float64
	Marginal float64
}

// ScoreOptions are the knobs of Score.
type ScoreOptions struct {
	Thresholds Thresholds
	// GroupWeights weighs the groups' scores (Kayenta's classifier
	// groupWeights). Groups it does not name share what is left of 100
	// equally (nothing when the named weights reach 100); nil weighs all
	// groups equally.
	GroupWeights map[string]float64
}

// Score turns the judged metrics into a verdict with Kayenta's weighted-sum
// scorer, made safe for missing data. metrics[i] is the rule of results[i];
// only its NoData policy is read (the rest comes from the result).
//
// Within its group (MetricResult.Group, "" being a group too) a metric
// counts with its Weight (1 when not positive):
//
//	group score = 100 · Σ w(Pass) / Σ w(Pass, High, Low, NoData with noData=fail),
//	score = Σ group score · group weight / Σ group weight,
//
// over the groups with a counted metric. Kayenta's rules then apply: the
// score is forced to 0 and the verdict is Failed when a critical metric is
// High or Low, or has no data (unless its policy is ignore), or when at least
// half of the metrics not ignored have no data. Otherwise the verdict is
// Successful at or above Thresholds.Pass, Inconclusive at or above
// Thresholds.Marginal, else Failed.
//
// Missing data never lets a verdict be Successful: NoData with noData=fail
// counts as a failing metric and caps the verdict at Inconclusive; with
// noData=inconclusive (the default when the policy is empty) it is left out
// of the score and caps the verdict at Inconclusive; with noData=ignore it
// is left out of everything.
// NoData without a baseline (MetricResult.NoBaseline: the stable pods gave
// nothing to compare with) never counts against the canary, whatever its
// policy or criticality: unless its policy is ignore, it is left out of the
// score and of Kayenta's rules, and caps the verdict at Inconclusive.
// NotEnoughData, Suspect (and any classification Score does not know) are
// left out of the score and cap the verdict at Inconclusive. When no metric can be
// scored the verdict is Inconclusive with score 0.
//
// It panics if the slices differ in length, the thresholds are not
// 0 ≤ Marginal ≤ Pass ≤ 100, or a group weight is negative (caller bugs).
func Score(metrics []Metric, results []MetricResult, opt ScoreOptions) Report {
	checkScore(len(metrics), len(results), opt)
	t := tallyResults(metrics, results)
	rep := Report{Failed: t.failed, Metrics: results}
	var sum, weights float64
	rep.Groups, sum, weights = t.weigh(opt.GroupWeights)
	rep.Verdict, rep.Score, rep.Reason = t.conclude(sum, weights, len(results), opt.Thresholds)
	return rep
}

// checkScore panics on Score's caller bugs.
func checkScore(metrics, results int, opt ScoreOptions) {
	if metrics != results {
		panic("analysis: slice length mismatch")
	}
	th := opt.Thresholds
	if !(th.Marginal >= 0 && th.Marginal <= th.Pass && th.Pass <= 100) {
		panic("analysis: thresholds must satisfy 0 <= marginal <= pass <= 100")
	}
	for _, w := range opt.GroupWeights {
		if !(w >= 0) {
			panic("analysis: group weights must not be negative")
		}
	}
}

// groupTally is one group's counted and passing metrics, by weight.
type groupTally struct {
	GroupScore
	counted, passed float64
}

// tally is what Score's rules read from the results.
type tally struct {
	groups []*groupTally
	// failed names the metrics counting against the canary; critical,
	// noData and capped say why a verdict is forced or capped.
	failed                   []string
	critical, noData, capped []string
	// considered counts the metrics not ignored.
	considered int
}

// tallyResults counts every result in its group (a metric with no data
// and policy ignore is left out of everything) and notes the critical
// failures, the metrics without data and those that cap the verdict.
func tallyResults(metrics []Metric, results []MetricResult) *tally {
	t := &tally{failed: []string{}}
	byName := map[string]*groupTally{}
	for i, r := range results {
		policy := metrics[i].NoData
		if policy == "" {
			policy = NoDataInconclusive
		}
		if r.Classification == NoData && policy == NoDataIgnore {
			continue
		}
		t.considered++
		g := byName[r.Group]
		if g == nil {
			g = &groupTally{GroupScore: GroupScore{Name: r.Group}}
			byName[r.Group] = g
			t.groups = append(t.groups, g)
		}
		t.add(g, r, policy)
	}
	return t
}

// add counts one result in its group.
func (t *tally) add(g *groupTally, r MetricResult, policy NoDataPolicy) {
	w := r.Weight
	if !(w > 0) {
		w = 1
	}
	count := func(pass bool) {
		g.counted += w
		g.Counted++
		if pass {
			g.passed += w
			g.Passed++
		} else {
			t.failed = append(t.failed, r.Name)
		}
	}
	switch r.Classification {
	case Pass:
		count(true)
	case High, Low:
		count(false)
		if r.Critical {
			t.critical = append(t.critical, fmt.Sprintf("%s was %s", r.Name, r.Classification))
		}
	case NoData:
		if r.NoBaseline {
			t.capped = append(t.capped, r.Name+" had no data from the stable pods")
			return
		}
		t.noData = append(t.noData, r.Name)
		t.capped = append(t.capped, r.Name+" had no data")
		if policy == NoDataFail {
			count(false)
		}
		if r.Critical {
			t.critical = append(t.critical, r.Name+" had no data")
			if policy != NoDataFail {
				t.failed = append(t.failed, r.Name)
			}
		}
	case NotEnoughData:
		t.capped = append(t.capped, r.Name+" had not enough data")
	case Suspect:
		t.capped = append(t.capped, r.Name+" is suspected of a regression the run could not confirm")
	default:
		t.capped = append(t.capped, fmt.Sprintf("%s was %q", r.Name, r.Classification))
	}
}

// weigh gives every group its weight as Kayenta's WeightedSumScorer does
// (the named ones theirs, the others an equal share of what is left of
// 100) and its score, and returns the groups with the weighted sum of the
// scores and the weights that count in it.
func (t *tally) weigh(named map[string]float64) (groups []GroupScore, sum, weights float64) {
	var total float64
	unnamed := 0
	for _, g := range t.groups {
		if w, ok := named[g.Name]; ok {
			total += w
		} else {
			unnamed++
		}
	}
	for _, g := range t.groups {
		w, ok := named[g.Name]
		if !ok {
			w = math.Max(0, 100-total) / float64(unnamed)
		}
		g.Weight = w
		g.Score = math.NaN()
		if g.counted > 0 {
			g.Score = 100 * g.passed / g.counted
			if w > 0 {
				sum += g.Score * w
				weights += w
			}
		}
		groups = append(groups, g.GroupScore)
	}
	return groups, sum, weights
}

// conclude applies Kayenta's rules and the thresholds: a critical failure
// or no data for at least half of the metrics fail the run, nothing scored
// is Inconclusive, and a metric without (enough) data caps a Successful
// score at Inconclusive.
func (t *tally) conclude(sum, weights float64, results int, th Thresholds) (Verdict, float64, string) {
	switch {
	case len(t.critical) > 0:
		return Failed, 0, "critical metric " + scoreJoin(t.critical) + ", so the score is 0"
	case t.considered > 0 && 2*len(t.noData) >= t.considered:
		return Failed, 0, fmt.Sprintf("%d of %d metrics had no data (%s), at least half, so the score is 0",
			len(t.noData), t.considered, scoreJoin(t.noData))
	case weights == 0:
		reason := "no metrics were judged"
		if results > 0 {
			reason = "no metric could be scored"
			if len(t.capped) > 0 {
				reason += ": " + scoreJoin(t.capped)
			}
		}
		return Inconclusive, 0, reason
	}
	score := sum / weights
	v, reason := scoreVerdict(score, th, t.failed, t.considered)
	if len(t.capped) > 0 {
		if v == Successful {
			v = Inconclusive
			reason += ", but " + scoreJoin(t.capped) + ", so the verdict is at most Inconclusive"
		} else {
			reason += "; also " + scoreJoin(t.capped)
		}
	}
	return v, score, reason
}

// scoreVerdict applies the thresholds and says why.
func scoreVerdict(score float64, th Thresholds, failed []string, considered int) (Verdict, string) {
	s := fmt.Sprintf("score %.1f", score)
	var v Verdict
	switch {
	case score >= th.Pass:
		v, s = Successful, s+fmt.Sprintf(" reaches the pass threshold %g", th.Pass)
	case score >= th.Marginal:
		v, s = Inconclusive, s+fmt.Sprintf(" is below the pass threshold %g but reaches the marginal threshold %g",
			th.Pass, th.Marginal)
	default:
		v, s = Failed, s+fmt.Sprintf(" is below the marginal threshold %g", th.Marginal)
	}
	if len(failed) == 0 {
		return v, s + fmt.Sprintf(": no failing metric among %d", considered)
	}
	return v, s + ": failing " + scoreJoin(failed)
}

// scoreJoin joins items as "a", "a and b" or "a, b and c".
func scoreJoin(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}
