// Package analysis is the vocabulary of judging a canary against its stable
// pods: what a metric is (Metric, Kind, Direction, NoDataPolicy, ...), the
// data a judge is given (Data, Series, CountSeries, LogData, Settings,
// Input), what it answers (Classification, MetricResult, Evidence, Report,
// Verdict), Score, the weighted scorer every judge shares, and Conclude,
// the rules every judge applies before it (a side without evidence is
// never a failure nor a pass).
//
// It imports nothing of ours (only the standard library), so that the rule
// files (rules/) can use the same words. The work is done below it:
//
//   - analysis/stats: the statistics library (Mann-Whitney, Hodges-Lehmann,
//     exact count tests, Student's t, AR(1) helpers, multiplicity), in
//     gonum's style and without policy;
//   - analysis/signatures: log-signature mining and its test;
//   - analysis/canary and analysis/kayenta: the judges, each with one entry
//     point, Judge(Input) Report, that owns all of its policy.
//
// None of them knows about HTTP, YAML or backends: callers hand over
// per-pod data already split into the canary's and the stable pods'.
package analysis
