package canary

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/analysis/internal/refdata"
	"github.com/canary-analyzer/canary-analyzer/analysis/kayenta"
	"github.com/canary-analyzer/canary-analyzer/analysis/stats"
)

// judgeT0 is the first grid time of the constructed data (Unix ms).
var judgeT0 = time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC).UnixMilli()

// valueRows turns rows of per-minute values into series: NaN leaves a
// step out. Rows are named by prefix and index.
func valueRows(prefix string, rows [][]float64) []analysis.Series {
	out := make([]analysis.Series, len(rows))
	for r, row := range rows {
		out[r].Pod = prefix + string(rune('a'+r))
		for i, v := range row {
			if !math.IsNaN(v) {
				out[r].Points = append(out[r].Points, analysis.Point{T: judgeT0 + int64(i)*60000, V: v})
			}
		}
	}
	return out
}

// podRow draws one pod's per-minute values: level·shared(i)·e^(offset +
// AR(1) noise), NaN before start.
func podRow(r *rand.Rand, n, start int, level, offset, sigma, phi float64, shared func(i int) float64) []float64 {
	row := make([]float64, n)
	x := sigma * r.NormFloat64()
	for i := range row {
		x = phi*x + sigma*math.Sqrt(1-phi*phi)*r.NormFloat64()
		row[i] = level * shared(i) * math.Exp(offset+x)
		if i < start {
			row[i] = math.NaN()
		}
	}
	return row
}

func flat(int) float64 { return 1 }

// latencyMetric is a typical latency metric.
func latencyMetric() analysis.Metric {
	return analysis.Metric{Name: "latency", Kind: analysis.KindValue, Direction: analysis.Increase, Max: math.NaN(), Min: math.NaN(), PodSpread: 0.06}
}

func judgeSettings() analysis.Settings {
	return analysis.Settings{Alpha: 0.01, Looks: 5, Warmup: 2 * time.Minute, Step: time.Minute}
}

// TestTimeMatchedComparisonCancelsSharedMovement: every pod slows down
// together (a daily peak and a spike) while the canary runs; compared at
// the same timestamps the canary is like the others, while pooling all
// samples (Kayenta's way) calls it a regression.
func TestTimeMatchedComparisonCancelsSharedMovement(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 1))
	n, start := 60, 40
	shared := func(i int) float64 {
		s := 1 + 0.8*float64(i)/float64(n) // a steep daily ramp
		if i >= 50 && i < 54 {
			s *= 1.6 // a spike that hits every pod
		}
		return s
	}
	stable := make([][]float64, 5)
	for k, off := range []float64{-0.05, -0.02, 0, 0.03, 0.05} {
		stable[k] = podRow(r, n, 0, 0.1, off, 0.03, 0.5, shared)
	}
	canary := [][]float64{podRow(r, n, start, 0.1, 0.01, 0.03, 0.5, shared)}
	d := analysis.Data{Canary: valueRows("canary-", canary), Stable: valueRows("stable-", stable)}
	res := New().judgeMetric(latencyMetric(), d, judgeSettings())
	if res.Classification != analysis.Pass {
		t.Fatalf("classification %s (%s), want Pass", res.Classification, res.Reason)
	}
	if e := float64(res.Estimate); math.Abs(e) > 0.06 {
		t.Errorf("time-matched estimate %+.3f, want within ±6%%", e)
	}
	// Pooling every stable sample of the window against the canary's sees
	// the shared ramp as a regression.
	var x, y []float64
	for _, p := range d.Canary[0].Points[2:] {
		x = append(x, p.V)
	}
	for _, s := range d.Stable {
		for _, p := range s.Points {
			y = append(y, p.V)
		}
	}
	if k := kayenta.Classify(x, y, analysis.Increase, false, kayenta.DefaultConfig()); k.Classification != analysis.High {
		t.Errorf("pooled Kayenta classification %s; the fixture should fool a pooled test", k.Classification)
	}
}

// TestOneVersusManyUsesBetweenPodSpread: a canary inside the range of the
// stable pods' persistent offsets passes and its rank says where it sits;
// one far outside fails and ranks highest.
func TestOneVersusManyUsesBetweenPodSpread(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		offset   float64
		want     analysis.Classification
		position int
	}{
		{"inside the spread", math.Log(1.08), analysis.Pass, 4},
		{"far outside", math.Log(1.8), analysis.High, 5},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(2, 2))
			n := 40
			stable := make([][]float64, 4)
			for k, off := range []float64{-0.12, -0.04, 0.04, 0.12} {
				stable[k] = podRow(r, n, 0, 0.1, off, 0.02, 0.3, flat)
			}
			canary := [][]float64{podRow(r, n, 25, 0.1, c.offset, 0.02, 0.3, flat)}
			d := analysis.Data{Canary: valueRows("canary-", canary), Stable: valueRows("stable-", stable)}
			res := New().judgeMetric(latencyMetric(), d, judgeSettings())
			if res.Classification != c.want {
				t.Fatalf("classification %s (%s), want %s", res.Classification, res.Reason, c.want)
			}
			rank := res.Evidence.Rank
			if rank == nil || rank.Position != c.position || rank.Of != 5 {
				t.Errorf("rank %+v, want position %d of 5", rank, c.position)
			}
			if !strings.Contains(res.Reason, rank.Text) {
				t.Errorf("reason %q does not say where the canary ranks (%q)", res.Reason, rank.Text)
			}
			if len(res.Evidence.Pods) != 5 || !res.Evidence.Pods[0].Canary {
				t.Errorf("pods evidence %+v, want the canary and 4 stable pods", res.Evidence.Pods)
			}
		})
	}
}

