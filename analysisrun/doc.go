// Package analysisrun is what Argo Rollouts does with one metric of an
// AnalysisRun: the AnalysisTemplate's timing and limits (Limits, read from
// a template file by ReadLimits), and how the controller turns the metric's
// measurements, one at a time, into its phase (Run.Measure, after
// analysis.assessMetricStatus and runMeasurements in argo-rollouts v1.8.5).
//
// `analyzer replay` steps a Run through past rollouts, taking each
// measurement when Argo would (Run.Wait); the verdict benchmark
// (internal/bench.Replay) plays the looks it judged at fixed ages through
// Run.Measure.
package analysisrun
