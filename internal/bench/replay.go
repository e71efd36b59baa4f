package bench

// Phase is an AnalysisRun's outcome.
type Phase string

// Phases, as Argo names them.
const (
	PhaseSuccessful   Phase = "Successful"
	PhaseFailed       Phase = "Failed"
	PhaseInconclusive Phase = "Inconclusive"
	PhaseError        Phase = "Error"
)

// Run is a replayed AnalysisRun.
type Run struct {
	Phase Phase
	// Looks is how many looks the run took before it ended.
	Looks int
	// Failed, Inconclusive and Successful count the looks' verdicts.
	Failed, Inconclusive, Successful int
}

// Replay plays verdicts, one per look in order, through Argo Rollouts'
// metric assessment (analysis.assessMetricStatus in argo-rollouts v1.8.5):
// after each measurement the metric is Failed as soon as Failed looks
// exceed FailureLimit, Inconclusive as soon as Inconclusive looks exceed
// InconclusiveLimit, and Successful once Count looks were taken. A verdict
// that is not one of the three (an error answer) ends the run as Error: the
// benchmark's service must always answer.
func Replay(verdicts []string, l Limits) Run {
	var r Run
	for _, v := range verdicts {
		if r.Looks == l.Count {
			break
		}
		r.Looks++
		switch Phase(v) {
		case PhaseFailed:
			r.Failed++
		case PhaseInconclusive:
			r.Inconclusive++
		case PhaseSuccessful:
			r.Successful++
		default:
			r.Phase = PhaseError
			return r
		}
		switch {
		case r.Failed > l.FailureLimit:
			r.Phase = PhaseFailed
			return r
		case r.Inconclusive > l.InconclusiveLimit:
			r.Phase = PhaseInconclusive
			return r
		}
	}
	if r.Looks < l.Count {
		r.Phase = PhaseError // not enough looks to finish the run
		return r
	}
	r.Phase = PhaseSuccessful
	return r
}
