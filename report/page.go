package report

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/api/wire"
	"github.com/canary-analyzer/canary-analyzer/request"
	"github.com/canary-analyzer/canary-analyzer/rules"
)

// Page is one judgement's report.
type Page struct {
	// Response is the judgement, made with series=true.
	Response *wire.Response
	// Link is the report's link as asked: its revision is the one that
	// judged when the link was made.
	Link Link
	// RuleSet is the rule set now loaded under the judgement's name, nil
	// if none: its revision, units, kinds and bounds.
	RuleSet *rules.RuleSet
}

// pageView is what the page template shows.
type pageView struct {
	Title            string
	Verdict          string
	Class            string // verdict's CSS class
	Score            string
	Reason           string
	Facts            []fact
	Revision         string
	CurrentRevision  string
	RevisionMismatch bool
	// Now is set when the link had no end: the page judged "now".
	Now       bool
	Index     string
	Permalink string
	JSON      string
	// References are the two judgements of a both-references answer,
	// whose metrics are those of the first (against the baseline).
	References []referenceView
	Metrics    []metricView
}

// referenceView is one judgement of a both-references answer.
type referenceView struct {
	Against, Verdict, Class, Score, Reason string
}

type fact struct{ Name, Value string }

type metricView struct {
	Name, Anchor   string
	Classification string
	Class          string
	Critical       bool
	Reason         string
	Chart          *chart
	Legend         legend
	Sides          string
	Tests          []testView
	Details        []string
	Queries        []queryView
	Signatures     []wire.SignatureFinding
}

type legend struct {
	Canary  []string
	Stable  int
	Warmup  string
	Looks   int
	Plotted string // what the y axis shows
}

type testView struct {
	Head, Verdict, Text string
	Failing             bool
}

type queryView struct {
	Role, Source, Expr  string
	Prometheus, Grafana string
}

// view builds the page's view of p.
func (o Options) view(p Page) pageView {
	resp := p.Response
	v := pageView{
		Title:   fmt.Sprintf("%s · %s · canary-analyzer", resp.Verdict, target(resp.Target)),
		Verdict: string(resp.Verdict),
		Class:   strings.ToLower(string(resp.Verdict)),
		Score:   fmt.Sprintf("%.0f", resp.Score),
		Reason:  resp.Reason,
		Now:     p.Link.Request.End.IsZero(),
	}
	v.Revision = resp.RuleSetRevision
	if p.Link.Revision != "" {
		v.Revision = p.Link.Revision
	}
	if p.RuleSet != nil {
		v.CurrentRevision = p.RuleSet.Revision
	}
	v.RevisionMismatch = p.Link.Revision != "" && p.Link.Revision != resp.RuleSetRevision
	perm := p.Link
	perm.Request.End = resp.Window.End
	perm.Revision = resp.RuleSetRevision
	v.Index = o.prefix() + IndexPath
	v.Permalink = o.prefix() + PagePath + perm.Path()
	api := perm.Request
	api.Series = true
	v.JSON = o.prefix() + request.Path + "?" + api.Query()

	t := resp.Target
	canary := t.Canary()
	if len(resp.Canary.Pods) > 0 {
		canary += " (" + strings.Join(resp.Canary.Pods, ", ") + ")"
	}
	if resp.Canary.Age != "" {
		canary += ", age " + resp.Canary.Age
	}
	rs := resp.RuleSet + " (judge " + resp.Judge
	if resp.Environment != "" {
		rs += ", environment " + resp.Environment
	}
	rs += ")"
	v.Facts = []fact{
		{"Namespace", t.Namespace},
		{"Rollout", or(t.Rollout, "any")},
		{"Canary", canary},
		{stableFact(t), fmt.Sprintf("%s (%d pods)", t.Stable(), len(resp.Stable.Pods))},
	}
	for _, r := range resp.References {
		if r.Against == wire.AgainstStable {
			v.Facts = append(v.Facts, fact{"Stable", fmt.Sprintf("%s (%d pods)", r.Target.StableHash, len(r.Stable.Pods))})
		}
		against := "Against the " + map[string]string{wire.AgainstBaseline: "baseline", wire.AgainstStable: "stable pods"}[r.Against] + " (" + r.Target.Stable() + ")"
		if r.Against == wire.AgeCheck {
			against = "Age check: the baseline (" + r.Target.Canary() + ") against the stable pods (" + r.Target.Stable() + ")"
		}
		v.References = append(v.References, referenceView{
			Against: against,
			Verdict: string(r.Verdict), Class: strings.ToLower(string(r.Verdict)), Score: fmt.Sprintf("%.0f", r.Score), Reason: r.Reason,
		})
	}
	v.Facts = append(v.Facts,
		fact{"Rule set", rs},
		fact{"Window", fmt.Sprintf("%s to %s UTC, step %s", resp.Window.Start.UTC().Format("2006-01-02 15:04"),
			resp.Window.End.UTC().Format("15:04"), resp.Window.Step)},
	)

	step, _ := model.ParseDuration(resp.Window.Step)
	for _, m := range resp.Metrics {
		v.Metrics = append(v.Metrics, o.metricView(m, resp, p.RuleSet, time.Duration(step)))
	}
	return v
}

