package rules

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"
)

// promqlParser parses rendered queries at load, so that a query Prometheus
// would reject fails when the rule file loads, not when a canary is judged.
var promqlParser = parser.NewParser(parser.Options{})

// windowFuncs are the functions of a range whose windows, evaluated at a
// step no shorter than the range, leave out what happens between two
// windows: an increase between the last sample of one window and the first
// of the next is in neither.
var windowFuncs = map[string]bool{
	"increase": true, "rate": true, "irate": true, "delta": true, "changes": true, "resets": true,
}

// windowUse is a window function over a range no longer than the step.
type windowUse struct {
	msg string
	// fn is the function and ordinal how many calls of it come before this
	// one in the query, to find it in the rule file.
	fn      string
	ordinal int
}

// checkPromQL parses a rendered PromQL query. It returns why the query does
// not parse ("" if it does) and each window function whose range does not
// exceed step.
func checkPromQL(q string, step time.Duration) (problem *queryProblem, warnings []windowUse) {
	expr, err := promqlParser.ParseExpr(q)
	if err != nil {
		pos := 0
		var pe parser.ParseErrors
		if errors.As(err, &pe) && len(pe) > 0 {
			pos = int(pe[0].PositionRange.Start)
		}
		return &queryProblem{msg: "does not parse as PromQL: " + parseProblem(q, err), pos: pos}, nil
	}
	parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
		call, ok := n.(*parser.Call)
		if !ok || !windowFuncs[call.Func.Name] {
			return nil
		}
		for _, arg := range call.Args {
			var rng time.Duration
			switch a := arg.(type) {
			case *parser.MatrixSelector:
				rng = a.Range
			case *parser.SubqueryExpr:
				rng = a.Range
			default:
				continue
			}
			if rng > 0 && rng <= step {
				start := int(call.PosRange.Start)
				ordinal := len(funcCall(call.Func.Name).FindAllStringIndex(q[:start], -1))
				warnings = append(warnings, windowUse{msg: windowWarning(call, rng, step), fn: call.Func.Name, ordinal: ordinal})
			}
		}
		return nil
	})
	return nil, warnings
}

// queryProblem is why a rendered query is wrong, and where in it.
type queryProblem struct {
	msg string
	pos int
}

// funcCall matches a call of the function name.
func funcCall(name string) *regexp.Regexp {
	return regexp.MustCompile(`\b` + regexp.QuoteMeta(name) + `\s*\(`)
}

// windowWarning says what a window function over a range no longer than
// the step loses, and how to write it instead.
func windowWarning(call *parser.Call, rng, step time.Duration) string {
	sel := ""
	switch a := call.Args[len(call.Args)-1].(type) {
	case *parser.MatrixSelector:
		sel = a.VectorSelector.String()
	case *parser.SubqueryExpr:
		sel = a.Expr.String()
	}
	if len(sel) > 60 {
		sel = sel[:57] + "..."
	}
	fix := "{{.Increase `SELECTOR`}} (the exact increase over each step)"
	switch call.Func.Name {
	case "rate", "irate":
		fix = "{{.Rate `SELECTOR`}} (the exact increase over each step, per second)"
	case "delta", "changes", "resets":
		fix = "a range longer than the step"
	}
	return fmt.Sprintf("%s(%s[%s]) at step %s: its range does not exceed the step, so what happens between two windows (a restart, an error) is in neither; write %s",
		call.Func.Name, sel, model.Duration(rng), model.Duration(step), fix)
}

// parseProblem says where in q the parser stopped and why.
func parseProblem(q string, err error) string {
	var pe parser.ParseErrors
	if !errors.As(err, &pe) || len(pe) == 0 {
		return err.Error()
	}
	first := pe[0]
	return fmt.Sprintf("%v at %s", first.Err, near(q, int(first.PositionRange.Start)))
}

// near quotes the text of q around byte offset pos, marking pos with ⟨here⟩.
func near(q string, pos int) string {
	pos = max(0, min(pos, len(q)))
	from, to := max(0, pos-30), min(len(q), pos+20)
	before, after := q[from:pos], q[pos:to]
	if from > 0 {
		before = "..." + before
	}
	if to < len(q) {
		after += "..."
	}
	return strings.Join([]string{`"`, before, "⟨here⟩", after, `"`}, "")
}
