package lokitest

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"text/template"
	"time"
	"unicode"

	"github.com/prometheus/common/model"
)

// The parsed forms of the LogQL subset (see the package documentation).

// expr is a metric expression.
type expr interface{ isExpr() }

// logQuery is a stream selector with its pipeline.
type logQuery struct {
	matchers []matcher
	stages   []stage
}

// matcher is one label matcher of a stream selector.
type matcher struct {
	name  model.LabelName
	op    string // = != =~ !~
	value string
	re    *regexp.Regexp // anchored, for =~ and !~
}

func (m matcher) matches(v string) bool {
	switch m.op {
	case "=":
		return v == m.value
	case "!=":
		return v != m.value
	case "=~":
		return m.re.MatchString(v)
	default:
		return !m.re.MatchString(v)
	}
}

// stage is one pipeline stage.
type stage struct {
	kind string // line, pattern, regexp, label, number, unwrap, format
	// line filter: op |= != |~ !~ and its text or expression.
	op   string
	text string
	re   *regexp.Regexp
	// pattern parser.
	pattern []patternNode
	// label filters and unwrap.
	label model.LabelName
	num   float64
	// label_format's assignments.
	formats []labelFormat
}

// labelFormat is one assignment of a label_format stage: dst takes the
// value of the label src (a rename: src is dropped), or of the template.
type labelFormat struct {
	dst  model.LabelName
	src  model.LabelName
	tmpl *template.Template
}

// patternNode is a literal or a capture of a pattern expression.
type patternNode struct {
	literal string
	capture string // "" for a literal, "_" for an unnamed capture
}

// rangeAgg is a range aggregation over a log query.
type rangeAgg struct {
	op       string
	param    float64 // quantile_over_time's q
	query    logQuery
	rng      time.Duration
	grouping []model.LabelName
	grouped  bool
}

// vectorAgg is a vector aggregation.
type vectorAgg struct {
	op       string
	grouping []model.LabelName
	grouped  bool
	arg      expr
}

// binaryExpr is an arithmetic operation.
type binaryExpr struct {
	op          string
	left, right expr
}

// numberLit is a number.
type numberLit struct{ v float64 }

func (rangeAgg) isExpr()   {}
func (vectorAgg) isExpr()  {}
func (binaryExpr) isExpr() {}
func (numberLit) isExpr()  {}

var (
	rangeOps = map[string]bool{
		"count_over_time": true, "rate": true, "bytes_over_time": true, "sum_over_time": true,
		"avg_over_time": true, "min_over_time": true, "max_over_time": true, "quantile_over_time": true,
	}
	unwrapOps         = map[string]bool{"sum_over_time": true, "avg_over_time": true, "min_over_time": true, "max_over_time": true, "quantile_over_time": true}
	vectorOps         = map[string]bool{"sum": true, "count": true, "min": true, "max": true, "avg": true}
	unsupportedStages = map[string]bool{
		"json": true, "logfmt": true, "unpack": true, "line_format": true,
		"drop": true, "keep": true, "decolorize": true,
	}
)

// parseError is a query the emulator cannot parse: bad LogQL, or LogQL
// outside its subset. Its message starts with "lokitest: ".
type parseError struct{ msg string }

func (e *parseError) Error() string { return "lokitest: " + e.msg }

// token is one lexical token.
type token struct {
	kind string // ident, string, number, duration, op, eof
	text string
	pos  int
}

