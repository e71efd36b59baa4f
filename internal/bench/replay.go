package bench

import "github.com/canary-analyzer/canary-analyzer/analysisrun"

// Replay plays verdicts judged at the looks' ages (analysisrun.Limits.Ages),
// in order, through analysisrun.Run.Measure, as Argo's controller would have
// assessed the benchmark's AnalysisRun. Looks taken at fixed ages leave no
// room for Argo's retries, so a verdict that is not one of the three (an
// error answer) ends the run as Error at once, and so do verdicts that run
// out before the run ends; verdicts after its end are ignored.
func Replay(verdicts []string, l analysisrun.Limits) analysisrun.Run {
	var r analysisrun.Run
	for _, v := range verdicts {
		if r.Phase != "" {
			break
		}
		switch analysisrun.Phase(v) {
		case analysisrun.PhaseSuccessful, analysisrun.PhaseFailed, analysisrun.PhaseInconclusive:
			r.Measure(v, l)
		default:
			r.Errors++
			r.Phase = analysisrun.PhaseError
		}
	}
	if r.Phase == "" {
		r.Phase = analysisrun.PhaseError // not enough looks to finish the run
	}
	return r
}
