package bench

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/canary-analyzer/canary-analyzer/analysisrun"
)

// AlignmentRow counts one family's runs at each alignment of the
// canary's start on the minute grid (scenario.Truth.Alignment): false
// alarms of a healthy family, detections by DetectBy of a regressed one.
type AlignmentRow struct {
	Family  string
	Class   Class
	Healthy bool
	// Hits and Runs per alignment (seconds past the minute), per judge:
	// Failed runs of a healthy family, runs Failed by DetectBy of a
	// regressed one.
	Hits, Runs map[string]map[int]int
}

// Alignments returns the alignments present in results (sorted), or nil
// when no run was aligned.
func Alignments(results []Result) []int {
	seen := map[int]bool{}
	for _, r := range results {
		if r.Truth.Aligned {
			seen[r.Truth.Alignment] = true
		}
	}
	var out []int
	for a := range seen {
		out = append(out, a)
	}
	sort.Ints(out)
	return out
}

// SummarizeAlignments groups the aligned results by family (in
// Summarize's order) and alignment.
func SummarizeAlignments(results []Result, l analysisrun.Limits) []AlignmentRow {
	byFamily := map[string]*AlignmentRow{}
	var order []string
	for _, row := range Summarize(results, l, Budget{}) {
		order = append(order, row.Family)
	}
	for _, r := range results {
		if !r.Truth.Aligned {
			continue
		}
		row := byFamily[r.Truth.Name]
		if row == nil {
			row = &AlignmentRow{Family: r.Truth.Name, Class: ClassOf(r.Truth.Name, r.Truth.Healthy), Healthy: r.Truth.Healthy,
				Hits: map[string]map[int]int{}, Runs: map[string]map[int]int{}}
			byFamily[r.Truth.Name] = row
		}
		if row.Runs[r.Judge] == nil {
			row.Runs[r.Judge], row.Hits[r.Judge] = map[int]int{}, map[int]int{}
		}
		a := r.Truth.Alignment
		row.Runs[r.Judge][a]++
		failed := r.Run.Phase == analysisrun.PhaseFailed
		if failed && (r.Truth.Healthy || r.DetectedAt(l) <= DetectBy) {
			row.Hits[r.Judge][a]++
		}
	}
	var out []AlignmentRow
	for _, name := range order {
		if row, ok := byFamily[name]; ok {
			out = append(out, *row)
		}
	}
	return out
}

// WriteAlignments prints the per-alignment breakdown of our judge's
// false alarms (healthy families) and detections by 10 minutes (regressed
// ones), with the totals of both judges; nothing when no run was aligned.
func WriteAlignments(w io.Writer, results []Result, l analysisrun.Limits) {
	aligns := Alignments(results)
	if len(aligns) == 0 {
		return
	}
	rows := SummarizeAlignments(results, l)
	fmt.Fprintln(w, "By where the canary's first sample fell past the minute: the canary judge's Failed runs of each healthy family "+
		"(false alarms) and runs Failed by 10 min of each regressed one; then both judges' totals.")
	fmt.Fprintln(w)
	head := "| family | class |"
	rule := "|---|---|"
	for _, a := range aligns {
		head += fmt.Sprintf(" first sample at %d s |", a)
		rule += "---:|"
	}
	fmt.Fprintln(w, head+" all (95% CI) |")
	fmt.Fprintln(w, rule+"---:|")
	for _, r := range rows {
		cells := make([]string, 0, len(aligns)+1)
		var hits, runs int
		for _, a := range aligns {
			h, n := r.Hits[JudgeOurs][a], r.Runs[JudgeOurs][a]
			hits, runs = hits+h, runs+n
			cells = append(cells, fmt.Sprintf("%d of %d", h, n))
		}
		cells = append(cells, allCell(hits, runs, r.Healthy))
		fmt.Fprintf(w, "| %s | %s | %s |\n", r.Family, r.Class, strings.Join(cells, " | "))
	}
	for _, judge := range []string{JudgeOurs, JudgeBaseline} {
		for _, kind := range []struct {
			name    string
			healthy bool
			keep    func(AlignmentRow) bool
		}{
			{"false alarms, healthy families", true, func(r AlignmentRow) bool { return r.Healthy }},
			{"large regressions detected by 10 min", false, func(r AlignmentRow) bool { return r.Class == ClassLarge }},
		} {
			cells := make([]string, 0, len(aligns)+1)
			var hits, runs int
			for _, a := range aligns {
				var h, n int
				for _, r := range rows {
					if kind.keep(r) {
						h, n = h+r.Hits[judge][a], n+r.Runs[judge][a]
					}
				}
				hits, runs = hits+h, runs+n
				cells = append(cells, countPct(h, n))
			}
			cells = append(cells, allCell(hits, runs, kind.healthy))
			fmt.Fprintf(w, "| **%s: %s** | | %s |\n", judge, kind.name, strings.Join(cells, " | "))
		}
	}
}

// countPct formats "3 of 70 = 4.3%".
func countPct(x, n int) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%d of %d = %.1f%%", x, n, 100*float64(x)/float64(n))
}

// allCell formats a total: false alarms with their 95% upper bound,
// detections with their 95% interval.
func allCell(x, n int, healthy bool) string {
	if n == 0 {
		return "-"
	}
	if healthy {
		return fmt.Sprintf("%s (≤ %.1f%%)", countPct(x, n), 100*UpperBound95(x, n))
	}
	return countCI(x, n)
}
