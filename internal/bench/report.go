package bench

import (
	"fmt"
	"io"
	"math"
	"sort"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/canary-analyzer/canary-analyzer/analysis/stats"
	"github.com/canary-analyzer/canary-analyzer/analysisrun"
	"github.com/canary-analyzer/canary-analyzer/internal/scenario"
)

// DetectBy is the canary age by which large regressions must be caught.
const DetectBy = 10 * time.Minute

// Class sorts the families by what the benchmark expects of them.
type Class string

// Classes of families.
const (
	// ClassHealthy: a healthy canary; any Failed is a false alarm and the
	// run should end Successful.
	ClassHealthy Class = "healthy"
	// ClassQuiet: a healthy canary on a service too quiet to judge in ten
	// minutes; Inconclusive is the honest outcome, Failed a false alarm.
	ClassQuiet Class = "quiet"
	// ClassLarge: a regression large against the pod-to-pod spread, to be
	// detected by DetectBy.
	ClassLarge Class = "large"
	// ClassSubtle: a regression comparable to one pod's own luck; its
	// detection is reported next to the best possible.
	ClassSubtle Class = "subtle"
)

// classes names the class of each benchmark family.
var classes = map[string]Class{
	"healthy-quiet": ClassQuiet,
	"latency-10":    ClassSubtle, "latency-25": ClassSubtle, "errors-x2": ClassSubtle,
	"latency-50": ClassLarge, "errors-x5": ClassLarge, "errors-new": ClassLarge, "not-found-burst": ClassLarge,
	"cpu-50": ClassLarge, "memory-leak": ClassLarge, "crash-loop": ClassLarge,
}

// ClassOf returns a family's class (healthy families not named are
// ClassHealthy, regressions not named ClassLarge).
func ClassOf(family string, healthy bool) Class {
	if c, ok := classes[family]; ok {
		return c
	}
	if healthy {
		return ClassHealthy
	}
	return ClassLarge
}

// Stats counts one judge's runs of one family.
type Stats struct {
	Runs int
	// Successful, Inconclusive, Failed count run outcomes.
	Successful, Inconclusive, Failed int
	// DetectedBy counts runs Failed at a look no later than DetectBy.
	DetectedBy int
	// DetectAges are the canary ages at which runs failed.
	DetectAges []time.Duration
}

// MedianDetect is the median age at which the runs failed (0 if none).
func (s Stats) MedianDetect() time.Duration {
	if len(s.DetectAges) == 0 {
		return 0
	}
	a := append([]time.Duration(nil), s.DetectAges...)
	sort.Slice(a, func(i, j int) bool { return a[i] < a[j] })
	return a[len(a)/2]
}

func (s *Stats) add(o Stats) {
	s.Runs += o.Runs
	s.Successful += o.Successful
	s.Inconclusive += o.Inconclusive
	s.Failed += o.Failed
	s.DetectedBy += o.DetectedBy
	s.DetectAges = append(s.DetectAges, o.DetectAges...)
}

// Row summarises one family: each judge's runs and the best possible
// detection.
type Row struct {
	Family  string
	Healthy bool
	Class   Class
	// Judges holds the runs of each judge (JudgeOurs, JudgeBaseline).
	Judges map[string]*Stats
	// BestPossible is the mean over the family's instances of
	// BestPossible (by DetectBy at OracleAlpha); NaN when not computed.
	BestPossible float64
	// BestAtShare is the same at the false-alarm rate the rule set gives
	// the metric that sees the regression (Budget); NaN when not computed.
	BestAtShare float64
	// BestWithData is the mean of BestWithData at the level the judge had
	// for that metric at the look at DetectBy; NaN when not computed.
	BestWithData float64
	// BestTogether is the mean of BestWithDataTogether (CPU regressions
	// only; NaN otherwise): the limit of a judge whose CPU spread assumes
	// the idle and per-request parts move together, as the shipped one's.
	BestTogether float64
	// BestWithoutIdle is the mean of BestPossibleWithoutIdle (CPU
	// regressions only; NaN otherwise): the bound for a judge that divides
	// CPU by requests without estimating the idle CPU. The shipped judge
	// estimates it (a load model), so BestPossible is its bound.
	BestWithoutIdle float64
}

