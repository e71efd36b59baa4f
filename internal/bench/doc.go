// Package bench measures verdict quality: it generates realistic canary
// situations (internal/scenario), loads them into a real Prometheus, asks
// the running service for a verdict at each look of an Argo Rollouts
// AnalysisRun (the limits of the shipped ClusterAnalysisTemplate), replays
// the run exactly as Argo does, and tabulates per scenario family, for our
// judge and for a Kayenta-equivalent baseline on the same data: run
// outcomes, false alarms, detections by canary age 10 minutes with their
// 95% intervals and the median time to detect, next to the best detection
// any judge could reach (BestPossible, an oracle that knows everything
// about the generator except the canary pod's own luck). With
// Config.Alignments every instance runs once per alignment of the canary's
// first sample on the minute grid, and WriteAlignments breaks false alarms
// and detections down by alignment. The misfit families
// (scenario.MisfitFamilies) have no oracle but for restarts.
//
// cmd/verdict-bench is the command (docs/benchmark.md has its table); a
// small version runs in CI as a test.
package bench