// metricView builds one metric's section.
func (o Options) metricView(m wire.MetricResult, resp *wire.Response, rs *rules.RuleSet, step time.Duration) metricView {
	mv := metricView{
		Name: m.Name, Anchor: "m-" + m.Name,
		Classification: string(m.Classification),
		Class:          classOf(m.Classification),
		Critical:       m.Critical,
		Reason:         m.Reason,
	}
	def := metricOf(rs, m.Name)
	sc := scale{}
	bounds := map[string]float64{}
	if def != nil {
		sc.unit = def.Unit
		sc.share = def.Kind == analysis.KindRatio
		if def.Max != nil {
			bounds["max"] = *def.Max
		}
		if def.Min != nil {
			bounds["min"] = *def.Min
		}
	}
	mv.Chart = newChart(chartInput{
		metric: m.Name, series: m.Series, start: resp.Window.Start, end: resp.Window.End, step: step,
		warmupEnd: m.WarmupEnd, looks: resp.Looks, scale: sc, bounds: bounds,
	})
	mv.Legend = legendOf(m, resp, def)
	mv.Sides = sides(m, sc)
	mv.Tests = tests(m, sc)
	if ev := m.Evidence; ev != nil {
		mv.Details = append(mv.Details, ev.Method, "Warm-up: "+ev.Warmup.Text+".")
		if l := ev.Look; l.Look > 0 {
			mv.Details = append(mv.Details, fmt.Sprintf("Look %d of %d: %s.", l.Look, l.Of, or(l.Spending, "no spending")))
		}
		for _, d := range []string{textOf(ev.Rank), detectable(ev.Detectable), loadText(ev.Load), throttlingText(ev.Throttling)} {
			if d != "" {
				mv.Details = append(mv.Details, d)
			}
		}
	}
	mv.Queries = o.queries(m, resp, step)
	mv.Signatures = m.Signatures
	return mv
}

func throttlingText(t *wire.ThrottlingEvidence) string {
	if t == nil {
		return ""
	}
	return "Throttling: " + t.Text + "."
}

func textOf(r *wire.RankEvidence) string {
	if r == nil {
		return ""
	}
	return "Rank: " + r.Text + "."
}

func detectable(d *wire.DetectableEvidence) string {
	if d == nil {
		return ""
	}
	return "Detectable change: " + d.Text + "."
}

func loadText(l *wire.LoadEvidence) string {
	if l == nil {
		return ""
	}
	return "Load model: " + l.Text + "."
}

// legendOf says what the chart shows.
func legendOf(m wire.MetricResult, resp *wire.Response, def *rules.Metric) legend {
	l := legend{Looks: len(resp.Looks)}
	if s := m.Series; s != nil {
		for _, p := range s.Canary {
			l.Canary = append(l.Canary, p.Pod)
		}
		l.Stable = len(s.Stable)
	}
	if m.WarmupEnd != nil {
		l.Warmup = "warm-up cut until " + m.WarmupEnd.UTC().Format("15:04:05")
	}
	kind := analysis.KindValue
	if def != nil {
		kind = def.Kind
	}
	switch kind {
	case analysis.KindRatio:
		l.Plotted = "events per trial at each step"
	case analysis.KindRate:
		l.Plotted = "events per second of pod life at each step"
	case analysis.KindSignatures:
		l.Plotted = "log lines at each step (per unit of exposure when the metric has one)"
	default:
		l.Plotted = "the value at each step"
	}
	return l
}