// Summarize groups results by family (in scenario.Families order) and
// judge; b gives the oracle's budgets for BestAtShare and BestWithData
// (the zero Budget: not computed).
func Summarize(results []Result, l analysisrun.Limits, b Budget) []Row {
	levels := lastLookLevels(results, l)
	order := map[string]int{}
	for i, f := range append(scenario.Families(), scenario.MisfitFamilies()...) {
		order[f.Name] = i
	}
	rows := map[string]*Row{}
	// The oracles' values per family: the whole α, the metric's share of
	// it, the judge's level with the data, the same for the judge's CPU
	// model, and CPU without the idle part.
	oracle, atShare, withData, together, noIdle := map[string][]float64{}, map[string][]float64{}, map[string][]float64{},
		map[string][]float64{}, map[string][]float64{}
	seen := map[string]map[string]bool{}
	for _, r := range results {
		row := rows[r.Truth.Name]
		if row == nil {
			row = &Row{Family: r.Truth.Name, Healthy: r.Truth.Healthy, Class: ClassOf(r.Truth.Name, r.Truth.Healthy),
				Judges: map[string]*Stats{}, BestPossible: math.NaN(), BestAtShare: math.NaN(), BestWithData: math.NaN(), BestTogether: math.NaN(), BestWithoutIdle: math.NaN()}
			rows[r.Truth.Name] = row
			seen[r.Truth.Name] = map[string]bool{}
		}
		if !r.Truth.Healthy && hasOracle(r.Truth) && !seen[r.Truth.Name][r.Truth.Namespace] {
			seen[r.Truth.Name][r.Truth.Namespace] = true
			if p := BestPossible(r.Truth, DetectBy, OracleAlpha); !math.IsNaN(p) {
				oracle[r.Truth.Name] = append(oracle[r.Truth.Name], p)
			}
			m := oracleMetric(r.Truth.Effects)
			if a := b.alpha(m); !math.IsNaN(a) {
				if p := BestPossible(r.Truth, DetectBy, a); !math.IsNaN(p) {
					atShare[r.Truth.Name] = append(atShare[r.Truth.Name], p)
				}
			}
			if level, ok := levels[m]; ok {
				if p := BestWithData(r.Truth, DetectBy, b.Window[m], level); !math.IsNaN(p) {
					withData[r.Truth.Name] = append(withData[r.Truth.Name], p)
				}
				if p := BestWithDataTogether(r.Truth, DetectBy, b.Window[m], level); !math.IsNaN(p) {
					together[r.Truth.Name] = append(together[r.Truth.Name], p)
				}
			}
			if p := BestPossibleWithoutIdle(r.Truth, OracleAlpha); !math.IsNaN(p) {
				noIdle[r.Truth.Name] = append(noIdle[r.Truth.Name], p)
			}
		}
		st := row.Judges[r.Judge]
		if st == nil {
			st = &Stats{}
			row.Judges[r.Judge] = st
		}
		st.Runs++
		switch r.Run.Phase {
		case analysisrun.PhaseSuccessful:
			st.Successful++
		case analysisrun.PhaseInconclusive:
			st.Inconclusive++
		case analysisrun.PhaseFailed:
			st.Failed++
			at := r.DetectedAt(l)
			st.DetectAges = append(st.DetectAges, at)
			if at <= DetectBy {
				st.DetectedBy++
			}
		}
	}
	out := make([]Row, 0, len(rows))
	for name, r := range rows {
		r.BestPossible, r.BestAtShare, r.BestWithoutIdle = stats.Mean(oracle[name]), stats.Mean(atShare[name]), stats.Mean(noIdle[name])
		r.BestWithData, r.BestTogether = stats.Mean(withData[name]), stats.Mean(together[name])
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool { return order[out[i].Family] < order[out[j].Family] })
	return out
}