func lex(src string) ([]token, error) {
	var toks []token
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '"':
			j := i + 1
			for j < len(src) && src[j] != '"' {
				if src[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(src) {
				return nil, &parseError{fmt.Sprintf("unterminated string at %d", i)}
			}
			s, err := strconv.Unquote(src[i : j+1])
			if err != nil {
				return nil, &parseError{fmt.Sprintf("bad string at %d: %v", i, err)}
			}
			toks = append(toks, token{"string", s, i})
			i = j + 1
		case c == '`':
			j := strings.IndexByte(src[i+1:], '`')
			if j < 0 {
				return nil, &parseError{fmt.Sprintf("unterminated raw string at %d", i)}
			}
			toks = append(toks, token{"string", src[i+1 : i+1+j], i})
			i += j + 2
		case c == '[':
			j := strings.IndexByte(src[i:], ']')
			if j < 0 {
				return nil, &parseError{fmt.Sprintf("unterminated range at %d", i)}
			}
			toks = append(toks, token{"duration", strings.TrimSpace(src[i+1 : i+j]), i})
			i += j + 1
		case c >= '0' && c <= '9' || c == '.':
			j := i
			for j < len(src) && (src[j] >= '0' && src[j] <= '9' || src[j] == '.' || src[j] == 'e' || src[j] == 'E' ||
				(j > i && (src[j] == '+' || src[j] == '-') && (src[j-1] == 'e' || src[j-1] == 'E'))) {
				j++
			}
			toks = append(toks, token{"number", src[i:j], i})
			i = j
		case c == '_' || unicode.IsLetter(rune(c)):
			j := i
			for j < len(src) && (src[j] == '_' || src[j] >= '0' && src[j] <= '9' || unicode.IsLetter(rune(src[j]))) {
				j++
			}
			toks = append(toks, token{"ident", src[i:j], i})
			i = j
		default:
			op := ""
			for _, o := range []string{"|=", "|~", "!=", "!~", "=~", "==", ">=", "<=", "|", "=", ">", "<", "{", "}", "(", ")", ",", "+", "-", "*", "/"} {
				if strings.HasPrefix(src[i:], o) {
					op = o
					break
				}
			}
			if op == "" {
				return nil, &parseError{fmt.Sprintf("unexpected %q at %d", c, i)}
			}
			toks = append(toks, token{"op", op, i})
			i += len(op)
		}
	}
	return append(toks, token{"eof", "", len(src)}), nil
}

// parser is a recursive-descent parser of the subset.
type parser struct {
	toks []token
	i    int
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) next() token { t := p.toks[p.i]; p.i++; return t }

func (p *parser) is(kind, text string) bool {
	t := p.peek()
	return t.kind == kind && (text == "" || t.text == text)
}

func (p *parser) expect(kind, text string) (token, error) {
	t := p.next()
	if t.kind != kind || (text != "" && t.text != text) {
		want := text
		if want == "" {
			want = kind
		}
		return t, &parseError{fmt.Sprintf("expected %s at %d, found %q", want, t.pos, t.text)}
	}
	return t, nil
}

// parseQuery parses a whole query: a log query or a metric expression.
func parseQuery(src string) (log *logQuery, metric expr, err error) {
	toks, err := lex(src)
	if err != nil {
		return nil, nil, err
	}
	p := &parser{toks: toks}
	if p.is("op", "{") {
		q, err := p.logQuery()
		if err != nil {
			return nil, nil, err
		}
		if !p.is("eof", "") {
			return nil, nil, &parseError{fmt.Sprintf("unexpected %q at %d after the log query", p.peek().text, p.peek().pos)}
		}
		return &q, nil, nil
	}
	e, err := p.additive()
	if err != nil {
		return nil, nil, err
	}
	if !p.is("eof", "") {
		return nil, nil, &parseError{fmt.Sprintf("unexpected %q at %d", p.peek().text, p.peek().pos)}
	}
	return nil, e, nil
}

func (p *parser) additive() (expr, error) {
	left, err := p.multiplicative()
	if err != nil {
		return nil, err
	}
	for p.is("op", "+") || p.is("op", "-") {
		op := p.next().text
		right, err := p.multiplicative()
		if err != nil {
			return nil, err
		}
		left = binaryExpr{op: op, left: left, right: right}
	}
	return left, nil
}

func (p *parser) multiplicative() (expr, error) {
	left, err := p.primary()
	if err != nil {
		return nil, err
	}
	for p.is("op", "*") || p.is("op", "/") {
		op := p.next().text
		right, err := p.primary()
		if err != nil {
			return nil, err
		}
		left = binaryExpr{op: op, left: left, right: right}
	}
	return left, nil
}

