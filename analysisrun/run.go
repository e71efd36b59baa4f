package analysisrun

import "time"

// Phase is a metric's outcome, as Argo names it.
type Phase string

// Phases.
const (
	PhaseSuccessful   Phase = "Successful"
	PhaseFailed       Phase = "Failed"
	PhaseInconclusive Phase = "Inconclusive"
	PhaseError        Phase = "Error"
)

// ErrorRetry is how long Argo waits after a measurement that errored
// before it measures again (analysis.DefaultErrorRetryInterval).
const ErrorRetry = 10 * time.Second

// Run is one metric of an AnalysisRun: its counters and, once it ended,
// its phase.
type Run struct {
	// Phase is empty while the run goes on.
	Phase Phase
	// Looks counts the measurements that count toward the template's
	// count: every one but errors (Argo's Count).
	Looks int
	// Failed, Inconclusive and Successful count the looks' verdicts.
	Failed, Inconclusive, Successful int
	// Errors counts the measurements that errored, ConsecutiveErrors the
	// ones since the last verdict.
	Errors            int `json:",omitempty"`
	ConsecutiveErrors int `json:",omitempty"`
}

// Measure records one measurement, a verdict (Successful, Failed,
// Inconclusive) or anything else for an Error, and assesses the metric as
// Argo's controller does after each one: Failed once Failed looks exceed
// FailureLimit (unless it is negative), Inconclusive once Inconclusive looks exceed
// InconclusiveLimit, Error once errors in a row exceed
// ConsecutiveErrorLimit, and Successful once Count looks were taken. It
// returns the phase, empty while the run goes on; a run that ended ignores
// further measurements.
func (r *Run) Measure(verdict string, l Limits) Phase {
	if r.Phase != "" {
		return r.Phase
	}
	switch Phase(verdict) {
	case PhaseSuccessful:
		r.Successful++
	case PhaseFailed:
		r.Failed++
	case PhaseInconclusive:
		r.Inconclusive++
	default:
		r.Errors++
		r.ConsecutiveErrors++
		if r.ConsecutiveErrors > l.ConsecutiveErrorLimit {
			r.Phase = PhaseError
		}
		return r.Phase
	}
	r.Looks++
	r.ConsecutiveErrors = 0
	switch {
	case l.FailureLimit >= 0 && r.Failed > l.FailureLimit: // a negative limit is off
		r.Phase = PhaseFailed
	case r.Inconclusive > l.InconclusiveLimit:
		r.Phase = PhaseInconclusive
	case r.Looks >= l.Count:
		r.Phase = PhaseSuccessful
	}
	return r.Phase
}

// Wait is how long after the last measurement Argo takes the next one:
// the template's interval after a verdict, ErrorRetry after an error.
func (r *Run) Wait(l Limits) time.Duration {
	if r.ConsecutiveErrors > 0 {
		return ErrorRetry
	}
	return l.Interval
}
