package canary

import (
	"math"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/analysis/stats"
)

// describe summarises samples for a result's side; the caller sets Pods.
func describe(x []float64) analysis.SideStats {
	s := stats.Summarize(x)
	return analysis.SideStats{Count: s.N, Mean: s.Mean, Median: s.Median, Min: s.Min, Max: s.Max}
}

// describePods summarises all finite samples of the series.
func describePods(series []analysis.Series) analysis.SideStats {
	var v []float64
	for _, s := range series {
		for _, p := range s.Points {
			if !math.IsNaN(p.V) && !math.IsInf(p.V, 0) {
				v = append(v, p.V)
			}
		}
	}
	st := describe(v)
	st.Pods = len(series)
	return st
}