// TestAutocorrelationKeepsFalseAlarmsAtAlpha: with strongly autocorrelated
// noise (φ = 0.85 per step) a healthy canary fails at most about α of the
// time at one look, while a t-test that takes the samples as independent
// fails far more often.
func TestAutocorrelationKeepsFalseAlarmsAtAlpha(t *testing.T) {
	t.Parallel()
	const runs, alpha = 400, 0.05
	j := New()
	m := latencyMetric()
	m.PodSpread = 0.03
	s := analysis.Settings{Alpha: alpha, Looks: 1, Step: time.Minute}
	r := rand.New(rand.NewPCG(3, 3))
	failed, naive := 0, 0
	for range runs {
		n := 40
		stable := make([][]float64, 4)
		for k := range stable {
			stable[k] = podRow(r, n, 0, 0.1, 0.03*r.NormFloat64(), 0.08, 0.85, flat)
		}
		canary := [][]float64{podRow(r, n, 20, 0.1, 0.03*r.NormFloat64(), 0.08, 0.85, flat)}
		d := analysis.Data{Canary: valueRows("c-", canary), Stable: valueRows("s-", stable)}
		res := j.judgeMetric(m, d, s)
		if res.Classification.Failing() {
			failed++
		}
		// The naive test: one-sample t on the canary's log differences
		// from the stable mean, samples taken as independent.
		var diffs []float64
		for i := 20; i < n; i++ {
			var sm float64
			for k := range stable {
				sm += math.Log(stable[k][i])
			}
			diffs = append(diffs, math.Log(canary[0][i])-sm/4)
		}
		tt := stats.Mean(diffs) / math.Sqrt(stats.Variance(diffs)/float64(len(diffs)))
		if up, _ := stats.TTails(tt, float64(len(diffs)-1)); up <= alpha {
			naive++
		}
	}
	if rate := float64(failed) / runs; rate > alpha+3*math.Sqrt(alpha*(1-alpha)/runs) {
		t.Errorf("false-alarm rate %.3f with α = %g", rate, alpha)
	}
	if rate := float64(naive) / runs; rate < 3*alpha {
		t.Errorf("the naive independent-samples test fails %.3f of healthy canaries; the fixture should show its over-confidence", rate)
	}
}

// countRows builds count series from per-minute events and trials.
func countRows(prefix string, events, trials [][]float64) []analysis.CountSeries {
	out := make([]analysis.CountSeries, len(events))
	for r := range events {
		out[r].Pod = prefix + string(rune('a'+r))
		for i := range events[r] {
			if math.IsNaN(trials[r][i]) {
				continue
			}
			out[r].Points = append(out[r].Points, analysis.CountPoint{T: judgeT0 + int64(i)*60000, Events: events[r][i], Trials: trials[r][i]})
		}
	}
	return out
}

// spread puts total events over n steps (as evenly as whole numbers
// allow), NaN before start.
func spread(total float64, n, start int) []float64 {
	row := make([]float64, n)
	per := total / float64(n-start)
	acc := 0.0
	for i := range row {
		if i < start {
			row[i] = math.NaN()
			continue
		}
		next := math.Round(per * float64(i-start+1))
		row[i] = next - acc
		acc = next
	}
	return row
}

// TestCountsAreJudgedOnEvidence: 0 errors against 7 is judged from the
// counts (not from a NaN ratio), errors only in the canary fail, and too
// few requests give NotEnoughData with the numbers.
func TestCountsAreJudgedOnEvidence(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name                  string
		canaryErrs, canaryReq float64
		stableErrs, stableReq float64
		detectable            float64
		want                  analysis.Classification
		reason                []string
	}{
		{"7 canary errors where stable has none", 7, 600, 0, 5400, -1, analysis.High, []string{"canary 1.17% (7 of 600) vs stable 0% (0 of 2,700)", "events only in the canary"}},
		{"no canary error against 7", 0, 600, 7, 5400, -1, analysis.Pass, nil},
		{"one canary error where stable has none", 1, 600, 0, 5400, -1, analysis.Pass, nil},
		{"same ratio", 7, 600, 63, 5400, -1, analysis.Pass, nil},
		{"five times the ratio", 30, 2000, 54, 18000, 0, analysis.High, nil},
		{"enough requests to see five times", 6, 2000, 54, 18000, 0, analysis.Pass, nil},
		{"too few requests", 0, 37, 24, 8000, 0, analysis.NotEnoughData, []string{"37 trials", "needed to see a 5x change", "canary 0% (0 of 37) vs stable 0.30% (12 of 4,002)"}},
		// Against no stable event a relative change means nothing: the
		// reason names the ratio the canary could show against all the
		// stable pods' exposure in the window, and the counts (the stable
		// pods' at the canary's timestamps).
		{"one canary error in few requests where stable has none", 1, 200, 0, 5400, 0, analysis.NotEnoughData,
			[]string{"the stable pods had no events in 5,400 trials; the canary's 200 trials can reveal a ratio of 1.03%", "canary 0.50% (1 of 200) vs stable 0% (0 of 2,700)"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n, start := 20, 10
			ev := [][]float64{spread(c.canaryErrs, n, start)}
			tr := [][]float64{spread(c.canaryReq, n, start)}
			var sev, str [][]float64
			for range 3 {
				sev = append(sev, spread(c.stableErrs/3, n, 0))
				str = append(str, spread(c.stableReq/3, n, 0))
			}
			m := analysis.Metric{Name: "errors", Kind: analysis.KindRatio, Direction: analysis.Increase, Max: math.NaN(), Min: math.NaN(),
				DetectableChange: c.detectable}
			d := analysis.Data{CanaryCounts: countRows("c-", ev, tr), StableCounts: countRows("s-", sev, str)}
			s := judgeSettings()
			s.Warmup = 0
			res := New().judgeMetric(m, d, s)
			if res.Classification != c.want {
				t.Fatalf("classification %s (%s), want %s", res.Classification, res.Reason, c.want)
			}
			for _, want := range c.reason {
				if !strings.Contains(res.Reason, want) {
					t.Errorf("reason %q lacks %q", res.Reason, want)
				}
			}
			if float64(res.Canary.Events) != c.canaryErrs || float64(res.Canary.Trials) != c.canaryReq {
				t.Errorf("canary counts %v of %v, want %v of %v", res.Canary.Events, res.Canary.Trials, c.canaryErrs, c.canaryReq)
			}
		})
	}
}

