package rules

import (
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// decoder fills Go values from a YAML node tree, strictly and without
// stopping at the first problem: every unknown key (with a "did you mean"
// among the keys of its level), every value of the wrong type and every
// duplicate key is an Error at its own line and column, naming the metric
// it belongs to. It is our own because yaml.v3 reports unknown keys and
// type errors by line only, and does not carry KnownFields into the
// decoding that a custom UnmarshalYAML starts.
type decoder struct {
	file string
	errs Errors
	// failed holds the paths where decoding failed, so that validation
	// does not report the same fields again.
	failed [][]any
	// visits counts the nodes decoded: aliases and merge keys can make a
	// small file expand without end, as in yaml.v3's own decoder.
	visits int
	// open holds the nodes an alias led to that are being decoded on the
	// current path: an alias that leads back into one of them ("- &m {<<:
	// *m}") would recurse until the stack overflows, long before visits
	// runs out.
	open map[*yaml.Node]bool
}

// resolve follows n's aliases to the node they name, and says whether it
// had to: only an alias can lead back into the value it is in.
func resolve(n *yaml.Node) (*yaml.Node, bool) {
	alias := false
	for n.Kind == yaml.AliasNode {
		n, alias = n.Alias, true
	}
	return n, alias
}

// enter marks n as being decoded, or reports the cycle and returns false
// when it already is; leave(n) ends it.
func (d *decoder) enter(n *yaml.Node, s scope) bool {
	if d.open[n] {
		d.errorf(n, s, "an alias or merge key (<<) refers to the value that contains it (line %d): it would never end", n.Line)
		return false
	}
	if d.open == nil {
		d.open = map[*yaml.Node]bool{}
	}
	d.open[n] = true
	return true
}

func (d *decoder) leave(n *yaml.Node) { delete(d.open, n) }

// maxVisits bounds the nodes one file decodes to (aliases counted each
// time they are used).
const maxVisits = 1 << 20

// exhausted reports whether the file expanded past maxVisits, reporting it
// once.
func (d *decoder) exhausted(n *yaml.Node) bool {
	d.visits++
	if d.visits == maxVisits {
		d.errorf(n, scope{}, "the document expands to more than %d values through its aliases", maxVisits)
	}
	return d.visits >= maxVisits
}

// scope says where a node is, for messages: "metric \"latency\"",
// "environment live", "" at the top.
type scope struct {
	path  []any
	where string
	// base is where where's part of path ends: the keys after it name a
	// field within it ("thresholds.pass").
	base int
}

func (s scope) at(key any, where string) scope {
	p := make([]any, len(s.path), len(s.path)+1)
	copy(p, s.path)
	p = append(p, key)
	if where == "" {
		return scope{path: p, where: s.where, base: s.base}
	}
	return scope{path: p, where: where, base: len(p)}
}

func (d *decoder) errorf(n *yaml.Node, s scope, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if s.where != "" {
		msg = s.where + ": " + msg
	}
	d.errs = append(d.errs, &Error{File: d.file, Line: n.Line, Col: n.Column, Msg: msg})
	d.failed = append(d.failed, s.path)
}

var (
	unmarshalerType         = reflect.TypeFor[yaml.Unmarshaler]()
	obsoleteUnmarshalerType = reflect.TypeFor[interface {
		UnmarshalYAML(func(any) error) error
	}]()
)

// decode decodes n into v (addressable).
func (d *decoder) decode(n *yaml.Node, v reflect.Value, s scope) {
	n, alias := resolve(n)
	if d.exhausted(n) {
		return
	}
	if alias {
		if !d.enter(n, s) {
			return
		}
		defer d.leave(n)
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return // unset
	}
	pt := v.Addr().Type()
	if pt.Implements(unmarshalerType) || pt.Implements(obsoleteUnmarshalerType) {
		d.leaf(n, v, s)
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		elem := reflect.New(v.Type().Elem())
		d.decode(n, elem.Elem(), s)
		v.Set(elem)
	case reflect.Struct:
		d.structure(n, v, s)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.errorf(n, s, "%s must be a list, not %s", keyName(s), describe(n))
			return
		}
		out := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, item := range n.Content {
			d.decode(item, out.Index(i), s.at(i, itemScope(s, item, i)))
		}
		v.Set(out)
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			d.errorf(n, s, "%s must be a mapping, not %s", keyName(s), describe(n))
			return
		}
		out := reflect.MakeMap(v.Type())
		for _, kv := range d.entries(n, s) {
			key := kv.key.Value
			elem := reflect.New(v.Type().Elem()).Elem()
			d.decode(kv.value, elem, s.at(key, entryScope(s, key)))
			out.SetMapIndex(reflect.ValueOf(key).Convert(v.Type().Key()), elem)
		}
		v.Set(out)
	default:
		d.leaf(n, v, s)
	}
}

