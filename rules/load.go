package rules

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Load parses one rule file's content. file names it in errors. env selects
// the environment whose overrides are applied ("" for none; an environment
// the file does not mention is not an error: the base values apply). All
// problems are returned at once as Errors, each with file:line.
func Load(content []byte, file, env string) (*RuleSet, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(content, &root); err != nil {
		return nil, fromYAML(file, err)
	}
	if len(root.Content) == 0 {
		return nil, Errors{&Error{File: file, Msg: "the file is empty"}}
	}
	dec := yaml.NewDecoder(bytes.NewReader(content))
	dec.KnownFields(true)
	var rs RuleSet
	if err := dec.Decode(&rs); err != nil {
		return nil, fromYAML(file, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		line, _ := position(&extra)
		return nil, Errors{&Error{File: file, Line: line, Msg: "a rule file holds one rule set: found a second YAML document"}}
	}
	v := validator{file: file, root: &root}
	d := rs.WithDefaults()
	v.ruleSet(&rs, d)
	if len(v.errs) > 0 {
		sort.SliceStable(v.errs, func(i, j int) bool { return v.errs[i].(*Error).Line < v.errs[j].(*Error).Line })
		return nil, v.errs
	}
	for i := range d.Metrics {
		d.Metrics[i].queries = v.templates[i]
	}
	d.File = file
	if e, ok := d.Environments[env]; ok && env != "" {
		e.apply(d)
		d.Environment = env
	}
	return d, nil
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
// skipped). It fails as a whole: one bad file, or two files with the same
// rule-set name, and nothing is returned.
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
	return sets, nil
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
