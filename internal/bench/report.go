package bench

import (
	"fmt"
	"io"
	"sort"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/canary-analyzer/canary-analyzer/internal/scenario"
)

// Row summarises one family's runs under one judge.
type Row struct {
	Family  string
	Healthy bool
	Judge   string
	Runs    int
	// Successful, Inconclusive, Failed count run outcomes.
	Successful, Inconclusive, Failed int
	// DetectedBy counts runs Failed at a look no later than DetectBy.
	DetectedBy int
	// DetectAges are the canary ages at which runs failed.
	DetectAges []time.Duration
}

// DetectBy is the canary age by which large regressions must be caught.
const DetectBy = 10 * time.Minute

// Summarize groups results by family (in Families order) and judge.
func Summarize(results []Result, l Limits) []Row {
	order := map[string]int{}
	for i, f := range scenario.Families() {
		order[f.Name] = i
	}
	rows := map[[2]string]*Row{}
	for _, r := range results {
		k := [2]string{r.Truth.Name, r.Judge}
		row := rows[k]
		if row == nil {
			row = &Row{Family: r.Truth.Name, Healthy: r.Truth.Healthy, Judge: r.Judge}
			rows[k] = row
		}
		row.Runs++
		switch r.Run.Phase {
		case PhaseSuccessful:
			row.Successful++
		case PhaseInconclusive:
			row.Inconclusive++
		case PhaseFailed:
			row.Failed++
			at := r.DetectedAt(l)
			row.DetectAges = append(row.DetectAges, at)
			if at <= DetectBy {
				row.DetectedBy++
			}
		}
	}
	out := make([]Row, 0, len(rows))
	for _, r := range rows {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Family != out[j].Family {
			return order[out[i].Family] < order[out[j].Family]
		}
		return out[i].Judge < out[j].Judge
	})
	return out
}

// MedianDetect is the median age at which the family's runs failed.
func (r Row) MedianDetect() time.Duration {
	if len(r.DetectAges) == 0 {
		return 0
	}
	a := append([]time.Duration(nil), r.DetectAges...)
	sort.Slice(a, func(i, j int) bool { return a[i] < a[j] })
	return a[len(a)/2]
}

// UpperBound95 is the one-sided 95% Clopper-Pearson upper bound of a rate
// seen x times in n runs.
func UpperBound95(x, n int) float64 {
	if n == 0 {
		return 1
	}
	if x >= n {
		return 1
	}
	return distuv.Beta{Alpha: float64(x + 1), Beta: float64(n - x)}.Quantile(0.95)
}

func pct(x, n int) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f%%", 100*float64(x)/float64(n))
}

// WriteMarkdown prints the table: for healthy families the run outcomes
// (Failed is a false alarm), for regressions the detections.
func WriteMarkdown(w io.Writer, rows []Row) {
	fmt.Fprintln(w, "| family | judge | runs | Successful | Inconclusive | Failed | detected by 10 min | median time to detect |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|---:|---:|")
	for _, r := range rows {
		det, med := "", ""
		if !r.Healthy {
			det = pct(r.DetectedBy, r.Runs)
			if m := r.MedianDetect(); m > 0 {
				med = fmt.Sprintf("%.0f min", m.Minutes())
			} else {
				med = "-"
			}
		}
		name := r.Family
		if r.Healthy {
			name += " (healthy)"
		}
		fmt.Fprintf(w, "| %s | %s | %d | %s | %s | %s | %s | %s |\n", name, r.Judge, r.Runs,
			pct(r.Successful, r.Runs), pct(r.Inconclusive, r.Runs), pct(r.Failed, r.Runs), det, med)
	}
	for _, judge := range []string{JudgeOurs, JudgeBaseline} {
		var runs, fa, ok int
		for _, r := range rows {
			if r.Judge == judge && r.Healthy {
				runs += r.Runs
				fa += r.Failed
				ok += r.Successful
			}
		}
		if runs == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s: healthy runs %d, false alarms %d (%s; 95%% upper bound %.1f%%), Successful %s.",
			judge, runs, fa, pct(fa, runs), 100*UpperBound95(fa, runs), pct(ok, runs))
	}
	fmt.Fprintln(w)
}