// structure decodes a mapping into a struct, by the fields' yaml tags.
func (d *decoder) structure(n *yaml.Node, v reflect.Value, s scope) {
	if n.Kind != yaml.MappingNode {
		switch {
		case len(s.path) == 0:
			d.errorf(n, s, "a rule file must be a mapping of fields (name: ..., thresholds: ..., metrics: ...), not %s", describe(n))
		case v.Type() == reflect.TypeFor[Metric]():
			d.errorf(n, s, "a metric must be a mapping of fields (name: ..., query: ...), not %s", describe(n))
		default:
			d.errorf(n, s, "%s must be a mapping, not %s", keyName(s), describe(n))
		}
		return
	}
	fields := fieldIndex(v.Type())
	for _, kv := range d.entries(n, s) {
		key := kv.key.Value
		i, ok := fields[key]
		if !ok {
			in := ""
			if parent := keyPath(s); parent != "" {
				in = " in " + parent
			}
			d.errorf(kv.key, s.at(key, ""), "unknown field %q%s%s", key, in, suggest(key, v.Type()))
			continue
		}
		d.decode(kv.value, v.Field(i), s.at(key, ""))
	}
}

// leaf decodes a scalar (or a type that decodes itself) with yaml.v3.
func (d *decoder) leaf(n *yaml.Node, v reflect.Value, s scope) {
	if n.Kind != yaml.ScalarNode {
		d.errorf(n, s, "%s must be %s, not %s", keyName(s), expected(v.Type()), describe(n))
		return
	}
	if err := n.Decode(v.Addr().Interface()); err != nil {
		d.errorf(n, s, "%s must be %s, not %q", keyName(s), expected(v.Type()), n.Value)
	}
}

type entry struct{ key, value *yaml.Node }

// entries lists a mapping's keys and values with YAML merge keys ("<<:
// *defaults") resolved: the mapping's own keys win over merged ones, and
// earlier merged mappings over later ones. A key given twice is an error.
func (d *decoder) entries(n *yaml.Node, s scope) []entry {
	var own, merged []entry
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Value == "<<" && k.ShortTag() == "!!merge" {
			merged = append(merged, d.merge(val, s)...)
			continue
		}
		if k.Kind != yaml.ScalarNode {
			d.errorf(k, s, "a key must be a plain name, not %s", describe(k))
			continue
		}
		own = append(own, entry{k, val})
	}
	seen := map[string]*yaml.Node{}
	var out []entry
	for _, e := range own {
		if first, dup := seen[e.key.Value]; dup {
			d.errorf(e.key, s.at(e.key.Value, ""), "%q is given twice (first at line %d)", e.key.Value, first.Line)
			continue
		}
		seen[e.key.Value] = e.key
		out = append(out, e)
	}
	for _, e := range merged {
		if _, dup := seen[e.key.Value]; !dup {
			seen[e.key.Value] = e.key
			out = append(out, e)
		}
	}
	return out
}

