package rules

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Load parses one rule file's content. file names it in errors. env selects
// the environment whose overrides are applied ("" for none; an environment
// the file does not mention is not an error here: the base values apply,
// and LoadDir checks that some file defines it). Every problem is returned
// at once as Errors, each with file:line:col.
func Load(content []byte, file, env string) (*RuleSet, error) {
	root, err := parseYAML(content, file)
	if err != nil {
		return nil, err
	}
	var rs RuleSet
	dec := decoder{file: file}
	dec.decode(root, reflect.ValueOf(&rs).Elem(), scope{})
	d := rs.WithDefaults()
	v := validator{file: file, root: root, failed: dec.failed, lines: strings.Split(string(content), "\n")}
	v.ruleSet(&rs, d)
	if errs := append(dec.errs, v.errs...); len(errs) > 0 {
		sortErrors(errs)
		return nil, errs
	}
	for i := range d.Metrics {
		d.Metrics[i].queries = v.templates[i]
	}
	d.File = file
	d.Revision = revision(content)
	sortErrors(v.warnings)
	for _, w := range v.warnings {
		d.Warnings = append(d.Warnings, w)
	}
	if e, ok := d.Environments[env]; ok && env != "" {
		d.base = d.WithDefaults() // a copy, before the overrides
		e.apply(d)
		d.Environment = env
	}
	return d, nil
}

// parseYAML parses a rule file into its YAML node tree: one document
// holding a mapping.
func parseYAML(content []byte, file string) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(content))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, Errors{&Error{File: file, Msg: "the file is empty"}}
		}
		return nil, Errors{syntaxError(file, content, err)}
	}
	if len(doc.Content) == 0 {
		return nil, Errors{&Error{File: file, Msg: "the file is empty"}}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		line, _ := position(&extra)
		return nil, Errors{&Error{File: file, Line: line, Msg: "a rule file holds one rule set: found a second YAML document"}}
	}
	return doc.Content[0], nil
}

// sortErrors orders errors by position.
func sortErrors(errs Errors) {
	pos := func(e error) (int, int) {
		var pe *Error
		if errors.As(e, &pe) {
			return pe.Line, pe.Col
		}
		return 0, 0
	}
	sort.SliceStable(errs, func(i, j int) bool {
		li, ci := pos(errs[i])
		lj, cj := pos(errs[j])
		return li < lj || li == lj && ci < cj
	})
}

// LoadFile reads and parses one rule file.
func LoadFile(path, env string) (*RuleSet, error) {
	content, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading rule file: %w", err)
	}
	return Load(content, path, env)
}

// LoadDir loads every *.yaml and *.yml file of dir (not recursively; names
// starting with "." or "..", as Kubernetes' ConfigMap volumes make them, are
// skipped). It fails as a whole: one bad file, two files with the same
// rule-set name, or an environment env that no file defines (a misspelt
// --environment must not quietly select the base values), and nothing is
// returned.
func LoadDir(dir, env string) (map[string]*RuleSet, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("reading rules directory: %w", err)
	}
	var errs Errors
	sets := map[string]*RuleSet{}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") || !(strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")) {
			continue
		}
		path := filepath.Join(dir, name)
		if info, err := os.Stat(path); err != nil || info.IsDir() {
			continue
		}
		rs, err := LoadFile(path, env)
		if err != nil {
			var es Errors
			if errors.As(err, &es) {
				errs = append(errs, es...)
			} else {
				errs = append(errs, err)
			}
			continue
		}
		if prev, dup := sets[rs.Name]; dup {
			errs = append(errs, &Error{File: path, Msg: fmt.Sprintf("rule set %q is already defined in %s", rs.Name, prev.File)})
			continue
		}
		sets[rs.Name] = rs
	}
	if len(errs) > 0 {
		return nil, errs
	}
	if len(sets) == 0 {
		return nil, fmt.Errorf("no rule files (*.yaml) in %s", dir)
	}
	if err := CheckEnvironment(sets, env); err != nil {
		return nil, fmt.Errorf("rules in %s: %w", dir, err)
	}
	return sets, nil
}

// ErrUnknownEnvironment is the error (wrapped) for an environment that no
// rule set defines.
var ErrUnknownEnvironment = errors.New("unknown environment")

// Environments lists the environments the rule sets define, sorted.
func Environments(sets map[string]*RuleSet) []string {
	seen := map[string]bool{}
	for _, rs := range sets {
		for name := range rs.Environments {
			seen[name] = true
		}
	}
	out := make([]string, 0, len(seen))
	for name := range seen {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// CheckEnvironment returns an ErrUnknownEnvironment error when env is not
// "" and no rule set defines it. A rule set that does not define an
// environment some other one defines just keeps its base values there.
func CheckEnvironment(sets map[string]*RuleSet, env string) error {
	if env == "" {
		return nil
	}
	known := Environments(sets)
	for _, e := range known {
		if e == env {
			return nil
		}
	}
	if len(known) == 0 {
		return fmt.Errorf("%w %q: no rule set defines environments", ErrUnknownEnvironment, env)
	}
	return fmt.Errorf("%w %q: the rule sets define %s", ErrUnknownEnvironment, env, strings.Join(known, ", "))
}

// Warnings lists the warnings of every rule set, by file.
func Warnings(sets map[string]*RuleSet) []error {
	var out []error
	for _, name := range Names(sets) {
		out = append(out, sets[name].Warnings...)
	}
	return out
}

// Names returns the rule-set names of sets, sorted.
func Names(sets map[string]*RuleSet) []string {
	out := make([]string, 0, len(sets))
	for n := range sets {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// revision names a rule file's content: the first 12 hex digits of its
// SHA-256.
func revision(content []byte) string {
	sum := sha256.Sum256(content)
	return hex.EncodeToString(sum[:6])
}