// TestWarmupIsCutFromTheCanarysFirstSample: a canary much slower in its
// first three minutes looks like a regression unless the warm-up is cut;
// the evidence says what was cut.
func TestWarmupIsCutFromTheCanarysFirstSample(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(4, 4))
	n, start := 40, 28
	stable := make([][]float64, 4)
	for k, off := range []float64{-0.03, 0, 0.02, 0.04} {
		stable[k] = podRow(r, n, 0, 0.1, off, 0.02, 0.3, flat)
	}
	canary := podRow(r, n, start, 0.1, 0.01, 0.02, 0.3, flat)
	for i := start; i < start+3; i++ {
		canary[i] *= 3
	}
	d := analysis.Data{Canary: valueRows("canary-", [][]float64{canary}), Stable: valueRows("stable-", stable)}
	j := New()
	var p [2]float64
	for k, c := range []struct {
		warmup  time.Duration
		dropped int
	}{{3 * time.Minute, 3}, {0, 0}} {
		s := judgeSettings()
		s.Warmup = c.warmup
		res := j.judgeMetric(latencyMetric(), d, s)
		p[k] = float64(res.PValue)
		w := res.Evidence.Warmup
		if w.Dropped != c.dropped || w.Kept != n-start-c.dropped || w.Cut != c.warmup.String() {
			t.Errorf("warm-up %v: evidence %+v", c.warmup, w)
		}
		if w.CanaryStart != time.UnixMilli(judgeT0+int64(start)*60000).UTC().Format(time.RFC3339) {
			t.Errorf("canary start %q", w.CanaryStart)
		}
		// The cut ends the warm-up after the canary's first sample (none
		// without a warm-up).
		if want := int64(0); c.warmup > 0 {
			want = judgeT0 + int64(start)*60000 + c.warmup.Milliseconds()
			if res.WarmupEnd != want {
				t.Errorf("warm-up %v: WarmupEnd %d, want %d", c.warmup, res.WarmupEnd, want)
			}
		} else if res.WarmupEnd != want {
			t.Errorf("no warm-up: WarmupEnd %d, want 0", res.WarmupEnd)
		}
		if c.warmup > 0 && (res.Classification != analysis.Pass || math.Abs(float64(res.Estimate)) > 0.05) {
			t.Errorf("warm-up cut: %s (%s), want Pass near 0", res.Classification, res.Reason)
		}
		if c.warmup == 0 && float64(res.Estimate) < 0.25 {
			t.Errorf("no warm-up cut: estimate %+.3f, want the slow start to show", res.Estimate)
		}
	}
	if p[1] > p[0]/2 {
		t.Errorf("p-value %g without the cut, %g with it; the slow start should look more significant", p[1], p[0])
	}
	// A metric can override the warm-up.
	m := latencyMetric()
	none := time.Duration(0)
	m.Warmup = &none
	s := judgeSettings()
	s.Warmup = 3 * time.Minute
	if res := j.judgeMetric(m, d, s); res.Evidence.Warmup.Dropped != 0 {
		t.Errorf("metric warm-up override ignored: %+v", res.Evidence.Warmup)
	}
}

// budgetData returns a maker of 30 minutes of a latency metric: four stable
// pods and a 15-minute-old canary whose log level is off from theirs.
func budgetData(r *rand.Rand) func(off float64) analysis.Data {
	n, start := 30, 15
	return func(off float64) analysis.Data {
		stable := make([][]float64, 4)
		for k, o := range []float64{-0.03, 0, 0.02, 0.04} {
			stable[k] = podRow(r, n, 0, 0.1, o, 0.02, 0.3, flat)
		}
		canary := [][]float64{podRow(r, n, start, 0.1, off, 0.02, 0.3, flat)}
		return analysis.Data{Canary: valueRows("c-", canary), Stable: valueRows("s-", stable)}
	}
}