// hasOracle reports whether the oracles are asked about an instance: every
// base instance, and a misfit family's (a World) when it has one
// regression (the oracles bound one effect at a time). Each oracle returns
// NaN for what it does not model: in a World, BestPossible models restarts,
// latency, 5xx and CPU that is linear in load and unlimited; BestWithData
// only restarts; BestWithDataTogether and BestPossibleWithoutIdle nothing.
func hasOracle(t scenario.Truth) bool {
	return t.World == nil || len(t.Effects.Regressions()) == 1
}

// UpperBound95 is the one-sided 95% Clopper-Pearson upper bound of a rate
// seen x times in n runs.
func UpperBound95(x, n int) float64 {
	if n == 0 || x >= n {
		return 1
	}
	return distuv.Beta{Alpha: float64(x + 1), Beta: float64(n - x)}.Quantile(0.95)
}

// Interval95 is the two-sided 95% Clopper-Pearson interval of a rate seen
// x times in n runs.
func Interval95(x, n int) (lo, hi float64) {
	if n == 0 {
		return 0, 1
	}
	lo, hi = 0, 1
	if x > 0 {
		lo = distuv.Beta{Alpha: float64(x), Beta: float64(n - x + 1)}.Quantile(0.025)
	}
	if x < n {
		hi = distuv.Beta{Alpha: float64(x + 1), Beta: float64(n - x)}.Quantile(0.975)
	}
	return lo, hi
}

func pct(x, n int) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f%%", 100*float64(x)/float64(n))
}

// pctCI formats a rate with its 95% interval, "95% (86-99)".
func pctCI(x, n int) string {
	if n == 0 {
		return "-"
	}
	lo, hi := Interval95(x, n)
	return fmt.Sprintf("%s (%.0f-%.0f)", pct(x, n), 100*lo, 100*hi)
}

// countCI formats a rate with its count and 95% interval,
// "498 of 500 = 99.6% (98.6-100.0)".
func countCI(x, n int) string {
	if n == 0 {
		return "-"
	}
	lo, hi := Interval95(x, n)
	return fmt.Sprintf("%d of %d = %.1f%% (%.1f-%.1f)", x, n, 100*float64(x)/float64(n), 100*lo, 100*hi)
}

// outcomes formats "Successful / Inconclusive / Failed".
func outcomes(s *Stats) string {
	if s == nil {
		return "-"
	}
	return fmt.Sprintf("%s / %s / %s", pct(s.Successful, s.Runs), pct(s.Inconclusive, s.Runs), pct(s.Failed, s.Runs))
}

// detection formats the share of runs failed by DetectBy with its interval.
func detection(s *Stats) string {
	if s == nil {
		return "-"
	}
	return pctCI(s.DetectedBy, s.Runs)
}

// medianDetect formats the median time to detect.
func medianDetect(s *Stats) string {
	if s == nil {
		return "-"
	}
	if m := s.MedianDetect(); m > 0 {
		return fmt.Sprintf("%.0f min", m.Minutes())
	}
	return "-"
}

// percentOrDash formats a probability as a whole percentage, "-" for NaN.
func percentOrDash(p float64) string {
	if math.IsNaN(p) {
		return "-"
	}
	return fmt.Sprintf("%.0f%%", 100*p)
}

