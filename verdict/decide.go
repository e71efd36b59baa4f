package verdict

import (
	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/rules"
)

// decide judges every metric with the rule set's judge, scores the results
// and fills the verdict into resp.
func (s *Service) decide(resp *Response, rs *rules.RuleSet, in []MetricInput, st analysis.Settings) {
	th := analysis.Thresholds{Pass: rs.Thresholds.Pass, Marginal: rs.Thresholds.Marginal}
	var rep analysis.Report
	switch rs.Judge {
	case rules.JudgeKayenta:
		rep = kayenta(in, st, th)
	default:
		rep = kayenta(in, st, th)
	}
	for i := range rep.Metrics {
		rep.Metrics[i].Query = joinQueries(in[i].Queries)
	}
	resp.Verdict = string(rep.Verdict)
	resp.Score = float64(rep.Score)
	resp.Reason = rep.Reason
	resp.Metrics = rep.Metrics
	resp.Summary = Summary{Verdict: resp.Verdict, Score: resp.Score, Failed: rep.Failed}
}

// kayenta is the baseline: each metric judged alone, Kayenta's scorer.
func kayenta(in []MetricInput, st analysis.Settings, th analysis.Thresholds) analysis.Report {
	j := analysis.NewKayentaJudge()
	metrics := make([]analysis.Metric, len(in))
	results := make([]analysis.MetricResult, len(in))
	for i, m := range in {
		metrics[i] = m.Metric
		if m.Result != nil { // judged already (signatures, verdict/logs.go)
			results[i] = *m.Result
			continue
		}
		results[i] = j.Judge(m.Metric, m.Data, st)
	}
	return analysis.Score(metrics, results, analysis.ScoreOptions{Thresholds: th})
}

func joinQueries(qs []string) string {
	out := ""
	for i, q := range qs {
		if i > 0 {
			out += " ; "
		}
		out += q
	}
	return out
}
