package bench

import (
	"fmt"
	"strings"
)

// SeedRange is an inclusive range of seeds.
type SeedRange struct{ First, Last uint64 }

func (r SeedRange) String() string { return fmt.Sprintf("%d-%d", r.First, r.Last) }

func (r SeedRange) contains(s uint64) bool { return s >= r.First && s <= r.Last }

// Seed ranges of the misfit families (docs/benchmark.md, "Seeds"): a judge
// may be tuned on MisfitTuning only and is reported on MisfitHeldOut.
var (
	MisfitTuning  = SeedRange{1, 100}
	MisfitHeldOut = []SeedRange{{1001, 1100}, {3001, 3100}, {5001, 5100}}
)

// SeedNote says which seeds the results' misfit families ran on and
// whether those are tuning or held-out seeds ("" without misfit results).
func SeedNote(results []Result) string {
	first, last := ^uint64(0), uint64(0)
	for _, r := range results {
		if r.Truth.World == nil {
			continue
		}
		first, last = min(first, r.Truth.Seed), max(last, r.Truth.Seed)
	}
	if last == 0 {
		return ""
	}
	kind := "neither tuning nor held-out seeds"
	switch {
	case MisfitTuning.contains(first) && MisfitTuning.contains(last):
		kind = "TUNING seeds: not a result to report"
	default:
		for _, h := range MisfitHeldOut {
			if h.contains(first) && h.contains(last) {
				kind = "held-out seeds"
			}
		}
	}
	held := make([]string, len(MisfitHeldOut))
	for i, h := range MisfitHeldOut {
		held[i] = h.String()
	}
	return fmt.Sprintf("Misfit families on seeds %d-%d: %s (tuning range %s, held out %s and %s).",
		first, last, kind, MisfitTuning, strings.Join(held[:len(held)-1], ", "), held[len(held)-1])
}