func (p *parser) primary() (expr, error) {
	t := p.peek()
	switch {
	case t.kind == "op" && t.text == "(":
		p.next()
		e, err := p.additive()
		if err != nil {
			return nil, err
		}
		if _, err := p.expect("op", ")"); err != nil {
			return nil, err
		}
		return e, nil
	case t.kind == "number":
		p.next()
		v, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			return nil, &parseError{fmt.Sprintf("bad number %q", t.text)}
		}
		return numberLit{v}, nil
	case t.kind == "ident" && rangeOps[t.text]:
		return p.rangeAgg()
	case t.kind == "ident" && vectorOps[t.text]:
		return p.vectorAgg()
	case t.kind == "ident":
		return nil, &parseError{fmt.Sprintf("unsupported function %q", t.text)}
	}
	return nil, &parseError{fmt.Sprintf("unexpected %q at %d", t.text, t.pos)}
}

func (p *parser) grouping() ([]model.LabelName, error) {
	if p.is("ident", "without") {
		return nil, &parseError{"without (...) is not supported"}
	}
	if !p.is("ident", "by") {
		return nil, nil
	}
	p.next()
	if _, err := p.expect("op", "("); err != nil {
		return nil, err
	}
	out := []model.LabelName{}
	for !p.is("op", ")") {
		t, err := p.expect("ident", "")
		if err != nil {
			return nil, err
		}
		out = append(out, model.LabelName(t.text))
		if p.is("op", ",") {
			p.next()
		}
	}
	p.next()
	return out, nil
}

func (p *parser) vectorAgg() (expr, error) {
	op := p.next().text
	g, err := p.grouping()
	if err != nil {
		return nil, err
	}
	if _, err := p.expect("op", "("); err != nil {
		return nil, err
	}
	arg, err := p.additive()
	if err != nil {
		return nil, err
	}
	if _, err := p.expect("op", ")"); err != nil {
		return nil, err
	}
	if g == nil {
		if g, err = p.grouping(); err != nil {
			return nil, err
		}
	}
	return vectorAgg{op: op, grouping: g, grouped: g != nil, arg: arg}, nil
}

func (p *parser) rangeAgg() (expr, error) {
	op := p.next().text
	if _, err := p.expect("op", "("); err != nil {
		return nil, err
	}
	a := rangeAgg{op: op}
	if op == "quantile_over_time" {
		t, err := p.expect("number", "")
		if err != nil {
			return nil, err
		}
		if a.param, err = strconv.ParseFloat(t.text, 64); err != nil {
			return nil, &parseError{fmt.Sprintf("bad quantile %q", t.text)}
		}
		if _, err := p.expect("op", ","); err != nil {
			return nil, err
		}
	}
	q, err := p.logQuery()
	if err != nil {
		return nil, err
	}
	a.query = q
	d, err := p.expect("duration", "")
	if err != nil {
		return nil, err
	}
	md, err := model.ParseDuration(d.text)
	if err != nil || md <= 0 {
		return nil, &parseError{fmt.Sprintf("bad range [%s]", d.text)}
	}
	a.rng = time.Duration(md)
	if _, err := p.expect("op", ")"); err != nil {
		return nil, err
	}
	if a.grouping, err = p.grouping(); err != nil {
		return nil, err
	}
	a.grouped = a.grouping != nil
	hasUnwrap := false
	for _, s := range q.stages {
		if s.kind == "unwrap" {
			hasUnwrap = true
		}
	}
	switch {
	case unwrapOps[op] && !hasUnwrap:
		return nil, &parseError{fmt.Sprintf("%s needs | unwrap", op)}
	case (op == "count_over_time" || op == "bytes_over_time") && hasUnwrap:
		return nil, &parseError{fmt.Sprintf("%s does not take | unwrap", op)}
	case a.grouped && !unwrapOps[op]:
		return nil, &parseError{fmt.Sprintf("%s takes no by (...)", op)}
	}
	return a, nil
}

