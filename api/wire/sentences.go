package wire

// Sentences returns every sentence of the answer a person reads: the
// reason and, per metric, its reason and its evidence's texts (method,
// warm-up, the look's spending, rank, load model, each test, the
// detectable change), and the same of each reference of a both-references
// answer. Log lines quoted as examples are not sentences.
func (r *Response) Sentences() []string {
	out := metricSentences([]string{r.Reason}, r.Metrics)
	for _, ref := range r.References {
		out = metricSentences(append(out, ref.Reason), ref.Metrics)
	}
	return out
}

// metricSentences appends the sentences of the metrics' results to out.
func metricSentences(out []string, metrics []MetricResult) []string {
	for _, m := range metrics {
		out = append(out, m.Reason)
		e := m.Evidence
		if e == nil {
			continue
		}
		out = append(out, e.Method, e.Warmup.Text, e.Look.Spending)
		if e.Rank != nil {
			out = append(out, e.Rank.Text)
		}
		if e.Load != nil {
			out = append(out, e.Load.Text)
		}
		for _, t := range e.Tests {
			out = append(out, t.Text)
		}
		if e.Detectable != nil {
			out = append(out, e.Detectable.Text)
		}
		if e.Throttling != nil {
			out = append(out, e.Throttling.Text)
		}
	}
	return out
}
