package rules

import (
	"slices"
	"strings"
)

// logQLPodLocal is podLocal for a rendered LogQL metric query, read
// without Loki's parser (AGPL, not imported), and so on the safe side:
// anything it does not recognise as keeping each pod's series to itself
// makes the query not pod-local, which only costs a query per judgement.
// It holds when
//   - every vector aggregation (sum, avg, min, max, count, stddev, stdvar,
//     topk, bottomk) groups by the pod label, or without labels other
//     than it, and so does every range aggregation that groups;
//   - every vector match on (...) names the pod label and no ignoring
//     (...) does;
//   - no stage can rewrite or drop the pod label (label_format assigning
//     it, keep, drop, unpack, label_replace), and no vector() or
//     absent_over_time() makes a series of no pod.
//
// Strings are skipped: a word inside a filter or a template is no keyword.
func logQLPodLocal(q, pod string) bool {
	toks := logQLTokens(q)
	for i, t := range toks {
		if t.kind != tokWord {
			continue
		}
		next := func(k int) logQLToken { return tokAt(toks, i+k) }
		switch {
		case t.text == "label_replace" || t.text == "vector" || t.text == "absent_over_time":
			return false
		case (t.text == "keep" || t.text == "drop" || t.text == "unpack") && tokAt(toks, i-1).text == "|":
			return false
		case t.text == "label_format" && tokAt(toks, i-1).text == "|":
			if assignsLabel(toks[i+1:], pod) {
				return false
			}
		case (t.text == "on" || t.text == "ignoring") && next(1).text == "(":
			labels, _ := labelList(toks, i+1)
			if slices.Contains(labels, pod) != (t.text == "on") {
				return false
			}
		case vectorAggregations[t.text] && (next(1).text == "(" || next(1).text == "by" || next(1).text == "without"):
			if !groupsByPod(toks, i, pod, true) {
				return false
			}
		case next(1).text == "(" && rangeAggregation(t.text):
			if !groupsByPod(toks, i, pod, false) {
				return false
			}
		}
	}
	return true
}

// vectorAggregations are LogQL's vector aggregation operators that merge
// series (sort and sort_desc only order them).
var vectorAggregations = map[string]bool{
	"sum": true, "avg": true, "min": true, "max": true, "count": true, "stddev": true, "stdvar": true,
	"topk": true, "bottomk": true, "approx_topk": true,
}

// rangeAggregation says whether name is a LogQL range aggregation, which
// keeps each stream's labels unless it groups (by or without after its
// parentheses).
func rangeAggregation(name string) bool {
	switch name {
	case "rate", "rate_counter", "bytes_rate":
		return true
	}
	return strings.HasSuffix(name, "_over_time")
}

// groupsByPod says whether the aggregation whose name is toks[i] keeps the
// pod label: its grouping, before or after its parentheses, is by a list
// that has pod or without one that has not. Without a grouping a vector
// aggregation (must) merges every series, a range aggregation keeps them.
func groupsByPod(toks []logQLToken, i int, pod string, vector bool) bool {
	j := i + 1
	grouping := ""
	var labels []string
	if w := tokAt(toks, j).text; w == "by" || w == "without" {
		grouping = w
		labels, j = labelList(toks, j+1)
	}
	if tokAt(toks, j).text != "(" {
		return false
	}
	end := closing(toks, j)
	if w := tokAt(toks, end+1).text; grouping == "" && (w == "by" || w == "without") {
		grouping = w
		labels, _ = labelList(toks, end+2)
	}
	switch grouping {
	case "by":
		return slices.Contains(labels, pod)
	case "without":
		return !slices.Contains(labels, pod)
	}
	return !vector
}

// labelList reads a parenthesised list of labels starting at toks[j] and
// returns them and the index after its ")"; nil if toks[j] is no "(".
func labelList(toks []logQLToken, j int) ([]string, int) {
	if tokAt(toks, j).text != "(" {
		return nil, j
	}
	var labels []string
	for k := j + 1; k < len(toks); k++ {
		switch t := toks[k]; {
		case t.text == ")":
			return labels, k + 1
		case t.kind == tokWord:
			labels = append(labels, t.text)
		}
	}
	return labels, len(toks)
}

// closing returns the index of the ")" that closes the "(" at toks[j].
func closing(toks []logQLToken, j int) int {
	depth := 0
	for k := j; k < len(toks); k++ {
		switch toks[k].text {
		case "(":
			depth++
		case ")":
			if depth--; depth == 0 {
				return k
			}
		}
	}
	return len(toks)
}

// assignsLabel says whether a label_format stage, whose tokens follow,
// assigns label (label=... before the stage ends at "|" or a bracket).
func assignsLabel(toks []logQLToken, label string) bool {
	for k, t := range toks {
		switch {
		case t.text == "|" || t.text == ")" || t.text == "[" || t.text == "]":
			return false
		case t.kind == tokWord && t.text == label && tokAt(toks, k+1).text == "=":
			return true
		}
	}
	return false
}

// logQLToken is a word (a name or number), a string or one character.
type logQLToken struct {
	kind int
	text string
}

const (
	tokWord = iota
	tokString
	tokOther
)

// tokAt is toks[i], or an empty token outside toks.
func tokAt(toks []logQLToken, i int) logQLToken {
	if i < 0 || i >= len(toks) {
		return logQLToken{kind: tokOther}
	}
	return toks[i]
}

// logQLTokens splits q into words, strings and single characters, leaving
// out white space. An unclosed string runs to the end.
func logQLTokens(q string) []logQLToken {
	var toks []logQLToken
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
		case c == '"' || c == '`':
			end := stringEnd(q, i)
			if end < 0 {
				end = len(q) - 1
			}
			toks = append(toks, logQLToken{tokString, q[i : end+1]})
			i = end
		case isWordByte(c):
			j := i
			for j < len(q) && isWordByte(q[j]) {
				j++
			}
			toks = append(toks, logQLToken{tokWord, q[i:j]})
			i = j - 1
		default:
			toks = append(toks, logQLToken{tokOther, string(c)})
		}
	}
	return toks
}

func isWordByte(c byte) bool {
	return c == '_' || c == '.' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}