func (p *parser) logQuery() (logQuery, error) {
	var q logQuery
	if _, err := p.expect("op", "{"); err != nil {
		return q, err
	}
	for !p.is("op", "}") {
		name, err := p.expect("ident", "")
		if err != nil {
			return q, err
		}
		op := p.next()
		if op.kind != "op" || (op.text != "=" && op.text != "!=" && op.text != "=~" && op.text != "!~") {
			return q, &parseError{fmt.Sprintf("bad matcher operator %q at %d", op.text, op.pos)}
		}
		val, err := p.expect("string", "")
		if err != nil {
			return q, err
		}
		m := matcher{name: model.LabelName(name.text), op: op.text, value: val.text}
		if op.text == "=~" || op.text == "!~" {
			if m.re, err = regexp.Compile("^(?:" + val.text + ")$"); err != nil {
				return q, &parseError{fmt.Sprintf("bad regexp %q: %v", val.text, err)}
			}
		}
		q.matchers = append(q.matchers, m)
		if p.is("op", ",") {
			p.next()
		}
	}
	p.next()
	if len(q.matchers) == 0 {
		return q, &parseError{"a stream selector needs at least one matcher"}
	}
	for {
		t := p.peek()
		switch {
		case t.kind == "op" && (t.text == "|=" || t.text == "!=" || t.text == "|~" || t.text == "!~"):
			p.next()
			s, err := p.expect("string", "")
			if err != nil {
				return q, err
			}
			st := stage{kind: "line", op: t.text, text: s.text}
			if t.text == "|~" || t.text == "!~" {
				if st.re, err = regexp.Compile(s.text); err != nil {
					return q, &parseError{fmt.Sprintf("bad regexp %q: %v", s.text, err)}
				}
			}
			if p.is("ident", "or") {
				return q, &parseError{"line filters with or are not supported"}
			}
			q.stages = append(q.stages, st)
		case t.kind == "op" && t.text == "|":
			p.next()
			st, err := p.stage()
			if err != nil {
				return q, err
			}
			q.stages = append(q.stages, st)
		default:
			return q, nil
		}
	}
}

// stage parses what follows a "|".
func (p *parser) stage() (stage, error) {
	t, err := p.expect("ident", "")
	if err != nil {
		return stage{}, err
	}
	switch {
	case t.text == "pattern":
		s, err := p.expect("string", "")
		if err != nil {
			return stage{}, err
		}
		nodes, err := parsePattern(s.text)
		return stage{kind: "pattern", pattern: nodes}, err
	case t.text == "regexp":
		s, err := p.expect("string", "")
		if err != nil {
			return stage{}, err
		}
		re, err := regexp.Compile(s.text)
		if err != nil {
			return stage{}, &parseError{fmt.Sprintf("bad regexp %q: %v", s.text, err)}
		}
		return stage{kind: "regexp", re: re}, nil
	case t.text == "unwrap":
		l, err := p.expect("ident", "")
		if err != nil {
			return stage{}, err
		}
		if p.is("op", "(") {
			return stage{}, &parseError{"unwrap conversion functions are not supported"}
		}
		return stage{kind: "unwrap", label: model.LabelName(l.text)}, nil
	case t.text == "label_format":
		return p.labelFormat()
	case unsupportedStages[t.text]:
		return stage{}, &parseError{fmt.Sprintf("the %s stage is not supported", t.text)}
	}
	// A label filter.
	op := p.next()
	if op.kind != "op" {
		return stage{}, &parseError{fmt.Sprintf("bad label filter at %d", op.pos)}
	}
	v := p.next()
	st := stage{label: model.LabelName(t.text), op: op.text}
	switch {
	case v.kind == "string" && (op.text == "=" || op.text == "!=" || op.text == "=~" || op.text == "!~"):
		st.kind, st.text = "label", v.text
		if op.text == "=~" || op.text == "!~" {
			if st.re, err = regexp.Compile("^(?:" + v.text + ")$"); err != nil {
				return stage{}, &parseError{fmt.Sprintf("bad regexp %q: %v", v.text, err)}
			}
		}
	case v.kind == "number" && (op.text == "=" || op.text == "==" || op.text == "!=" || op.text == ">" || op.text == ">=" || op.text == "<" || op.text == "<="):
		st.kind = "number"
		if st.num, err = strconv.ParseFloat(v.text, 64); err != nil {
			return stage{}, &parseError{fmt.Sprintf("bad number %q", v.text)}
		}
		if p.is("ident", "") && p.peek().text != "or" && p.peek().text != "and" {
			return stage{}, &parseError{"duration and bytes label filters are not supported"}
		}
	default:
		return stage{}, &parseError{fmt.Sprintf("unsupported label filter %s %s %q", t.text, op.text, v.text)}
	}
	if p.is("ident", "and") || p.is("ident", "or") || p.is("op", ",") {
		return stage{}, &parseError{"combined label filters are not supported"}
	}
	return st, nil
}

