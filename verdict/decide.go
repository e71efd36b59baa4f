package verdict

import (
	"strings"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/rules"
)

// decide judges every metric with the rule set's judge, scores the results
// and fills the verdict into resp. Inputs that carry a Result were judged
// already (signatures, verdict/logs.go) and are scored as they are.
func (s *Service) decide(resp *Response, rs *rules.RuleSet, in []MetricInput, st analysis.Settings) {
	opt := analysis.ScoreOptions{Thresholds: analysis.Thresholds{Pass: rs.Thresholds.Pass, Marginal: rs.Thresholds.Marginal}}
	ins := make([]analysis.MetricInput, len(in))
	for i, m := range in {
		ins[i] = analysis.MetricInput{Metric: m.Metric, Data: m.Data, Query: strings.Join(m.Queries, " ; "), Result: m.Result}
	}
	var rep analysis.Report
	switch rs.Judge {
	case rules.JudgeKayenta:
		rep = kayenta(ins, st, opt)
	default:
		rep = analysis.NewCanaryJudge().JudgeAll(ins, st, opt)
	}
	for i := range rep.Metrics {
		rep.Metrics[i].Query = ins[i].Query
	}
	resp.Verdict = string(rep.Verdict)
	resp.Score = float64(rep.Score)
	resp.Reason = rep.Reason
	resp.Metrics = rep.Metrics
	resp.Summary = Summary{Verdict: resp.Verdict, Score: resp.Score, Failed: rep.Failed}
}

// kayenta is the baseline: each metric judged alone, Kayenta's scorer.
func kayenta(in []analysis.MetricInput, st analysis.Settings, opt analysis.ScoreOptions) analysis.Report {
	j := analysis.NewKayentaJudge()
	metrics := make([]analysis.Metric, len(in))
	results := make([]analysis.MetricResult, len(in))
	for i, m := range in {
		metrics[i] = m.Metric
		if m.Result != nil {
			results[i] = *m.Result
			continue
		}
		results[i] = j.Judge(m.Metric, m.Data, st)
	}
	return analysis.Score(metrics, results, opt)
}
