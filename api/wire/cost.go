package wire

// Cost says what a judgement asked of its backends: how many queries its
// metrics have, how many requests it sent, how many of its queries were
// answered by an identical one (of the same judgement, or of a concurrent
// judgement whose call was in flight), and how many log lines Loki read for
// the queries it used.
type Cost struct {
	// Queries is the number of series queries of the rule set's metrics
	// (a ratio has two), before identical ones are merged.
	Queries int `json:"queries"`
	// Sent is the number of requests the judgement sent to its backends;
	// a log query sends one per page.
	Sent int `json:"sent"`
	// Deduplicated counts the queries identical to another query of the
	// same judgement, sent once for both; Coalesced those answered by the
	// identical query of a concurrent judgement.
	Deduplicated int `json:"deduplicated"`
	Coalesced    int `json:"coalesced"`
	// LogLinesRead is the number of log lines Loki says it read
	// (stats.summary.totalLinesProcessed) for the queries the judgement
	// used, its own and those it shared.
	LogLinesRead int64 `json:"logLinesRead"`
}
