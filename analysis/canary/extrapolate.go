package canary

import (
	"fmt"
	"math"

	"github.com/canary-analyzer/canary-analyzer/analysis"
)

// The load model is learnt where the stable pods' loads are. A canary whose
// load lies far below them (a traffic-routed canary with 1% of the requests
// beside pods with 15% each) is judged by an extrapolation towards zero
// load: there the model's value is mostly its idle part, which the stable
// pods never showed alone, and a model that does not fit (CPU not linear
// in load, start-up bursts in the stable pods' data, a background job) can
// be off by a factor while fitting the stable pods well. The slope's
// uncertainty widens the test (robustSlopeVar), but only as far as the
// model's own form reaches. So a regression is not called from that
// extrapolation alone: when the canary's mean load lies below the stable
// pods' loads (the 5% point of the loads the model was fitted on), the
// level test of a metric whose increase is bad must also be significant on
// the value itself (raw CPU), compared with the stable pods' at the same
// times by the same one-against-many test. That comparison needs no model,
// only that a pod which serves less does not use more CPU than one that
// serves more: a healthy light canary cannot fail it. The level
// hypothesis' p-value is the larger of the two (an intersection-union test:
// it rejects only when both do, so its false-alarm rate is at most the
// model-free test's, whatever the model's error). When the model alone
// would have rejected, the metric is NotEnoughData with the reason, never
// Pass: the data point at a regression that the extrapolation cannot
// confirm.
//
// Above the stable pods' loads (a canary with three times a stable pod's
// share) the model extrapolates the other way, where its value is mostly
// the per-request part it was fitted on: an error in the slope weighs less
// there (the relative error is the slope's times (x − x̄)/p(x), which stays
// below the slope's own), and a model-free check (the value per unit of
// load, which a healthy busier pod does not exceed when its cost per request
// does not grow with load) would give up most of the power to see a real
// regression of the per-request cost, since the idle part dilutes it. The
// judge relies on the model there, widened by the slope's uncertainty; a
// cost per request that grows with load (lock contention) is outside the
// model (docs/judge.md, "Limits").

// confirmOutsideLoads applies the confirmation above to the level test h
// of a metric judged against load, when the canary's mean load at the
// judged timestamps idx lies below the stable pods' fitted loads.
func (j *Judge) confirmOutsideLoads(m analysis.Metric, d analysis.Data, s analysis.Settings, f valueFrame, idx []int, h *hypothesis) {
	if f.load == nil || (m.Direction != analysis.Increase && m.Direction != "") {
		return
	}
	cl, _ := f.meanLoads(idx)
	lo, hi := f.load.LoadLow, f.load.LoadHigh
	if math.IsNaN(cl) || cl >= lo {
		return
	}
	free := m
	free.Load, free.Trend, free.Max, free.Min, free.DetectableChange = false, false, math.NaN(), math.NaN(), -1
	a := j.analyseValues(free, analysis.Data{Canary: d.Canary, Stable: d.Stable}, s)
	p, change := 1.0, math.NaN()
	if a.preset == "" && len(a.tests) > 0 && !math.IsNaN(a.tests[0].p) {
		p, change = a.tests[0].p, a.result.Estimate
	}
	h.modelP, h.claim = h.p, "the load model alone points at a regression: "+h.ev.Text
	h.p = math.Max(h.p, p)
	h.confirm = fmt.Sprintf("the canary's load %s lies below the stable pods' (%s to %s), where the model extrapolates, "+
		"and a regression must also show in its value itself: %s vs the stable pods at the same times (p = %s)",
		fmtNum(cl), fmtNum(lo), fmtNum(hi), fmtPct(change), fmtP(p))
	h.ev.Text += "; " + h.confirm
}

// unconfirmed returns the metric's test that would have rejected alone
// (its effect beyond the tolerance) but whose confirmation did not (the
// hypothesis' confirm), or nil.
func (a *metricAnalysis) unconfirmed() *hypothesis {
	for _, h := range a.tests {
		if h.confirm != "" && !h.rejected && h.gate && h.modelP <= h.level {
			return h
		}
	}
	return nil
}
