// Package bench measures verdict quality: it generates realistic canary
// situations (internal/scenario), loads them into a real Prometheus, asks
// the running service for a verdict at each look of an Argo Rollouts
// AnalysisRun (the limits of the shipped ClusterAnalysisTemplate), replays
// the run exactly as Argo does, and tabulates false alarms, successful
// healthy runs and detections per scenario family, for our judge and for a
// Kayenta-equivalent baseline on the same data.
//
// cmd/verdict-bench is the command; a small version runs in CI as a test.
package bench
