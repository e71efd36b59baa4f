package replay

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/canary-analyzer/canary-analyzer/analysis/canary"
)

// MinWriteDF is the fewest degrees of freedom a measured spread needs
// before WriteSpreads writes it: the judge weighs a metric's podSpread as
// if it were measured on canary.DefaultPriorPods pods, so a value measured
// on fewer would be trusted more than it deserves.
const MinWriteDF = canary.DefaultPriorPods

// WriteOptions are what WriteSpreads needs besides the file and the
// estimates.
type WriteOptions struct {
	// Date is when the spreads were measured, written in each comment.
	// (Environments cannot override podSpread, so the base value written is
	// the one every environment judges with; TestNoEnvironmentPodSpread.)
	Date time.Time
}

// SpreadWrite is what WriteSpreads did with one metric's podSpread.
type SpreadWrite struct {
	Metric string
	// Old is the podSpread the file gives the metric ("" when unset) and
	// Prior the one the judge used (the default when unset).
	Old   string
	Prior float64
	// New is the value written, "" when the metric was left as it was.
	New string
	// Inserted says the metric had no podSpread key and got one.
	Inserted bool
	// Why says why the metric was left, or a note on the value written.
	Why string
	// Warning marks a metric left for a reason the user must act on.
	Warning bool
}

// String is one line for the progress writer.
func (w SpreadWrite) String() string {
	old := w.Old
	switch {
	case old == "" && math.IsNaN(w.Prior):
		old = "unset"
	case old == "":
		old = fmt.Sprintf("unset (the judge used %.3g)", w.Prior)
	}
	switch {
	case w.New == "":
		return fmt.Sprintf("%s: podSpread %s, left: %s", w.Metric, old, w.Why)
	case w.Inserted:
		return fmt.Sprintf("%s: podSpread %s -> %s, inserted%s", w.Metric, old, w.New, note(w.Why))
	default:
		return fmt.Sprintf("%s: podSpread %s -> %s%s", w.Metric, old, w.New, note(w.Why))
	}
}

func note(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}

// spreadToWrite returns the podSpread to write for e, with a note on how
// it was chosen, or why none is written: only a spread measured on at
// least MinWriteDF degrees of freedom whose 90% interval leaves out the
// prior is written, rounded up to two significant digits; an estimate of
// 0 (the noise explains all the spread) writes the interval's upper bound.
func spreadToWrite(e SpreadEstimate) (value, why string, ok bool) {
	switch {
	case math.IsNaN(e.Prior) || math.IsNaN(e.Estimate) || math.IsNaN(e.Lower) || math.IsNaN(e.Upper):
		return "", "nothing to compare", false
	case e.Lower <= e.Prior && e.Prior <= e.Upper:
		return "", fmt.Sprintf("within the measured interval %.3g-%.3g", e.Lower, e.Upper), false
	case e.DF < MinWriteDF:
		return "", fmt.Sprintf("too few degrees of freedom: %d, fewer than the %d the judge weighs podSpread as (replay a longer range or more A/A runs)", e.DF, MinWriteDF), false
	}
	x, how := e.Estimate, fmt.Sprintf("measured %.3g, 90%% interval %.3g-%.3g, %d df", e.Estimate, e.Lower, e.Upper, e.DF)
	if !(x > 0) {
		x, how = e.Upper, how+": the noise explains all the spread, so the upper bound is written, rounded up"
	}
	if !(x > 0) {
		return "", "the measured spread and its upper bound are 0: nothing to write", false
	}
	v := roundUp2(x)
	if p, err := strconv.ParseFloat(v, 64); err == nil && p == e.Prior {
		return "", fmt.Sprintf("the measured %.3g rounds up to the current value", x), false
	}
	return v, how, true
}

// roundUp2 rounds x > 0 up to two significant digits, in decimal on its
// shortest representation (0.0613 -> "0.062", 0.138 -> "0.14", 0.14 stays
// "0.14"), and formats it as YAML reads it back.
func roundUp2(x float64) string {
	s := strconv.FormatFloat(x, 'e', -1, 64) // d.ddde±XX
	mant, exp, _ := strings.Cut(s, "e")
	e, _ := strconv.Atoi(exp)
	digits := strings.Replace(mant, ".", "", 1)
	head := digits[:min(2, len(digits))]
	n, _ := strconv.Atoi(head)
	if len(head) == 1 {
		n *= 10
	}
	if strings.Trim(digits[len(head):], "0") != "" {
		n++
	}
	// n holds two digits, d.d × 10^e; 100 carries into the next power.
	v, _ := strconv.ParseFloat(fmt.Sprintf("%de%d", n, e-1), 64)
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// writeComment is the line comment on a podSpread written.
func writeComment(e SpreadEstimate, o WriteOptions, w SpreadWrite) string {
	was := w.Old
	if was == "" {
		was = fmt.Sprintf("unset (the judge used %.3g)", e.Prior)
	}
	upper := ""
	if !(e.Estimate > 0) {
		upper = ", its upper bound written (the noise explains all the spread)"
	}
	return fmt.Sprintf("measured by analyzer replay %s: %.3g (%.3g-%.3g), %d df over %d ReplicaSets%s; was %s",
		o.Date.UTC().Format(time.DateOnly), e.Estimate, e.Lower, e.Upper, e.DF, e.Groups, upper, was)
}
