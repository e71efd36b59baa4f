package canary

import (
	"math"

	"github.com/canary-analyzer/canary-analyzer/analysis"
)

// alpha returns the run's false-alarm budget.
func (j *Judge) alpha(s analysis.Settings) float64 {
	if s.Alpha > 0 && s.Alpha < 1 {
		return s.Alpha
	}
	if j.DefaultAlpha > 0 && j.DefaultAlpha < 1 {
		return j.DefaultAlpha
	}
	return analysis.DefaultAlpha
}

// looks returns the number of looks the budget is split over.
func (j *Judge) looks(s analysis.Settings) int {
	switch {
	case s.Looks > 0:
		return s.Looks
	case j.DefaultLooks > 0:
		return j.DefaultLooks
	}
	return analysis.DefaultLooks
}

// spreadFor returns the metric's prior pod spread.
func (j *Judge) spreadFor(m analysis.Metric, k analysis.Kind) float64 {
	if m.PodSpread > 0 {
		return m.PodSpread
	}
	if k == analysis.KindValue {
		return j.ValueSpread
	}
	return j.CountSpread
}

// detectableFor returns the change the metric's data must be able to show
// (0 when the check is off).
func (j *Judge) detectableFor(m analysis.Metric, k analysis.Kind) float64 {
	v := m.DetectableChange
	if v == 0 {
		switch k {
		case analysis.KindValue:
			v = j.ValueDetectable
		case analysis.KindRatio:
			v = j.RatioDetectable
		default:
			v = j.RateDetectable
		}
	}
	return math.Max(v, 0)
}

// outlierFactor returns the metric's Tukey factor.
func (j *Judge) outlierFactor(m analysis.Metric) float64 {
	if m.OutlierFactor > 0 {
		return m.OutlierFactor
	}
	if j.DefaultOutlierFactor > 0 {
		return j.DefaultOutlierFactor
	}
	return DefaultOutlierFactor
}
