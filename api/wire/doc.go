// Package wire is the JSON contract of the judgement API: the answer of
// GET/POST /api/v1/judge (Response) with every metric's result and
// evidence, as Argo Rollouts, the CLI and the demo read it.
//
// analysis keeps plain Go types; this package mirrors them with JSON names
// and converts them (NewMetricResult). Numbers that are not defined (NaN,
// infinities) are null (Float), and null reads back as NaN, so an answer
// survives a decode and re-encode unchanged.
package wire
