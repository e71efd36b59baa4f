// Package replay judges past rollouts as Argo Rollouts would have: it finds
// them in Prometheus (a pod-template hash that appears while another one
// serves), plays each one's AnalysisRun with a template's timing and limits
// (package analysisrun), asking the judge service at every look exactly as
// Argo's web provider would have asked it then, and reports per rollout and
// per metric what happened. Argo experiments (pods
// <rollout>-<hash>-<revision>-<step>-<template>-<suffix>) are found apart
// from the rollouts' hashes and replayed as the experiment template judges
// them: the canary template against the baseline template and the
// rollout's stable pods (Experiments). Two rule sets can be replayed side by side
// (Compare), and an A/A mode judges stable pods as pretend canaries to
// measure each metric's false-alarm rate on the service's own data.
//
// `analyzer replay` is the command.
package replay
