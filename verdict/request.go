// Package verdict runs one judgement: it looks up the rule set, renders and
// runs each metric's queries on its backend, splits the series into the
// canary's and the stable pods', and hands them to the analysis judge.
//
// It is the path request -> rules -> providers -> analysis; the HTTP API and
// the CLI both call it.
package verdict

import (
	"time"

	"github.com/canary-analyzer/canary-analyzer/rules"
)

// Request is one question: is this canary healthy compared with these stable
// pods, by this rule set, as of End?
type Request struct {
	rules.Target
	RuleSet string
	// Lookback overrides the rule set's lookback when non-zero.
	Lookback time.Duration
	// End is the end of the window; zero means now.
	End time.Time
}