// TestLooksAndHolmShareTheBudget: each look spends Alpha/Looks, shared by
// Holm's procedure between all hypotheses of all metrics; the evidence
// says which look this is.
func TestLooksAndHolmShareTheBudget(t *testing.T) {
	t.Parallel()
	mk := budgetData(rand.New(rand.NewPCG(5, 5)))
	bad, good := latencyMetric(), latencyMetric()
	bad.Name, good.Name = "bad", "good"
	good.Max = 1
	in := []analysis.MetricInput{{Metric: bad, Data: mk(math.Log(2))}, {Metric: good, Data: mk(0)}}
	s := analysis.Settings{Alpha: 0.02, Looks: 4, Interval: 3 * time.Minute, Warmup: time.Minute, Step: time.Minute}
	res := New().judgeSet(in, s)
	if res[0].Classification != analysis.High || res[1].Classification != analysis.Pass {
		t.Fatalf("classifications %s, %s; want High, Pass (%s; %s)", res[0].Classification, res[1].Classification,
			res[0].Reason, res[1].Reason)
	}
	look := res[0].Evidence.Look
	if look.Of != 4 || float64(look.LookAlpha) != 0.005 || look.Hypotheses != 3 {
		t.Errorf("look evidence %+v; want 4 looks, 0.005 per look, 3 hypotheses", look)
	}
	// The canary is 15 minutes old: with looks every 3 minutes this is the
	// last of the 4 looks.
	if look.Look != 4 {
		t.Errorf("look number %d, want 4", look.Look)
	}
	// Both metrics weigh 1: "bad" has one test (weight 1), "good" two
	// (level and max, weight ½ each). The rejected hypothesis was tested
	// at 0.005·1/2; after it, good's tests share the look's budget: each
	// 0.005·½/1.
	if got := float64(res[0].Evidence.Tests[0].Alpha); !refdata.Close(got, 0.005/2) {
		t.Errorf("first Holm level %g, want %g", got, 0.005/2)
	}
	if got := float64(res[0].Evidence.Tests[0].Share); !refdata.Close(got, 0.5) {
		t.Errorf("share %g, want 0.5", got)
	}
	for _, te := range res[1].Evidence.Tests {
		if !refdata.Close(float64(te.Alpha), 0.005/2) || !refdata.Close(float64(te.Share), 0.25) {
			t.Errorf("%s level %g share %g, want %g and 0.25", te.Name, te.Alpha, te.Share, 0.005/2)
		}
	}
}

// TestBoundWeightSplitsAMetricsShare: with BoundWeight a metric's bound
// test takes that part of its weight and its relative test the rest,
// instead of an equal split; the weighted Holm levels follow.
func TestBoundWeightSplitsAMetricsShare(t *testing.T) {
	t.Parallel()
	mk := budgetData(rand.New(rand.NewPCG(5, 5)))
	bad, good := latencyMetric(), latencyMetric()
	bad.Name, good.Name = "bad", "good"
	good.Max, good.Weight, good.BoundWeight = 1, 2, 0.5
	in := []analysis.MetricInput{{Metric: bad, Data: mk(math.Log(2))}, {Metric: good, Data: mk(0)}}
	s := analysis.Settings{Alpha: 0.02, Looks: 4, Interval: 3 * time.Minute, Warmup: time.Minute, Step: time.Minute}
	res := New().judgeSet(in, s)
	if res[0].Classification != analysis.High || res[1].Classification != analysis.Pass {
		t.Fatalf("classifications %s, %s; want High, Pass (%s; %s)", res[0].Classification, res[1].Classification,
			res[0].Reason, res[1].Reason)
	}
	// The look's 0.005 goes 1/3 to "bad" and 2/3 to "good", whose level
	// test takes 1.5/2 of it and its bound 0.5/2. "bad" is rejected at
	// 0.005/3; then good's tests share the whole look: 0.005·¾ and 0.005·¼.
	want := []struct {
		level, share float64
	}{{0.005 * 0.75, 0.5}, {0.005 * 0.25, 1.0 / 6}}
	if got := float64(res[0].Evidence.Tests[0].Alpha); !refdata.Close(got, 0.005/3) {
		t.Errorf("bad's level %g, want %g", got, 0.005/3)
	}
	for i, te := range res[1].Evidence.Tests {
		if !refdata.Close(float64(te.Alpha), want[i].level) || !refdata.Close(float64(te.Share), want[i].share) {
			t.Errorf("%s level %g share %g, want %g and %g", te.Name, te.Alpha, te.Share, want[i].level, want[i].share)
		}
	}
}

