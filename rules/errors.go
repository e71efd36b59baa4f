package rules

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

// Error is a problem in a rule file, with its position.
type Error struct {
	File string
	Line int
	Col  int
	Msg  string
	// Warning marks a problem that does not stop the file from loading
	// (RuleSet.Warnings).
	Warning bool
}

func (e *Error) Error() string {
	msg := e.Msg
	if e.Warning {
		msg = "warning: " + msg
	}
	switch {
	case e.Line > 0 && e.Col > 0:
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, msg)
	case e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, msg)
	default:
		return fmt.Sprintf("%s: %s", e.File, msg)
	}
}

// Errors is every problem found in one load.
type Errors []error

func (es Errors) Error() string {
	s := ""
	for i, e := range es {
		if i > 0 {
			s += "; "
		}
		s += e.Error()
	}
	return s
}

// Unwrap lets errors.Is and errors.As look at each error.
func (es Errors) Unwrap() []error { return es }

// position finds the node at path (mapping keys as strings, sequence indexes
// as ints) and returns the line and column of the deepest node reached: the
// key of a mapping entry, the item of a sequence.
func position(root *yaml.Node, path ...any) (line, col int) {
	n := root
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	if n == nil {
		return 0, 0
	}
	line, col = n.Line, n.Column
	for _, p := range path {
		key, next := step(n, p)
		if next == nil {
			return line, col
		}
		line, col = key.Line, key.Column
		n = next
	}
	return line, col
}

// lookup returns the node at path and whether the whole path exists.
func lookup(root *yaml.Node, path ...any) (*yaml.Node, bool) {
	n := root
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	for _, p := range path {
		if n == nil {
			return nil, false
		}
		_, n = step(n, p)
	}
	return n, n != nil
}

// step follows one element of a path from n: it returns the node that
// names it (a mapping key, or the sequence item itself) and its value, nil
// if n has no such element.
func step(n *yaml.Node, p any) (key, value *yaml.Node) {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	switch k := p.(type) {
	case string:
		if n.Kind != yaml.MappingNode {
			return nil, nil
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == k {
				return n.Content[i], n.Content[i+1]
			}
		}
	case int:
		if n.Kind == yaml.SequenceNode && k >= 0 && k < len(n.Content) {
			return n.Content[k], n.Content[k]
		}
	}
	return nil, nil
}