// sides compares the canary's and the stable pods' samples in words.
func sides(m wire.MetricResult, sc scale) string {
	c, s := m.Canary, m.Stable
	if c.Trials > 0 || s.Trials > 0 {
		return fmt.Sprintf("canary %s events in %s trials; stable pods %s events in %s trials",
			sig(float64(c.Events)), sig(float64(c.Trials)), sig(float64(s.Events)), sig(float64(s.Trials)))
	}
	if c.Count == 0 && s.Count == 0 {
		return ""
	}
	return fmt.Sprintf("canary median %s of %d samples (%d pods); stable median %s of %d samples (%d pods)",
		sc.format(float64(c.Median)), c.Count, c.Pods, sc.format(float64(s.Median)), s.Count, s.Pods)
}

// tests says each test's outcome in words: its p-value against the level
// it needed.
func tests(m wire.MetricResult, sc scale) []testView {
	if m.Evidence == nil {
		if math.IsNaN(float64(m.PValue)) {
			return nil
		}
		tv := testView{Head: m.Test, Verdict: pEquals(float64(m.PValue)), Failing: m.Classification.Failing()}
		if iv := m.Interval; iv != nil {
			tv.Text = fmt.Sprintf("%s%% interval of the %s: %s to %s", sig(100*float64(iv.Level)), iv.Of,
				sig(float64(iv.Lower)), sig(float64(iv.Upper)))
		}
		return []testView{tv}
	}
	var out []testView
	for _, t := range m.Evidence.Tests {
		tv := testView{Head: t.Name + " · " + t.Test, Text: t.Text, Failing: t.Significant && t.Gate}
		p, a := float64(t.PValue), float64(t.Alpha)
		verdict := pEquals(p)
		if a > 0 && !math.IsNaN(a) {
			verdict += " against the level " + pValue(a) + " it needed"
		}
		switch {
		case t.Significant && t.Gate:
			verdict += ": a regression"
		case t.Significant:
			verdict += ": significant, but within the tolerance"
		default:
			verdict += ": not significant"
		}
		tv.Verdict = verdict
		out = append(out, tv)
	}
	return out
}

// queries lists the metric's queries with links to the backends' UIs.
func (o Options) queries(m wire.MetricResult, resp *wire.Response, step time.Duration) []queryView {
	var qs []wire.SeriesQuery
	if m.Series != nil {
		qs = m.Series.Queries
	} else if m.Query != "" {
		qs = []wire.SeriesQuery{{Role: "query", Expr: m.Query}}
	}
	start, end := resp.Window.Start, resp.Window.End
	out := make([]queryView, 0, len(qs))
	for _, q := range qs {
		qv := queryView{Role: q.Role, Source: q.Source, Expr: q.Expr}
		if q.Source == "prometheus" {
			qv.Prometheus = o.prometheusGraph(q.Expr, end, end.Sub(start), step)
		}
		qv.Grafana = o.grafanaExplore(q.Source, q.Expr, start, end)
		out = append(out, qv)
	}
	return out
}

func metricOf(rs *rules.RuleSet, name string) *rules.Metric {
	if rs == nil {
		return nil
	}
	for i := range rs.Metrics {
		if rs.Metrics[i].Name == name {
			return &rs.Metrics[i]
		}
	}
	return nil
}

func classOf(c analysis.Classification) string {
	switch {
	case c.Failing():
		return "bad"
	case c == analysis.Pass:
		return "good"
	}
	return "unsure"
}

func target(t request.Target) string {
	if t.Rollout != "" {
		return t.Namespace + "/" + t.Rollout
	}
	return t.Namespace
}

// stableFact names what the canary was compared with: the stable pods of
// the rollout, or the ReplicaSet a request named (an Argo experiment's
// baseline, or a rollout's own stable ReplicaSet named by hand), which is
// the baseline of a both-references request.
func stableFact(t request.Target) string {
	switch {
	case t.BothReferences():
		return "Baseline"
	case t.ByReplicaSet():
		return "Reference"
	}
	return "Stable"
}

func or(s, otherwise string) string {
	if s == "" {
		return otherwise
	}
	return s
}