// WriteMarkdown prints the per-family table (both judges side by side and
// the best possible detection) and the totals. The column of BestWithData
// is left out when no row has it (the log families).
func WriteMarkdown(w io.Writer, rows []Row) {
	withData := false
	for _, r := range rows {
		withData = withData || !math.IsNaN(r.BestWithData)
	}
	head := "| family | class | runs | canary: Successful / Inconclusive / Failed | canary: detected by 10 min (95% CI) | canary: median time to detect | " +
		"kayenta: Successful / Inconclusive / Failed | kayenta: detected by 10 min (95% CI) | kayenta: median time to detect | " +
		"best possible by 10 min | best possible at the metric's share of α |"
	rule := "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	if withData {
		head += " best possible with the judge's level and data |"
		rule += "---:|"
	}
	fmt.Fprintln(w, head)
	fmt.Fprintln(w, rule)
	for _, r := range rows {
		ours, base := r.Judges[JudgeOurs], r.Judges[JudgeBaseline]
		runs := 0
		if ours != nil {
			runs = ours.Runs
		}
		det, med, bdet, bmed, best, share, data := "", "", "", "", "", "", ""
		if !r.Healthy {
			det, med, bdet, bmed = detection(ours), medianDetect(ours), detection(base), medianDetect(base)
			best, share, data = percentOrDash(r.BestPossible), percentOrDash(r.BestAtShare), percentOrDash(r.BestWithData)
		}
		fmt.Fprintf(w, "| %s | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s |", r.Family, r.Class, runs,
			outcomes(ours), det, med, outcomes(base), bdet, bmed, best, share)
		if withData {
			fmt.Fprintf(w, " %s |", data)
		}
		fmt.Fprintln(w)
	}
	for _, r := range rows {
		if !math.IsNaN(r.BestTogether) {
			fmt.Fprintf(w, "\n%s: the last column's judge knows that a pod's idle CPU and CPU per request vary independently, as the generator draws "+
				"them; the shipped judge's one spread assumes they move together (a slow node is slow at both), and a judge with that "+
				"assumption could reach at most %.0f%% with the same level and data (BestWithDataTogether).\n", r.Family, 100*r.BestTogether)
		}
		if !math.IsNaN(r.BestWithoutIdle) {
			fmt.Fprintf(w, "\n%s: the best possible column knows the service's idle CPU; the shipped judge estimates it from the stable pods' "+
				"CPU against their load. A judge that neither knows nor estimates it (CPU per request) could reach at most %.0f%% "+
				"(BestPossibleWithoutIdle).\n", r.Family, 100*r.BestWithoutIdle)
		}
	}
	fmt.Fprintln(w)
	writeTotals(w, rows)
}

