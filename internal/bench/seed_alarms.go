package bench

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/canary-analyzer/canary-analyzer/analysisrun"
)

// The families of one seed share its draws (traffic, errors, the pods and
// their factors) and differ only in what each family changes, and the
// alignments of one instance differ only in where its samples fall: a
// healthy canary that one draw made look worse fails in several families
// and alignments at once. So the false alarms of a run are not
// independent events, and a family's rate over twenty seeds moves by
// whole seeds. SeedAlarms counts them by seed.

// SeedAlarm is one seed's false alarms: the canary judge's Failed runs of
// healthy families.
type SeedAlarm struct {
	Seed uint64
	// Runs counts them, Families by family.
	Runs     int
	Families map[string]int
}

// SeedAlarms returns the seeds with a false alarm of the canary judge
// (by seed) and how many seeds the healthy runs have.
func SeedAlarms(results []Result) (alarms []SeedAlarm, seeds int) {
	seen := map[uint64]bool{}
	by := map[uint64]*SeedAlarm{}
	for _, r := range results {
		if r.Judge != JudgeOurs || !r.Truth.Healthy {
			continue
		}
		seen[r.Truth.Seed] = true
		if r.Run.Phase != analysisrun.PhaseFailed {
			continue
		}
		a := by[r.Truth.Seed]
		if a == nil {
			a = &SeedAlarm{Seed: r.Truth.Seed, Families: map[string]int{}}
			by[r.Truth.Seed] = a
		}
		a.Runs++
		a.Families[r.Truth.Name]++
	}
	for _, a := range by {
		alarms = append(alarms, *a)
	}
	sort.Slice(alarms, func(i, j int) bool {
		if alarms[i].Runs != alarms[j].Runs {
			return alarms[i].Runs > alarms[j].Runs
		}
		return alarms[i].Seed < alarms[j].Seed
	})
	return alarms, len(seen)
}

// WriteSeedAlarms writes the canary judge's false alarms by seed (nothing
// without healthy runs).
func WriteSeedAlarms(w io.Writer, results []Result) {
	alarms, seeds := SeedAlarms(results)
	if seeds == 0 {
		return
	}
	fmt.Fprintf(w, "False alarms by seed (the families of a seed share most of its draws, so one unlucky draw can fail several families and alignments): "+
		"%d of %d seeds", len(alarms), seeds)
	if len(alarms) == 0 {
		fmt.Fprintln(w, ".")
		return
	}
	var parts []string
	for _, a := range alarms {
		names := make([]string, 0, len(a.Families))
		for f := range a.Families {
			names = append(names, f)
		}
		sort.Strings(names)
		for i, f := range names {
			names[i] = fmt.Sprintf("%s %d", f, a.Families[f])
		}
		parts = append(parts, fmt.Sprintf("%d (%d: %s)", a.Seed, a.Runs, strings.Join(names, ", ")))
	}
	fmt.Fprintf(w, ": %s.\n", strings.Join(parts, "; "))
}
