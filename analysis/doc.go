// Package analysis judges a canary against the stable pods: samples in,
// classification, score and verdict out.
//
// It knows nothing about HTTP, YAML or backends. Callers hand it per-pod
// series (already split into the canary's and the stable pods') and a metric
// specification; a Judge classifies each metric and Score turns the
// classifications into a weighted score and a three-valued verdict.
//
// The statistical building blocks (MannWhitney, HodgesLehmann, ...) follow
// gonum's API style: weights last, caller bugs panic with an "analysis: "
// prefix, degenerate data gives NaN or an error.
package analysis