// TestTooLittleDataIsNeverAPass: too few canary samples, or samples that
// could not reveal the required change, give NotEnoughData with numbers.
func TestTooLittleDataIsNeverAPass(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(6, 6))
	n := 30
	stable := make([][]float64, 3)
	for k, o := range []float64{-0.03, 0, 0.04} {
		stable[k] = podRow(r, n, 0, 0.1, o, 0.02, 0.3, flat)
	}
	j := New()
	t.Run("two samples after warm-up", func(t *testing.T) {
		canary := [][]float64{podRow(r, n, 26, 0.1, 0, 0.02, 0.3, flat)}
		d := analysis.Data{Canary: valueRows("c-", canary), Stable: valueRows("s-", stable)}
		res := j.judgeMetric(latencyMetric(), d, judgeSettings())
		if res.Classification != analysis.NotEnoughData || !strings.Contains(res.Reason, "2 sample(s)") || !strings.Contains(res.Reason, "3 needed") {
			t.Errorf("%s: %s", res.Classification, res.Reason)
		}
	})
	t.Run("very noisy samples", func(t *testing.T) {
		canary := [][]float64{podRow(r, n, 22, 0.1, 0, 1.2, 0, flat)}
		d := analysis.Data{Canary: valueRows("c-", canary), Stable: valueRows("s-", stable)}
		res := j.judgeMetric(latencyMetric(), d, judgeSettings())
		// The reason gives the power and, after it, what the canary showed.
		if res.Classification != analysis.NotEnoughData || !strings.Contains(res.Reason, "must be detectable: canary ") {
			t.Errorf("%s: %s", res.Classification, res.Reason)
		}
		if res.Evidence.Detectable == nil || res.Evidence.Detectable.Enough {
			t.Errorf("detectable evidence %+v", res.Evidence.Detectable)
		}
	})
}

// TestAbsoluteBounds: a canary above its bound fails whatever the stable
// pods do; one above it only within noise is NotEnoughData; ratios are
// bounded with an exact binomial test.
func TestAbsoluteBounds(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(7, 7))
	n := 30
	stable := make([][]float64, 4)
	for k, o := range []float64{-0.03, 0, 0.02, 0.04} {
		stable[k] = podRow(r, n, 0, 0.8, o, 0.02, 0.3, flat)
	}
	j := New()
	for _, c := range []struct {
		name  string
		level float64
		sigma float64
		want  analysis.Classification
	}{
		{"slow like everyone", 0.8, 0.02, analysis.High},
		{"near the bound", 0.6, 0.3, analysis.NotEnoughData},
		{"well below", 0.3, 0.02, analysis.Pass},
	} {
		t.Run(c.name, func(t *testing.T) {
			canary := [][]float64{podRow(r, n, 18, c.level, 0, c.sigma, 0, flat)}
			st := stable
			if c.level < 0.8 {
				st = make([][]float64, 4)
				for k := range st {
					st[k] = podRow(r, n, 0, c.level, 0.02*float64(k), c.sigma, 0, flat)
				}
			}
			m := latencyMetric()
			m.Max = 0.5
			res := j.judgeMetric(m, analysis.Data{Canary: valueRows("c-", canary), Stable: valueRows("s-", st)}, judgeSettings())
			if res.Classification != c.want {
				t.Errorf("classification %s (%s), want %s", res.Classification, res.Reason, c.want)
			}
		})
	}
	t.Run("error ratio above 1%", func(t *testing.T) {
		m := analysis.Metric{Name: "errors", Kind: analysis.KindRatio, Direction: analysis.Increase, Max: 0.01, Min: math.NaN(), DetectableChange: -1}
		d := analysis.Data{
			CanaryCounts: countRows("c-", [][]float64{spread(40, 20, 5)}, [][]float64{spread(1500, 20, 5)}),
			StableCounts: countRows("s-", [][]float64{spread(60, 20, 0), spread(55, 20, 0)}, [][]float64{spread(2000, 20, 0), spread(2000, 20, 0)}),
		}
		s := judgeSettings()
		s.Warmup = 0
		res := j.judgeMetric(m, d, s)
		if res.Classification != analysis.High || !strings.Contains(res.Reason, "canary ratio 2.67% (40 of 1,500) is above the bound 1%") {
			t.Errorf("%s: %s", res.Classification, res.Reason)
		}
	})
}

