package rules

import (
	"fmt"
	"regexp"
)

// checkLogQL checks what we can of a rendered LogQL query without Loki's
// parser (AGPL, not imported): brackets, parentheses and braces balance,
// every string ("..." with escapes, `...` raw) is closed, and the first
// brace outside a string opens a stream selector of label matchers. It
// returns nil for a query that passes.
func checkLogQL(q string) *queryProblem {
	msg, pos := logQLProblem(q)
	if msg == "" {
		return nil
	}
	return &queryProblem{msg: "is not valid LogQL: " + msg, pos: pos}
}

// logQLProblem is checkLogQL's finding and its offset in q.
func logQLProblem(q string) (string, int) {
	type open struct {
		r   byte
		pos int
	}
	closer := map[byte]byte{'(': ')', '[': ']', '{': '}'}
	var stack []open
	selector := -1
	for i := 0; i < len(q); i++ {
		switch c := q[i]; c {
		case '"', '`':
			end := stringEnd(q, i)
			if end < 0 {
				return fmt.Sprintf("the string opened at %s is not closed", near(q, i)), i
			}
			i = end
		case '(', '[', '{':
			if c == '{' && selector < 0 {
				selector = i
			}
			stack = append(stack, open{c, i})
		case ')', ']', '}':
			if len(stack) == 0 {
				return fmt.Sprintf("%q at %s closes nothing", c, near(q, i)), i
			}
			top := stack[len(stack)-1]
			if closer[top.r] != c {
				return fmt.Sprintf("%q at %s does not close %q opened at %s", c, near(q, i), top.r, near(q, top.pos)), i
			}
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) > 0 {
		top := stack[len(stack)-1]
		return fmt.Sprintf("%q opened at %s is not closed", top.r, near(q, top.pos)), top.pos
	}
	if selector < 0 {
		return `no stream selector: a LogQL query starts from one, e.g. {namespace="{{.Namespace}}", {{.Pods}}}`, 0
	}
	if !streamSelector.MatchString(q[selector:]) {
		return fmt.Sprintf(`the stream selector at %s must be label matchers (name="value", name=~"regexp", ...)`, near(q, selector)), selector
	}
	return "", 0
}

// streamSelector matches a stream selector with at least one matcher at
// the start of a string.
var streamSelector = regexp.MustCompile(`^\{\s*` + matcher + `(?:\s*,\s*` + matcher + `)*\s*,?\s*\}`)

const matcher = "[a-zA-Z_][a-zA-Z0-9_]*\\s*(?:=~|!~|!=|=)\\s*(?:\"(?:[^\"\\\\]|\\\\.)*\"|`[^`]*`)"

// stringEnd returns the index of the quote that closes the string opening
// at q[i], -1 if there is none.
func stringEnd(q string, i int) int {
	quote := q[i]
	for j := i + 1; j < len(q); j++ {
		switch {
		case q[j] == quote:
			return j
		case quote == '"' && q[j] == '\\':
			j++
		case quote == '"' && q[j] == '\n':
			return -1
		}
	}
	return -1
}