// labelFormat parses the assignments of a label_format stage:
// dst=src renames a label, dst="template" sets it from a Go text/template
// over the labels (with Go's built-in functions only; Loki's own template
// functions are refused). Assignments are separated by commas, and a label
// may be assigned once per stage, as in Loki.
func (p *parser) labelFormat() (stage, error) {
	st := stage{kind: "format"}
	seen := map[model.LabelName]bool{}
	for {
		dst, err := p.expect("ident", "")
		if err != nil {
			return stage{}, err
		}
		if _, err := p.expect("op", "="); err != nil {
			return stage{}, err
		}
		f := labelFormat{dst: model.LabelName(dst.text)}
		if seen[f.dst] {
			return stage{}, &parseError{fmt.Sprintf("label_format assigns %s twice", f.dst)}
		}
		seen[f.dst] = true
		switch v := p.next(); v.kind {
		case "ident":
			f.src = model.LabelName(v.text)
		case "string":
			t, err := template.New(dst.text).Option("missingkey=zero").Parse(v.text)
			if err != nil {
				return stage{}, &parseError{fmt.Sprintf("label_format template of %s: %v", dst.text, err)}
			}
			f.tmpl = t
		default:
			return stage{}, &parseError{fmt.Sprintf("label_format %s= needs a label or a template at %d", dst.text, v.pos)}
		}
		st.formats = append(st.formats, f)
		if !p.is("op", ",") {
			return st, nil
		}
		p.next()
	}
}

// parsePattern splits a pattern expression into literals and captures.
func parsePattern(s string) ([]patternNode, error) {
	var out []patternNode
	for s != "" {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			out = append(out, patternNode{literal: s})
			break
		}
		j := strings.IndexByte(s[i:], '>')
		name := ""
		if j > 0 {
			name = s[i+1 : i+j]
		}
		if j < 0 || !(name == "_" || isIdent(name)) {
			// Not a capture: '<' is literal text.
			out = append(out, patternNode{literal: s[:i+1]})
			s = s[i+1:]
			continue
		}
		if i > 0 {
			out = append(out, patternNode{literal: s[:i]})
		}
		if len(out) > 0 && out[len(out)-1].capture != "" {
			return nil, &parseError{"pattern: two captures in a row"}
		}
		out = append(out, patternNode{capture: name})
		s = s[i+j+1:]
	}
	// Merge adjacent literals.
	var merged []patternNode
	for _, n := range out {
		if k := len(merged) - 1; k >= 0 && n.capture == "" && merged[k].capture == "" {
			merged[k].literal += n.literal
			continue
		}
		merged = append(merged, n)
	}
	if len(merged) == 0 {
		return nil, &parseError{"empty pattern"}
	}
	return merged, nil
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || unicode.IsLetter(r) || i > 0 && unicode.IsDigit(r)) {
			return false
		}
	}
	return true
}