// TestKayentaFeatures covers direction, the tolerance gate, critical
// effect sizes, outlier removal and no data.
func TestKayentaFeatures(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(8, 8))
	n, start := 40, 20
	stable := make([][]float64, 5)
	for k, o := range []float64{-0.02, -0.01, 0, 0.01, 0.02} {
		stable[k] = podRow(r, n, 0, 0.1, o, 0.01, 0.2, flat)
	}
	data := func(off float64) analysis.Data {
		canary := [][]float64{podRow(r, n, start, 0.1, off, 0.01, 0.2, flat)}
		return analysis.Data{Canary: valueRows("c-", canary), Stable: valueRows("s-", stable)}
	}
	j := New()
	s := judgeSettings()
	metric := func(edit func(*analysis.Metric)) analysis.Metric {
		m := latencyMetric()
		m.PodSpread = 0.02
		edit(&m)
		return m
	}
	cases := []struct {
		name     string
		m        analysis.Metric
		d        analysis.Data
		want     analysis.Classification
		critical bool
	}{
		{"slower fails an increase metric", metric(func(*analysis.Metric) {}), data(math.Log(1.3)), analysis.High, false},
		{"faster passes an increase metric", metric(func(*analysis.Metric) {}), data(math.Log(0.7)), analysis.Pass, false},
		{"faster fails a decrease metric", metric(func(m *analysis.Metric) { m.Direction = analysis.Decrease }), data(math.Log(0.7)), analysis.Low, false},
		{"either catches both", metric(func(m *analysis.Metric) { m.Direction = analysis.Either }), data(math.Log(0.7)), analysis.Low, false},
		{"within the tolerance", metric(func(m *analysis.Metric) { m.Tolerance = 0.5 }), data(math.Log(1.3)), analysis.Pass, false},
		{"CLES gate", metric(func(m *analysis.Metric) { m.EffectMeasure = analysis.EffectCLES; m.AllowedIncrease = 0.99 }), data(math.Log(1.05)), analysis.Pass, false},
		{"critical effect size", metric(func(m *analysis.Metric) { m.CriticalIncrease = 1.2 }), data(math.Log(1.3)), analysis.High, true},
		{"critical metric", metric(func(m *analysis.Metric) { m.Critical = true }), data(0), analysis.Pass, true},
		// A canary without samples where the stable pods have some is too
		// young (or down): NotEnoughData, unless the rule says noData: fail.
		{"no canary data", metric(func(*analysis.Metric) {}), analysis.Data{Stable: valueRows("s-", stable)}, analysis.NotEnoughData, false},
		{"no canary data, noData fail", metric(func(m *analysis.Metric) { m.NoData = analysis.NoDataFail }), analysis.Data{Stable: valueRows("s-", stable)}, analysis.NoData, false},
		{"no stable data", metric(func(*analysis.Metric) {}), analysis.Data{Canary: data(0).Canary}, analysis.NoData, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := j.judgeMetric(c.m, c.d, s)
			if res.Classification != c.want || res.Critical != c.critical {
				t.Errorf("classification %s critical %v (%s), want %s critical %v", res.Classification, res.Critical,
					res.Reason, c.want, c.critical)
			}
		})
	}
	t.Run("outliers removed", func(t *testing.T) {
		d := data(0)
		pts := d.Canary[0].Points
		pts[len(pts)-1].V *= 20 // one wild sample
		keep := metric(func(*analysis.Metric) {})
		remove := metric(func(m *analysis.Metric) { m.Outliers = analysis.OutliersRemove })
		a, b := j.judgeMetric(keep, d, s), j.judgeMetric(remove, d, s)
		if b.Evidence.Pods[0].Points != a.Evidence.Pods[0].Points-1 {
			t.Errorf("outlier removal kept %d of %d samples", b.Evidence.Pods[0].Points, a.Evidence.Pods[0].Points)
		}
		if math.Abs(float64(b.Estimate)) >= math.Abs(float64(a.Estimate)) {
			t.Errorf("estimate %g with the outlier, %g without", a.Estimate, b.Estimate)
		}
	})
}

// TestTrendCatchesALeak: a fresh canary whose memory starts below the
// stable pods and grows fails on its trend before its level is above
// theirs; the same canary without the leak passes.
func TestTrendCatchesALeak(t *testing.T) {
	t.Parallel()
	for _, leak := range []bool{true, false} {
		r := rand.New(rand.NewPCG(9, 9))
		// A leak counts once the canary's level has passed every stable
		// pod's (holdFillUp): here after about eight minutes.
		n, start := 60, 40
		stable := make([][]float64, 4)
		for k, o := range []float64{-0.08, -0.02, 0.03, 0.07} {
			stable[k] = podRow(r, n, 0, 256, o, 0.01, 0.9, flat)
		}
		canary := podRow(r, n, start, 256*0.85, 0, 0.01, 0.9, flat)
		if leak {
			for i := start; i < n; i++ {
				canary[i] += 8 * float64(i-start)
			}
		}
		m := analysis.Metric{Name: "memory", Kind: analysis.KindValue, Direction: analysis.Increase, Max: math.NaN(), Min: math.NaN(),
			Trend: true, TrendTolerance: 1}
		res := New().judgeMetric(m, analysis.Data{Canary: valueRows("c-", [][]float64{canary}), Stable: valueRows("s-", stable)}, judgeSettings())
		want := analysis.Pass
		if leak {
			want = analysis.High
		}
		if res.Classification != want {
			t.Errorf("leak %v: classification %s (%s), want %s", leak, res.Classification, res.Reason, want)
		}
		if leak && !strings.Contains(res.Reason, "per hour") {
			t.Errorf("leak: reason %q does not name the trend", res.Reason)
		}
	}
}

