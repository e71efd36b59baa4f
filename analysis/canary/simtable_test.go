//go:build judgesim

package canary

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestSimulationTable prints the simulated verdict quality of every
// family, for Judge and for the same judge told each instance's true
// pod spread (the oracle). Run with
//
//	go test -tags judgesim -run TestSimulationTable -v ./analysis/
//
// JUDGESIM_SEEDS (default 2000) sets the runs per family, JUDGESIM_ALPHA
// (default 0.01) the false-alarm budget, JUDGESIM_SPREAD (default 0.07) the
// latency metric's PodSpread, JUDGESIM_NOISEDF the judge's NoisePriorDF and
// JUDGESIM_FAMILIES (comma-separated) the families.
func TestSimulationTable(t *testing.T) {
	seeds := 2000
	if v, err := strconv.Atoi(os.Getenv("JUDGESIM_SEEDS")); err == nil && v > 0 {
		seeds = v
	}
	alpha := 0.01
	if v, err := strconv.ParseFloat(os.Getenv("JUDGESIM_ALPHA"), 64); err == nil && v > 0 {
		alpha = v
	}
	spread := 0.07
	if v, err := strconv.ParseFloat(os.Getenv("JUDGESIM_SPREAD"), 64); err == nil && v > 0 {
		spread = v
	}
	only := os.Getenv("JUDGESIM_FAMILIES")
	j := New()
	if v, err := strconv.ParseFloat(os.Getenv("JUDGESIM_NOISEDF"), 64); err == nil {
		j.NoisePriorDF = v
	}
	fmt.Printf("%d runs per family, alpha %g, latency PodSpread %g, looks at 3/6/9/12 min, failureLimit 0, inconclusiveLimit 3\n", seeds, alpha, spread)
	fmt.Printf("%-18s %9s %9s %9s %9s | %9s %9s | %s\n", "family", "Failed", "by 10min", "Success", "incl.",
		"oracle F", "oracle10", "NotEnoughData per look")
	for _, f := range simFamilies {
		if only != "" && !strings.Contains(","+only+",", ","+f.name+",") {
			continue
		}
		o := runSimFamily(j, f, seeds, alpha, spread, false, true)
		or := runSimFamily(j, f, seeds, alpha, spread, true, true)
		n := float64(o.runs)
		fmt.Printf("%-18s %9.3f %9.3f %9.3f %9.3f | %9.3f %9.3f | %v\n", f.name,
			float64(o.failed)/n, float64(o.failedBy10)/n, float64(o.successful)/n,
			1-float64(o.failed+o.successful)/n,
			float64(or.failed)/n, float64(or.failedBy10)/n, o.notEnough)
	}
}
