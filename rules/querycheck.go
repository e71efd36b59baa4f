package rules

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/canary-analyzer/canary-analyzer/providers"
	"github.com/canary-analyzer/canary-analyzer/request"
)

// sampleTarget is the canary the queries are rendered for when a rule file
// loads.
var sampleTarget = request.Target{Namespace: "shop", Rollout: "web", CanaryHash: "5f6b7c8d9e", StableHash: "7c9d5b6f4d"}

// SampleParams are the template values a rule set's queries are checked
// with: its step and pod matching, for a sample canary.
func SampleParams(rs *RuleSet) Params {
	d := rs.WithDefaults()
	pm, err := NewPodMatcher(d.Pods, sampleTarget)
	if err != nil {
		p := exampleParams
		p.Step = d.Step.String()
		return p
	}
	return pm.Params(d.Step)
}

// checkQuery renders query key of metric i (m, with its defaults) with
// sample values and parses it: as PromQL for Prometheus, as far as we can
// for Loki. A query that does not parse is an error; a PromQL window
// function whose range does not exceed the step is a warning.
func (v *validator) checkQuery(i int, key string, t *Template, m *Metric, rs *RuleSet) {
	q, err := t.Render(SampleParams(rs))
	if err != nil {
		return // ParseTemplate has rendered it once: the error is reported there
	}
	at := []any{"metrics", i, key}
	var problem *queryProblem
	switch m.Source {
	case providers.TypePrometheus:
		var uses []windowUse
		problem, uses = checkPromQL(q, time.Duration(rs.Step))
		for _, u := range uses {
			line, col := v.find(at, funcCall(u.fn), u.ordinal)
			v.warnings = append(v.warnings, &Error{File: v.file, Line: line, Col: col, Warning: true,
				Msg: fmt.Sprintf("metric %q: %s: %s", m.Name, key, u.msg)})
		}
	case providers.TypeLoki:
		problem = checkLogQL(q)
	}
	if problem != nil && !v.decodeFailed(at...) {
		line, col := v.locate(at, q, problem.pos)
		v.errs = append(v.errs, &Error{File: v.file, Line: line, Col: col, Msg: fmt.Sprintf("metric %q: %s %s", m.Name, key, problem.msg)})
	}
}

// locate returns the position in the rule file of byte pos of the rendered
// query q of the value at path: where the text around pos (which the
// template may not have changed) is found in the file, else the key's.
func (v *validator) locate(path []any, q string, pos int) (line, col int) {
	for _, k := range []int{16, 12, 8, 5, 3} {
		if pos+k <= len(q) {
			if l, c, ok := v.search(path, q[pos:pos+k], 0); ok {
				return l, c
			}
		}
		if pos-k >= 0 {
			if l, c, ok := v.search(path, q[pos-k:pos], k); ok {
				return l, c
			}
		}
	}
	return position(v.root, path...)
}

// search finds text once in the value at path and returns the position
// shift bytes after it.
func (v *validator) search(path []any, text string, shift int) (line, col int, ok bool) {
	re := regexp.MustCompile(regexp.QuoteMeta(text))
	if _, _, twice := v.match(path, re, 1); twice {
		return 0, 0, false
	}
	line, col, ok = v.match(path, re, 0)
	return line, col + shift, ok
}

// find returns the position of the ordinal-th match of re in the text of
// the value at path, as the rule file has it; the key's position when the
// text does not show it (a template wrote it).
func (v *validator) find(path []any, re *regexp.Regexp, ordinal int) (line, col int) {
	if line, col, ok := v.match(path, re, ordinal); ok {
		return line, col
	}
	return position(v.root, path...)
}

// match finds the ordinal-th match of re in the lines of the value at path.
func (v *validator) match(path []any, re *regexp.Regexp, ordinal int) (line, col int, ok bool) {
	value, found := lookup(v.root, path...)
	if !found || len(v.lines) == 0 {
		return 0, 0, false
	}
	end := len(v.lines) + 1
	walkNodes(v.root, func(n *yaml.Node) {
		if n.Line > value.Line && n.Line < end {
			end = n.Line
		}
	})
	seen := 0
	for l := value.Line; l < end && l <= len(v.lines); l++ {
		text := v.lines[l-1]
		if l == value.Line {
			// Blank what comes before the value on its key's line.
			text = strings.Repeat(" ", min(value.Column-1, len(text))) + text[min(value.Column-1, len(text)):]
		}
		for _, m := range re.FindAllStringIndex(text, -1) {
			if seen == ordinal {
				return l, m[0] + 1, true
			}
			seen++
		}
	}
	return 0, 0, false
}

// walkNodes calls f for every node of the tree under n.
func walkNodes(n *yaml.Node, f func(*yaml.Node)) {
	f(n)
	for _, c := range n.Content {
		walkNodes(c, f)
	}
}