// TestDegenerateInputs: NaN values, identical data, one stable pod, a
// single canary sample and empty input never panic, never pass without
// data, and encode to JSON.
func TestDegenerateInputs(t *testing.T) {
	t.Parallel()
	n := 20
	const2 := func(v float64, start int) []float64 {
		row := make([]float64, n)
		for i := range row {
			row[i] = v
			if i < start {
				row[i] = math.NaN()
			}
		}
		return row
	}
	j := New()
	cases := []struct {
		name string
		d    analysis.Data
		edit func(*Judge)
		want analysis.Classification
	}{
		{"identical values", analysis.Data{Canary: valueRows("c-", [][]float64{const2(5, 10)}),
			Stable: valueRows("s-", [][]float64{const2(5, 0), const2(5, 0), const2(5, 0)})}, nil, analysis.Pass},
		{"all zero", analysis.Data{Canary: valueRows("c-", [][]float64{const2(0, 10)}),
			Stable: valueRows("s-", [][]float64{const2(0, 0), const2(0, 0)})}, nil, analysis.Pass},
		{"zero baseline, canary above", analysis.Data{Canary: valueRows("c-", [][]float64{const2(3, 10)}),
			Stable: valueRows("s-", [][]float64{const2(0, 0), const2(0, 0)})}, nil, analysis.High},
		{"one stable pod", analysis.Data{Canary: valueRows("c-", [][]float64{const2(5, 10)}),
			Stable: valueRows("s-", [][]float64{const2(5, 0)})}, nil, analysis.Pass},
		{"only NaN in the canary", analysis.Data{Canary: []analysis.Series{{Pod: "c", Points: []analysis.Point{{T: judgeT0, V: math.NaN()}}}},
			Stable: valueRows("s-", [][]float64{const2(5, 0)})}, nil, analysis.NotEnoughData},
		{"one canary sample", analysis.Data{Canary: valueRows("c-", [][]float64{const2(5, n-1)}),
			Stable: valueRows("s-", [][]float64{const2(5, 0), const2(5.5, 0)})}, func(j *Judge) { j.MinPoints = 1 }, analysis.Pass},
		{"nothing at all", analysis.Data{}, nil, analysis.NoData},
		{"no count data", analysis.Data{CanaryCounts: []analysis.CountSeries{}, StableCounts: []analysis.CountSeries{{Pod: "s"}}}, nil, analysis.NoData},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			jj := *j
			if c.edit != nil {
				c.edit(&jj)
			}
			m := latencyMetric()
			if c.d.CanaryCounts != nil {
				m.Kind = analysis.KindRatio
			}
			s := judgeSettings()
			s.Warmup = 0
			res := jj.judgeMetric(m, c.d, s)
			if res.Classification != c.want {
				t.Errorf("classification %s (%s), want %s", res.Classification, res.Reason, c.want)
			}
			if res.Reason == "" {
				t.Error("empty reason")
			}
		})
	}
}

// TestJudgeAllScores: Judge turns the classifications into Kayenta's
// weighted score and a verdict; a failing critical metric fails the run
// and NotEnoughData keeps a good score from being Successful.
func TestJudgeAllScores(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(10, 10))
	n, start := 30, 15
	mk := func(off float64, canaryStart int) analysis.Data {
		stable := make([][]float64, 4)
		for k, o := range []float64{-0.03, 0, 0.02, 0.04} {
			stable[k] = podRow(r, n, 0, 0.1, o, 0.02, 0.3, flat)
		}
		canary := [][]float64{podRow(r, n, canaryStart, 0.1, off, 0.02, 0.3, flat)}
		return analysis.Data{Canary: valueRows("c-", canary), Stable: valueRows("s-", stable)}
	}
	named := func(name string, critical bool, weight float64) analysis.Metric {
		m := latencyMetric()
		m.Name, m.Critical, m.Weight = name, critical, weight
		return m
	}
	opt := analysis.ScoreOptions{Thresholds: analysis.Thresholds{Pass: 95, Marginal: 75}}
	j := New()
	s := judgeSettings()
	cases := []struct {
		name string
		in   []analysis.MetricInput
		want analysis.Verdict
	}{
		{"all healthy", []analysis.MetricInput{{Metric: named("a", false, 1), Data: mk(0, start)}, {Metric: named("b", false, 1), Data: mk(0, start)}}, analysis.Successful},
		{"critical regression", []analysis.MetricInput{{Metric: named("a", true, 1), Data: mk(math.Log(2), start)}, {Metric: named("b", false, 3), Data: mk(0, start)}}, analysis.Failed},
		{"light regression on a light metric", []analysis.MetricInput{{Metric: named("a", false, 1), Data: mk(math.Log(2), start)},
			{Metric: named("b", false, 9), Data: mk(0, start)}}, analysis.Inconclusive},
		{"not enough data", []analysis.MetricInput{{Metric: named("a", false, 1), Data: mk(0, start)}, {Metric: named("b", false, 1), Data: mk(0, n-2)}}, analysis.Inconclusive},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep := judgeAll(j, c.in, s, opt.Thresholds)
			if rep.Verdict != c.want {
				t.Errorf("verdict %s (%s), want %s", rep.Verdict, rep.Reason, c.want)
			}
			if len(rep.Metrics) != len(c.in) {
				t.Errorf("%d metric results for %d metrics", len(rep.Metrics), len(c.in))
			}
		})
	}
	t.Run("a signatures metric is judged on its lines, outside the others' budget", func(t *testing.T) {
		logs := analysis.LogData{CanaryPods: []string{"c-a"}, StablePods: []string{"s-a", "s-b", "s-c", "s-d"}}
		for i := range 12 {
			logs.Canary = append(logs.Canary, analysis.LogLine{Pod: "c-a", T: judgeT0 + int64(i)*60000, Line: "[core:error] AH00037: symlink refused"})
		}
		sig := analysis.Metric{Name: "log-signatures", Kind: analysis.KindSignatures, Weight: 1}
		alone := judgeAll(j, []analysis.MetricInput{{Metric: named("a", false, 1), Data: mk(0, start)}}, s, opt.Thresholds)
		rep := judgeAll(j, []analysis.MetricInput{{Metric: named("a", false, 1), Data: mk(0, start)},
			{Metric: sig, Data: analysis.Data{Logs: logs}}}, s, opt.Thresholds)
		if got := rep.Metrics[1]; got.Classification != analysis.High || !strings.Contains(got.Reason, "new log signature") {
			t.Errorf("signatures metric %s: %s", got.Classification, got.Reason)
		}
		if len(rep.Failed) != 1 || rep.Failed[0] != "log-signatures" {
			t.Errorf("failed %v", rep.Failed)
		}
		if a, b := alone.Metrics[0].Evidence.Look, rep.Metrics[0].Evidence.Look; a != b {
			t.Errorf("the other metric's look %+v, alone %+v: the signatures metric must not share its budget", b, a)
		}
	})
}

