package canary

import (
	"fmt"
	"math"
	"strings"

	"github.com/canary-analyzer/canary-analyzer/analysis"
)

// finish classifies the metric once the weighted Holm procedure has set
// the levels; first is the level of its first step for this metric's
// relative tests (its budget at this look, split between its tests), used
// for the detectable change, and firstBound the same for its bound tests,
// used for the bounds' confidence; hint is Judge.HintLevel and
// suspect Settings.SuspectLevel.
func (a *metricAnalysis) finish(first, firstBound, hint, suspect float64) {
	r := &a.result
	ev := r.Evidence
	ev.Tests = ev.Tests[:0]
	var decisive *hypothesis
	for _, h := range a.tests {
		h.ev.PValue = h.p
		h.ev.Alpha = h.level
		h.ev.Share = h.share
		h.ev.Significant = h.rejected
		h.ev.Gate = h.gate
		ev.Tests = append(ev.Tests, h.ev)
		if h.rejected && h.gate && (decisive == nil || h.p < decisive.p) {
			decisive = h
		}
	}
	if len(a.tests) > 0 {
		main := a.tests[0]
		if decisive != nil {
			main = decisive
		}
		r.PValue = main.p
		if main.interval != nil && !math.IsNaN(main.level) {
			r.Interval = main.interval(main.level)
		}
	}
	if a.preset != "" {
		r.Classification, r.Reason = a.preset, a.presetReason
		return
	}
	if len(a.tests) == 0 || math.IsNaN(a.tests[0].p) {
		r.Classification = analysis.NotEnoughData
		r.Reason = "not enough data: the samples give no usable test statistic (" + a.summary + ")"
		return
	}
	if decisive != nil {
		r.Classification = decisive.side
		r.Critical = a.metric.Critical || decisive.critical
		r.Reason = fmt.Sprintf("%s: %s (p = %s ≤ %s)", r.Classification, decisive.ev.Text,
			fmtP(decisive.p), fmtP(decisive.level))
		return
	}
	if h := a.unconfirmed(); h != nil {
		r.Classification = analysis.NotEnoughData
		r.Reason = fmt.Sprintf("not enough data: %s (p = %s ≤ %s), but %s", h.claim, fmtP(h.modelP), fmtP(h.level), h.confirm)
		return
	}
	if a.detectable != nil && a.required > 0 {
		change, need := a.detectable(first)
		enough := change <= a.required
		ev.Detectable = &analysis.DetectableEvidence{
			Change: change, Required: a.required, Enough: enough, Text: need,
		}
		if !enough {
			if a.passWithoutPower(first, firstBound, hint, need) {
				return
			}
			r.Classification = analysis.NotEnoughData
			r.Reason = "not enough data: " + need + ": " + a.summary
			return
		}
	}
	if len(a.boundNear) > 0 {
		r.Classification = analysis.NotEnoughData
		r.Reason = "not enough data: " + strings.Join(a.boundNear, "; ")
		return
	}
	if h := a.suspicion(suspect); h != nil {
		r.Classification = analysis.Suspect
		r.Reason = fmt.Sprintf("Suspect: a regression the run's budget cannot confirm: %s (p = %s, below the suspect level %s but not below its level %s)",
			h.ev.Text, fmtP(h.p), fmtP(suspect), fmtP(h.level))
		return
	}
	r.Classification = analysis.Pass
	r.Reason = "Pass: " + a.summary
	for _, h := range a.tests {
		if h.rejected && !h.gate {
			r.Reason += fmt.Sprintf("; %s is significant but within the tolerance", h.ev.Name)
		}
	}
	if h := a.closest(); h != nil && h.p < hint {
		r.Reason += fmt.Sprintf("; closest to failing: %s test p = %s against its level %s", h.ev.Name, fmtP(h.p), fmtP(h.level))
	}
}

// closest returns the test nearest to rejecting, by its p-value over its
// Holm level, among those not rejected; nil when there is none.
func (a *metricAnalysis) closest() *hypothesis {
	var c *hypothesis
	for _, h := range a.tests {
		if h.rejected || !(h.level > 0) || math.IsNaN(h.p) {
			continue
		}
		if c == nil || h.p/h.level < c.p/c.level {
			c = h
		}
	}
	return c
}

// suspicion returns the metric's most significant test that points at a
// regression beyond its tolerance (its effect gate holds) with a p-value
// below suspect but was not rejected, or nil (always nil when suspect is
// not positive).
func (a *metricAnalysis) suspicion(suspect float64) *hypothesis {
	if !(suspect > 0) {
		return nil
	}
	var s *hypothesis
	for _, h := range a.tests {
		if h.gate && !h.rejected && h.p < suspect && (s == nil || h.p < s.p) {
			s = h
		}
	}
	return s
}
