package wire

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// unreadable matches what a sentence must never show.
var unreadable = regexp.MustCompile(`NaN|Inf|∞`)

// TestSentencesCoverEveryText names every string field of a metric's
// result and evidence after its path, and checks that Sentences returns
// each reason, text, method and spending: a sentence field added to the
// evidence but not to Sentences fails here.
func TestSentencesCoverEveryText(t *testing.T) {
	t.Parallel()
	var m MetricResult
	fill(reflect.ValueOf(&m).Elem())
	var want []string
	var name func(v reflect.Value, path string)
	name = func(v reflect.Value, path string) {
		switch v.Kind() {
		case reflect.Struct:
			for i := range v.NumField() {
				name(v.Field(i), path+"."+v.Type().Field(i).Name)
			}
		case reflect.Pointer:
			name(v.Elem(), path)
		case reflect.Slice:
			name(v.Index(0), path)
		case reflect.String:
			v.SetString(path)
			for _, s := range []string{".Text", ".Method", ".Spending", ".Reason"} {
				if strings.HasSuffix(path, s) {
					want = append(want, path)
				}
			}
		}
	}
	name(reflect.ValueOf(&m).Elem(), "MetricResult")
	r := Response{Reason: "Response.Reason", Metrics: []MetricResult{m}}
	got := r.Sentences()
	for _, w := range append(want, "Response.Reason") {
		if !slices.Contains(got, w) {
			t.Errorf("Sentences lacks %s", w)
		}
	}
	if len(got) != len(want)+1 {
		t.Errorf("Sentences returned %d strings, want %d: %v", len(got), len(want)+1, got)
	}
	// A both-references answer: each reference's reason and metrics too.
	r.References = []Reference{{Reason: "Reference.Reason", Metrics: []MetricResult{{Reason: "Reference.Metrics.Reason"}}}}
	both := r.Sentences()
	for _, w := range []string{"Reference.Reason", "Reference.Metrics.Reason"} {
		if !slices.Contains(both, w) {
			t.Errorf("Sentences lacks %s", w)
		}
	}
}

// TestGoldenSentences: the recorded answers say nothing undefined.
func TestGoldenSentences(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"judge-healthy.json", "judge-regressed.json", "judge-both-references.json"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "golden", name))
		if err != nil {
			t.Fatal(err)
		}
		var r Response
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		for _, s := range r.Sentences() {
			if unreadable.MatchString(s) {
				t.Errorf("%s: %q", name, s)
			}
		}
	}
}