// TestSuspectLevel: a canary with about three times the stable pods' error
// ratio whose test is below 5% but not below its Holm level passes by
// default, saying how close it came; with Settings.SuspectLevel above its
// p-value it is Suspect with the numbers, never High, and the verdict at
// most Inconclusive; below its p-value nothing changes. A canary inside its tolerance is never suspect.
func TestSuspectLevel(t *testing.T) {
	t.Parallel()
	n := 20
	judge := func(canaryErrs, suspect float64) analysis.MetricResult {
		ev := [][]float64{spread(canaryErrs, n, 0)}
		tr := [][]float64{spread(1000, n, 0)}
		var sev, str [][]float64
		for range 3 {
			sev = append(sev, spread(10, n, 0))
			str = append(str, spread(3000, n, 0))
		}
		m := analysis.Metric{Name: "errors", Kind: analysis.KindRatio, Direction: analysis.Increase, Max: math.NaN(), Min: math.NaN(), Tolerance: 0.5}
		d := analysis.Data{CanaryCounts: countRows("c-", ev, tr), StableCounts: countRows("s-", sev, str)}
		s := judgeSettings()
		s.Warmup = 0
		s.SuspectLevel = suspect
		return New().judgeMetric(m, d, s)
	}
	base := judge(10, 0)
	if base.Classification != analysis.Pass || base.Evidence == nil || len(base.Evidence.Tests) == 0 {
		t.Fatalf("without a suspect level: %s (%s), want Pass", base.Classification, base.Reason)
	}
	p, level := float64(base.Evidence.Tests[0].PValue), float64(base.Evidence.Tests[0].Alpha)
	if !(p > level && p < 0.05) || !base.Evidence.Tests[0].Gate {
		t.Fatalf("fixture: p = %g, level %g, gate %v; want level < p < 0.05 beyond the tolerance", p, level, base.Evidence.Tests[0].Gate)
	}
	// A Pass this close to the line says how close.
	if want := "closest to failing: level test p = " + fmtP(p) + " against its level " + fmtP(level); !strings.Contains(base.Reason, want) {
		t.Errorf("Pass at p = %g: %q lacks %q", p, base.Reason, want)
	}
	got := judge(10, 2*p)
	if got.Classification != analysis.Suspect || !strings.HasPrefix(got.Reason, "Suspect: ") || !strings.Contains(got.Reason, fmtP(p)) {
		t.Errorf("suspect level %g: %s (%s), want Suspect naming p = %s", 2*p, got.Classification, got.Reason, fmtP(p))
	}
	// A suspect metric keeps the verdict from Successful, as NotEnoughData
	// does, and never fails it.
	m := analysis.Metric{Name: "errors", Critical: true}
	if rep := analysis.Score([]analysis.Metric{m}, []analysis.MetricResult{got}, analysis.ScoreOptions{Thresholds: analysis.Thresholds{Pass: 90, Marginal: 60}}); rep.Verdict != analysis.Inconclusive || len(rep.Failed) != 0 {
		t.Errorf("a Suspect critical metric: %s, failed %v (%s), want Inconclusive", rep.Verdict, rep.Failed, rep.Reason)
	}
	if got := judge(10, p/2); got.Classification != analysis.Pass {
		t.Errorf("suspect level %g below p: %s (%s), want Pass", p/2, got.Classification, got.Reason)
	}
	// The stable pods' own ratio: nothing to suspect at any level.
	if got := judge(1, 0.2); got.Classification != analysis.Pass {
		t.Errorf("a canary at the stable ratio with suspect level 0.2: %s (%s), want Pass", got.Classification, got.Reason)
	}
}

// judgeMetric judges one metric alone: the look's budget is shared only
// between its own hypotheses.
func (j *Judge) judgeMetric(m analysis.Metric, d analysis.Data, s analysis.Settings) analysis.MetricResult {
	return j.judgeSet([]analysis.MetricInput{{Metric: m, Data: d}}, s)[0]
}

// judgeAll judges in through the entry point, as the engine hands it over:
// with the pods the data names.
func judgeAll(j *Judge, in []analysis.MetricInput, s analysis.Settings, th analysis.Thresholds) analysis.Report {
	input := analysis.Input{Metrics: in, Settings: s, Thresholds: th}
	canary, stable := map[string]bool{}, map[string]bool{}
	for _, mi := range in {
		for _, ss := range mi.Data.Canary {
			canary[ss.Pod] = true
		}
		for _, ss := range mi.Data.CanaryCounts {
			canary[ss.Pod] = true
		}
		for _, ss := range mi.Data.Stable {
			stable[ss.Pod] = true
		}
		for _, ss := range mi.Data.StableCounts {
			stable[ss.Pod] = true
		}
	}
	for p := range canary {
		input.CanaryPods = append(input.CanaryPods, p)
	}
	for p := range stable {
		input.StablePods = append(input.StablePods, p)
	}
	return j.Judge(input)
}
