package rules

import (
	"slices"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/canary-analyzer/canary-analyzer/providers"
)

// PodLocal reports whether the query of role r can be sent once for the
// judgements of a both-references request and its result split per
// judgement, each taking its own pods' series. That holds for a query that
// treats every pod alike (it selects them with {{.Pods}}, never
// {{.CanaryPods}} or {{.StablePods}}) and computes each pod's series from
// that pod's series alone (podLocal for PromQL, logQLPodLocal for LogQL).
// Then a pod's series is the same whichever other pods the query selects.
func (m *Metric) PodLocal(r Role, pods PodMatching) bool {
	t := m.Template(r)
	if t == nil || m.Source != providers.TypePrometheus && m.Source != providers.TypeLoki {
		return false
	}
	key := string(m.Source) + "\x00" + pods.PodLabel + "\x00" + pods.Label
	if local, ok := t.podLocal.Load(key); ok {
		return local.(bool)
	}
	local := t.isPodLocal(m.Source, pods)
	t.podLocal.Store(key, local)
	return local
}

// isPodLocal is PodLocal for a template of the source.
func (t *Template) isPodLocal(source providers.Type, pods PodMatching) bool {
	a := exampleParams
	a.podLabel, a.hashLabel = pods.PodLabel, pods.Label
	b := a
	b.CanaryPods, b.StablePods = a.StablePods, a.CanaryPods
	qa, err := t.Render(a)
	if err != nil {
		return false
	}
	if qb, err := t.Render(b); err != nil || qb != qa {
		return false // it tells the sides apart
	}
	if source == providers.TypeLoki {
		return logQLPodLocal(qa, pods.PodLabel)
	}
	expr, err := promqlParser.ParseExpr(qa)
	if err != nil {
		return false
	}
	return podLocal(expr, pods.PodLabel)
}

// podLocal reports whether every series expr returns for a pod is computed
// from that pod's series only: each aggregation keeps the pod label, each
// match of two vectors matches on it, no label_replace or label_join
// rewrites it, and no function turns a vector into one number (scalar) or
// into a series of no pod (absent).
func podLocal(expr parser.Expr, pod string) bool {
	local := true
	parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
		switch e := n.(type) {
		case *parser.AggregateExpr:
			if slices.Contains(e.Grouping, pod) == e.Without {
				local = false
			}
		case *parser.BinaryExpr:
			if vm := e.VectorMatching; vm != nil && slices.Contains(vm.MatchingLabels, pod) != vm.On {
				local = false
			}
		case *parser.Call:
			switch e.Func.Name {
			case "scalar", "absent", "absent_over_time":
				local = false
			case "label_replace", "label_join":
				if dst, ok := e.Args[1].(*parser.StringLiteral); !ok || dst.Val == pod {
					local = false
				}
			}
		}
		return nil
	})
	return local
}