// merge returns the entries a merge key brings in: a mapping, or a list of
// mappings.
func (d *decoder) merge(n *yaml.Node, s scope) []entry {
	n, alias := resolve(n)
	if d.exhausted(n) {
		return nil
	}
	if alias {
		if !d.enter(n, s) {
			return nil
		}
		defer d.leave(n)
	}
	switch n.Kind {
	case yaml.MappingNode:
		return d.entries(n, s)
	case yaml.SequenceNode:
		var out []entry
		for _, item := range n.Content {
			out = append(out, d.merge(item, s)...)
		}
		return out
	}
	d.errorf(n, s, "a merge key (<<) takes a mapping or a list of mappings, not %s", describe(n))
	return nil
}

// itemScope names item i of a list: metrics by their name.
func itemScope(s scope, item *yaml.Node, i int) string {
	if len(s.path) == 1 && s.path[0] == "metrics" {
		if name := scalarField(item, "name"); name != "" {
			return fmt.Sprintf("metric %q", name)
		}
		return fmt.Sprintf("metrics[%d]", i)
	}
	return ""
}

// entryScope names the value of a map entry: environments and their metric
// overrides.
func entryScope(s scope, key string) string {
	switch {
	case len(s.path) == 1 && s.path[0] == "environments":
		return "environment " + key
	case len(s.path) == 3 && s.path[0] == "environments" && s.path[2] == "metrics":
		return fmt.Sprintf("%s, metric %q", s.where, key)
	}
	return ""
}

// scalarField returns the value of a mapping's scalar key, "" if none.
func scalarField(n *yaml.Node, key string) string {
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind != yaml.MappingNode {
		return ""
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key && n.Content[i+1].Kind == yaml.ScalarNode {
			return n.Content[i+1].Value
		}
	}
	return ""
}

// keyName names the field a scope is at, for messages: its keys within
// the scope's metric or environment, joined with dots.
func keyName(s scope) string {
	if k := keyPath(s); k != "" {
		return k
	}
	return "the value"
}

func keyPath(s scope) string {
	var keys []string
	for _, p := range s.path[s.base:] {
		keys = append(keys, fmt.Sprint(p))
	}
	return strings.Join(keys, ".")
}

// describe names what a node is, for messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return fmt.Sprintf("%q", n.Value)
}

// expected names what a Go type takes.
func expected(t reflect.Type) string {
	switch t.String() {
	case "model.Duration":
		return "a duration (30s, 5m, 1h)"
	}
	switch t.Kind() {
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "a whole number"
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	}
	return "a " + t.String()
}

// fieldIndex maps a struct's yaml keys to its field indexes.
func fieldIndex(t reflect.Type) map[string]int {
	out := map[string]int{}
	for i := range t.NumField() {
		if name := yamlName(t.Field(i)); name != "" {
			out[name] = i
		}
	}
	return out
}

// fieldNames lists a struct's yaml keys in declaration order.
func fieldNames(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		if name := yamlName(t.Field(i)); name != "" {
			out = append(out, name)
		}
	}
	return out
}

func yamlName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if name == "-" || name == "" {
		return ""
	}
	return name
}

// levels are the mappings of a rule file, for "did you mean" across levels.
var levels = []struct {
	name string
	t    reflect.Type
}{
	{"the rule set", reflect.TypeFor[RuleSet]()},
	{"a metric", reflect.TypeFor[Metric]()},
	{"pods", reflect.TypeFor[PodMatching]()},
	{"thresholds", reflect.TypeFor[Thresholds]()},
	{"an environment", reflect.TypeFor[Environment]()},
	{"an environment's metric override", reflect.TypeFor[MetricOverride]()},
	{"signatures", reflect.TypeFor[SignatureOptions]()},
}

