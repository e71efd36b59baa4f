package replay

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// errByHand is why a podSpread the file writes in an unusual way (flow
// style, an alias, a tag, quotes, text after the value) is left for a
// person to edit.
var errByHand = errors.New("edit it by hand")

// WriteSpreads returns a rule file's content with the measured spreads
// applied to its metrics' podSpread (spreadToWrite says which and what),
// and what it did with each metric and each estimate. It finds the
// metrics with yaml.v3's node tree and edits only the lines of the values
// it changes, so every comment and the rest of the layout stay as they
// were: a changed value gets a line comment saying what was measured (an
// old line comment moves to the line below it), and a metric without a
// podSpread gets one inserted after its query and load keys (or at the end
// of its mapping). The result is decoded again and must equal the input
// but for the values written.
func WriteSpreads(content []byte, spreads []SpreadEstimate, o WriteOptions) ([]byte, []SpreadWrite, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(content, &doc); err != nil {
		return nil, nil, fmt.Errorf("parsing the rule file: %w", err)
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, nil, errors.New("not a rule file: no top-level mapping")
	}
	root := doc.Content[0]
	metrics := mapValue(root, "metrics")
	if metrics == nil || metrics.Kind != yaml.SequenceNode {
		return nil, nil, errors.New("not a rule file: no metrics list")
	}
	byName := map[string]SpreadEstimate{}
	for _, e := range spreads {
		byName[e.Metric] = e
	}
	f := newLines(content)
	written := map[int]string{}
	var out []SpreadWrite
	for i, item := range metrics.Content {
		m := item
		if m.Kind == yaml.AliasNode {
			m = m.Alias
		}
		name := mapValue(m, "name")
		if name == nil {
			continue
		}
		w := SpreadWrite{Metric: name.Value, Prior: math.NaN()}
		if v := mapValue(m, "podSpread"); v != nil {
			w.Old = v.Value
		}
		e, measured := byName[w.Metric]
		delete(byName, w.Metric)
		if !measured {
			out = append(out, with(w, "not measured"))
			continue
		}
		w.Prior = e.Prior
		value, why, ok := spreadToWrite(e)
		if !ok {
			out = append(out, with(w, why))
			continue
		}
		w.New, w.Why, w.Inserted = value, why, mapValue(m, "podSpread") == nil
		if err := f.setSpread(item, value, writeComment(e, o, w)); err != nil {
			w.New, w.Inserted, w.Warning = "", false, true
			out = append(out, with(w, fmt.Sprintf("measured %.3g, but %v", e.Estimate, err)))
			continue
		}
		written[i] = value
		out = append(out, w)
	}
	for _, e := range spreads {
		if _, left := byName[e.Metric]; left {
			out = append(out, SpreadWrite{Metric: e.Metric, Prior: e.Prior, Why: "not among the file's metrics"})
		}
	}
	b := f.bytes()
	if err := checkWritten(content, b, written); err != nil {
		return nil, nil, err
	}
	return b, out, nil
}

func with(w SpreadWrite, why string) SpreadWrite {
	w.Why = why
	return w
}

// mapValue returns the value of key in mapping m, or nil.
func mapValue(m *yaml.Node, key string) *yaml.Node {
	k, v := mapEntry(m, key)
	if k == nil {
		return nil
	}
	return v
}

// mapEntry returns the key and value nodes of key in mapping m.
func mapEntry(m *yaml.Node, key string) (k, v *yaml.Node) {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i], m.Content[i+1]
		}
	}
	return nil, nil
}

// setSpread writes podSpread value with a line comment into metric item,
// replacing its value or inserting the key.
func (f *lines) setSpread(item *yaml.Node, value, comment string) error {
	switch {
	case item.Kind == yaml.AliasNode:
		return fmt.Errorf("the metric is an alias (*%s): %w", item.Value, errByHand)
	case item.Style&yaml.FlowStyle != 0:
		return fmt.Errorf("the metric is in flow style: %w", errByHand)
	case item.Anchor != "":
		return fmt.Errorf("other metrics may merge its mapping (&%s): %w", item.Anchor, errByHand)
	}
	if v := mapValue(item, "podSpread"); v != nil {
		return f.replaceScalar(v, value, comment)
	}
	// After the query and load keys, or after the last key.
	after := len(item.Content) - 2
	for i := 0; i+1 < len(item.Content); i += 2 {
		if k := item.Content[i].Value; k == "query" || k == "load" {
			after = i
		}
	}
	key := item.Content[after]
	end := f.valueEnd(key, item.Content[after+1])
	f.insertAfter(end, fmt.Sprintf("%spodSpread: %s  # %s", strings.Repeat(" ", key.Column-1), value, comment))
	return nil
}

// checkWritten decodes the input and the output and checks that they
// differ in the written podSpreads only (metric index to value).
func checkWritten(in, out []byte, written map[int]string) error {
	var want, got any
	if err := yaml.Unmarshal(in, &want); err != nil {
		return err
	}
	if err := yaml.Unmarshal(out, &got); err != nil {
		return fmt.Errorf("the rule file written does not parse: %w", err)
	}
	top, _ := want.(map[string]any)
	metrics, _ := top["metrics"].([]any)
	for i, v := range written {
		var x any
		if err := yaml.Unmarshal([]byte(v), &x); err != nil {
			return err
		}
		var m map[string]any
		if i < len(metrics) {
			m, _ = metrics[i].(map[string]any)
		}
		if m == nil {
			return fmt.Errorf("metric %d does not decode as a mapping", i+1)
		}
		m["podSpread"] = x
	}
	if !reflect.DeepEqual(want, got) {
		return errors.New("the rule file written differs from the input in more than the podSpreads written")
	}
	return nil
}