// writeTotals prints the totals per judge.
func writeTotals(w io.Writer, rows []Row) {
	total := func(judge string, keep func(Row) bool) Stats {
		var s Stats
		for _, r := range rows {
			if st := r.Judges[judge]; st != nil && keep(r) {
				s.add(*st)
			}
		}
		return s
	}
	// bestOf averages the oracles over the runs of the families kept: the
	// whole of α, the metric's share of it, the judge's level with its data.
	// Each is the mean over the runs of the families it models; where they
	// model different runs (the misfit families: the data bound models
	// restarts only) each says over how many.
	bestOf := func(keep func(Row) bool) string {
		mean := func(get func(Row) float64) (float64, int) {
			var s float64
			n := 0
			for _, r := range rows {
				if st := r.Judges[JudgeOurs]; keep(r) && st != nil && !math.IsNaN(get(r)) {
					s += get(r) * float64(st.Runs)
					n += st.Runs
				}
			}
			if n == 0 {
				return math.NaN(), 0
			}
			return s / float64(n), n
		}
		runs := 0
		for _, r := range rows {
			if st := r.Judges[JudgeOurs]; keep(r) && st != nil {
				runs += st.Runs
			}
		}
		all, modelled := mean(func(r Row) float64 { return r.BestPossible })
		if math.IsNaN(all) {
			return "-"
		}
		type part struct {
			label string
			p     float64
			n     int
		}
		var parts []part
		for _, c := range []struct {
			label string
			get   func(Row) float64
		}{
			{"at the metrics' shares of α", func(r Row) float64 { return r.BestAtShare }},
			{"with the judge's levels and data", func(r Row) float64 { return r.BestWithData }},
		} {
			if p, n := mean(c.get); !math.IsNaN(p) {
				parts = append(parts, part{c.label, p, n})
			}
		}
		same := true
		for _, pt := range parts {
			same = same && pt.n == modelled
		}
		out := percentOrDash(all)
		cover := ""
		if modelled < runs {
			cover = fmt.Sprintf(" (the %d of %d runs whose family has an oracle)", modelled, runs)
		}
		if !same {
			out += cover
		}
		for _, pt := range parts {
			out += fmt.Sprintf("; %s: %s", pt.label, percentOrDash(pt.p))
			if !same && pt.n != modelled {
				out += fmt.Sprintf(" (the %d runs whose family it models)", pt.n)
			}
		}
		if same {
			out += cover
		}
		return out
	}
	healthy := func(r Row) bool { return r.Healthy }
	normal := func(r Row) bool { return r.Class == ClassHealthy }
	quiet := func(r Row) bool { return r.Class == ClassQuiet }
	large := func(r Row) bool { return r.Class == ClassLarge }
	subtle := func(r Row) bool { return r.Class == ClassSubtle }

	fmt.Fprintln(w, "| total | canary | kayenta | best possible |")
	fmt.Fprintln(w, "|---|---:|---:|---:|")
	row := func(name string, keep func(Row) bool, f func(Stats) string, best string) {
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", name, f(total(JudgeOurs, keep)), f(total(JudgeBaseline, keep)), best)
	}
	row("false alarms per run, all healthy families (95% upper bound)", healthy, func(s Stats) string {
		if s.Runs == 0 {
			return "-"
		}
		return fmt.Sprintf("%d of %d = %.1f%% (≤ %.1f%%)", s.Failed, s.Runs, 100*float64(s.Failed)/float64(s.Runs), 100*UpperBound95(s.Failed, s.Runs))
	}, "")
	row("healthy runs Successful, quiet service excluded (95% CI)", normal, func(s Stats) string {
		return countCI(s.Successful, s.Runs)
	}, "")
	row("quiet service: Successful / Inconclusive / Failed", quiet, func(s Stats) string { return outcomes(&s) }, "")
	row("large regressions detected by 10 min (95% CI)", large, func(s Stats) string { return countCI(s.DetectedBy, s.Runs) }, bestOf(large))
	row("large regressions: median time to detect", large, func(s Stats) string { return medianDetect(&s) }, "")
	// Youden's J: detections beyond what the judge says of healthy
	// canaries anyway (a judge that fails everything scores 0).
	youden := func(judge string, keep func(Row) bool) string {
		d, h := total(judge, keep), total(judge, healthy)
		if d.Runs == 0 || h.Runs == 0 {
			return "-"
		}
		return fmt.Sprintf("%.1f%%", 100*(float64(d.DetectedBy)/float64(d.Runs)-float64(h.Failed)/float64(h.Runs)))
	}
	fmt.Fprintf(w, "| large regressions: detected minus false alarms (Youden's J) | %s | %s | |\n", youden(JudgeOurs, large), youden(JudgeBaseline, large))
	row("subtle regressions detected by 10 min (95% CI)", subtle, func(s Stats) string { return countCI(s.DetectedBy, s.Runs) }, bestOf(subtle))
	fmt.Fprintf(w, "| subtle regressions: detected minus false alarms (Youden's J) | %s | %s | |\n", youden(JudgeOurs, subtle), youden(JudgeBaseline, subtle))
	row("regressions ending Successful (shipped)", func(r Row) bool { return !r.Healthy }, func(s Stats) string {
		return fmt.Sprintf("%d of %d = %s", s.Successful, s.Runs, pct(s.Successful, s.Runs))
	}, "")
}