// suggest returns a "did you mean" for an unknown key of a t mapping: the
// nearest key of t by edit distance when it is close, else the level the
// key belongs to when it is a key of another one.
func suggest(key string, t reflect.Type) string {
	names := fieldNames(t)
	best, bestD := "", 1<<30
	for _, n := range names {
		if d := editDistance(strings.ToLower(key), strings.ToLower(n)); d < bestD {
			best, bestD = n, d
		}
	}
	if bestD <= max(2, len(key)/3) && bestD < len(key) {
		return fmt.Sprintf("; did you mean %q?", best)
	}
	for _, n := range names {
		if len(key) >= 4 && strings.Contains(strings.ToLower(n), strings.ToLower(key)) {
			return fmt.Sprintf("; did you mean %q?", n)
		}
	}
	for _, l := range levels {
		if l.t == t {
			continue
		}
		if _, ok := fieldIndex(l.t)[key]; ok {
			return fmt.Sprintf("; %q is a field of %s: is it indented right?", key, l.name)
		}
	}
	sort.Strings(names)
	return "; known fields: " + strings.Join(names, ", ")
}

// editDistance is the Levenshtein distance between a and b, counting an
// insertion, a deletion or a substitution of one byte as one edit.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			sub := prev[j-1]
			if a[i-1] != b[j-1] {
				sub++
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, sub)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// yamlProblem is a syntax error's message as yaml.v3 prints it.
var yamlProblem = regexp.MustCompile(`^yaml: (?:line (\d+): )?(.*)$`)

// syntaxError positions a YAML syntax error. yaml.v3 reports the line where
// the enclosing block starts ("while parsing a block mapping at line 34"),
// not the line of the mistake, and no column; the mistake is where the
// document stops parsing the same way: the shortest prefix of the content
// that fails with the same message ends on its line, and within that line
// at its column.
func syntaxError(file string, content []byte, err error) *Error {
	g := yamlProblem.FindStringSubmatch(err.Error())
	if g == nil {
		return &Error{File: file, Msg: err.Error()}
	}
	msg := g[2]
	same := func(prefix []byte) bool {
		var n yaml.Node
		e := yaml.Unmarshal(prefix, &n)
		if e == nil {
			return false
		}
		h := yamlProblem.FindStringSubmatch(e.Error())
		return h != nil && h[2] == msg
	}
	lines := strings.SplitAfter(string(content), "\n")
	// The shortest failing prefix of whole lines, by bisection: once a
	// prefix holds the mistake, every longer one fails on it too.
	lo, hi := 1, len(lines)
	if !same(content) {
		e := &Error{File: file, Msg: msg}
		if g[1] != "" {
			fmt.Sscan(g[1], &e.Line)
		}
		return e
	}
	for lo < hi {
		mid := (lo + hi) / 2
		if same([]byte(strings.Join(lines[:mid], ""))) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	line := lo
	before := strings.Join(lines[:line-1], "")
	text := strings.TrimRight(lines[line-1], "\n")
	// The shortest failing prefix of that line gives the column, by
	// bisection too; the line's first character when no prefix of it fails.
	col := len(text) - len(strings.TrimLeft(text, " \t")) + 1
	if same([]byte(before + text)) {
		lo, hi := 1, len(text)
		for lo < hi {
			mid := (lo + hi) / 2
			if same([]byte(before + text[:mid])) {
				hi = mid
			} else {
				lo = mid + 1
			}
		}
		col = lo
	}
	return &Error{File: file, Line: line, Col: col, Msg: msg + syntaxHints[msg]}
}

// syntaxHints say what usually causes yaml.v3's syntax errors.
var syntaxHints = map[string]string{
	"did not find expected key":                      " (is this line indented like the keys around it?)",
	"did not find expected '-' indicator":            " (is this line indented like the list items around it?)",
	"mapping values are not allowed in this context": " (a ': ' inside a plain value: quote the value, or is the line indented too far?)",
	"found character that cannot start any token":    " (a tab, or a value starting with '@' or '`': indent with spaces, quote the value)",
	"could not find expected ':'":                    " (a key without ':', or a quoted value that does not end on its line?)",
}
