// Package engine runs one judgement: it looks up the rule set, renders
// and runs each metric's queries on its backend, splits the series into the
// canary's and the stable pods', shapes each metric's data for its kind, and
// hands the whole rule set to the rule set's judge (analysis/canary or
// analysis/kayenta), whose report becomes the answer (api/wire).
//
// It fetches and shapes data and nothing else: how a metric is judged,
// scored and explained belongs to analysis. The HTTP API and the CLI both
// call it.
package engine
