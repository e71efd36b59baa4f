package replay

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// lines is a file's text, line by line, with edits waiting: each edit
// replaces one line of the original by some lines, so node positions stay
// those of the original until bytes applies them.
type lines struct {
	text  []string // without their ends
	cr    []bool   // the line ended in \r\n
	edits map[int][]string
}

func newLines(content []byte) *lines {
	f := &lines{text: strings.Split(string(content), "\n"), edits: map[int][]string{}}
	f.cr = make([]bool, len(f.text))
	for i, l := range f.text {
		f.text[i], f.cr[i] = strings.CutSuffix(l, "\r")
	}
	return f
}

// bytes returns the text with the edits applied.
func (f *lines) bytes() []byte {
	var b strings.Builder
	for i, l := range f.text {
		out, ok := f.edits[i]
		if !ok {
			out = []string{l}
		}
		for j, o := range out {
			b.WriteString(o)
			if f.cr[i] {
				b.WriteString("\r")
			}
			if j < len(out)-1 || i < len(f.text)-1 {
				b.WriteString("\n")
			}
		}
	}
	return []byte(b.String())
}

// current is line i with its edits so far.
func (f *lines) current(i int) []string {
	if e, ok := f.edits[i]; ok {
		return e
	}
	return []string{f.text[i]}
}

// insertAfter adds a line after line i (0-based).
func (f *lines) insertAfter(i int, line string) {
	f.edits[i] = append(f.current(i), line)
}

// replaceScalar replaces plain scalar v by value with a line comment. An
// old line comment moves to a line of its own below, its # under the new
// one's.
func (f *lines) replaceScalar(v *yaml.Node, value, comment string) error {
	if v.Kind != yaml.ScalarNode || v.Style != 0 || v.Line < 1 || v.Line > len(f.text) {
		return fmt.Errorf("podSpread is not a plain number: %w", errByHand)
	}
	i := v.Line - 1
	line := f.text[i]
	start := byteOffset(line, v.Column-1)
	if _, edited := f.edits[i]; edited || !strings.HasPrefix(line[start:], v.Value) {
		return fmt.Errorf("podSpread at line %d is not where the YAML parser saw it: %w", v.Line, errByHand)
	}
	prefix := line[:start] + value
	rest := line[start+len(v.Value):]
	old := strings.TrimLeft(rest, " \t")
	switch {
	case old == "":
		f.edits[i] = []string{prefix + "  # " + comment}
	case strings.HasPrefix(old, "#"):
		col := utf8.RuneCountInString(line[:len(line)-len(old)])
		pad := max(col-utf8.RuneCountInString(prefix), min(len(rest)-len(old), 2), 1)
		col = utf8.RuneCountInString(prefix) + pad
		f.edits[i] = []string{prefix + strings.Repeat(" ", pad) + "# " + comment, strings.Repeat(" ", col) + old}
	default:
		return fmt.Errorf("podSpread at line %d is followed by %q: %w", v.Line, old, errByHand)
	}
	return nil
}

// valueEnd returns the last line (0-based) of key's value: its last node's
// line, then the lines indented deeper than the key (a block scalar's
// text, a comment continued below it) up to the last that is not blank.
func (f *lines) valueEnd(key, value *yaml.Node) int {
	end := lastLine(value) - 1
	indent := key.Column - 1
	for i := end + 1; i < len(f.text); i++ {
		t := strings.TrimLeft(f.text[i], " ")
		if t == "" {
			continue
		}
		if len(f.text[i])-len(t) <= indent {
			break
		}
		end = i
	}
	return end
}

// lastLine is the line of the last node under n (1-based).
func lastLine(n *yaml.Node) int {
	l := n.Line
	for _, c := range n.Content {
		l = max(l, lastLine(c))
	}
	return l
}

// byteOffset is the byte offset of the col'th character (0-based) of s.
func byteOffset(s string, col int) int {
	off := 0
	for range col {
		if off >= len(s) {
			break
		}
		_, size := utf8.DecodeRuneInString(s[off:])
		off += size
	}
	return off
}
