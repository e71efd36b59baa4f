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
// NotEnoughData (and any classification Score does not know) is left out of
// the score and caps the verdict at Inconclusive. When no metric can be
// scored the verdict is Inconclusive with score 0.
//
// It panics if the slices differ in length, the thresholds are not
// 0 ≤ Marginal ≤ Pass ≤ 100, or a group weight is negative (caller bugs).
func Score(metrics []Metric, results []MetricResult, opt ScoreOptions) Report {
	if len(metrics) != len(results) {
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
	rep := Report{Failed: []string{}, Metrics: results}

	type group struct {
		GroupScore
		counted, passed float64
	}
	var groups []*group
	byName := map[string]*group{}
	var (
		critical, noData, capped []string
		considered               int
	)
	for i, r := range results {
		policy := metrics[i].NoData
		if policy == "" {
			policy = NoDataInconclusive
		}
		if r.Classification == NoData && policy == NoDataIgnore {
			continue
		}
		considered++
		g := byName[r.Group]
		if g == nil {
			g = &group{GroupScore: GroupScore{Name: r.Group}}
			byName[r.Group] = g
			groups = append(groups, g)
		}
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
				rep.Failed = append(rep.Failed, r.Name)
			}
		}
		switch r.Classification {
		case Pass:
			count(true)
		case High, Low:
			count(false)
			if r.Critical {
				critical = append(critical, fmt.Sprintf("%s was %s", r.Name, r.Classification))
			}
		case NoData:
			noData = append(noData, r.Name)
			capped = append(capped, r.Name+" had no data")
			if policy == NoDataFail {
				count(false)
			}
			if r.Critical {
				critical = append(critical, r.Name+" had no data")
				if policy != NoDataFail {
					rep.Failed = append(rep.Failed, r.Name)
				}
			}
		case NotEnoughData:
			capped = append(capped, r.Name+" had not enough data")
		default:
			capped = append(capped, fmt.Sprintf("%s was %q", r.Name, r.Classification))
		}
	}

	// Group weights as Kayenta's WeightedSumScorer assigns them.
	var named float64
	unnamed := 0
	for _, g := range groups {
		if w, ok := opt.GroupWeights[g.Name]; ok {
			named += w
		} else {
			unnamed++
		}
	}
	var sum, weights float64
	for _, g := range groups {
		w, ok := opt.GroupWeights[g.Name]
		if !ok {
			w = math.Max(0, 100-named) / float64(unnamed)
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
		rep.Groups = append(rep.Groups, g.GroupScore)
	}

	switch {
	case len(critical) > 0:
		rep.Score, rep.Verdict = 0, Failed
		rep.Reason = "critical metric " + scoreJoin(critical) + ", so the score is 0"
	case considered > 0 && 2*len(noData) >= considered:
		rep.Score, rep.Verdict = 0, Failed
		rep.Reason = fmt.Sprintf("%d of %d metrics had no data (%s), at least half, so the score is 0",
			len(noData), considered, scoreJoin(noData))
	case weights == 0:
		rep.Score, rep.Verdict = 0, Inconclusive
		if len(results) == 0 {
			rep.Reason = "no metrics were judged"
		} else {
			rep.Reason = "no metric could be scored"
			if len(capped) > 0 {
				rep.Reason += ": " + scoreJoin(capped)
			}
		}
	default:
		score := sum / weights
		rep.Score = score
		rep.Verdict, rep.Reason = scoreVerdict(score, th, rep.Failed, considered)
		if len(capped) > 0 {
			if rep.Verdict == Successful {
				rep.Verdict = Inconclusive
				rep.Reason += ", but " + scoreJoin(capped) + ", so the verdict is at most Inconclusive"
			} else {
				rep.Reason += "; also " + scoreJoin(capped)
			}
		}
	}
	return rep
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
