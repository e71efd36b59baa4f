package wire

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/canary-analyzer/canary-analyzer/analysis"
)

// TestFloatJSON: NaN and infinities are null, and null reads back as NaN
// (a decoded answer is not turned into zeros).
func TestFloatJSON(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		v    float64
		json string
	}{
		{"number", 0.25, "0.25"},
		{"zero", 0, "0"},
		{"NaN", math.NaN(), "null"},
		{"+Inf", math.Inf(1), "null"},
		{"-Inf", math.Inf(-1), "null"},
	} {
		t.Run(c.name, func(t *testing.T) {
			b, err := json.Marshal(Float(c.v))
			if err != nil || string(b) != c.json {
				t.Fatalf("Marshal(%g) = %s, %v; want %s", c.v, b, err, c.json)
			}
			var f Float
			if err := json.Unmarshal(b, &f); err != nil {
				t.Fatal(err)
			}
			want := c.v
			if math.IsInf(want, 0) {
				want = math.NaN() // null does not say which infinity
			}
			if got := float64(f); got != want && !(math.IsNaN(got) && math.IsNaN(want)) {
				t.Errorf("Unmarshal(%s) = %g, want %g", b, got, want)
			}
		})
	}
	var f Float
	if err := json.Unmarshal([]byte(`"x"`), &f); err == nil {
		t.Error("a string decoded as a Float")
	}
}

// TestGoldenRoundTrip decodes the recorded answers of the demo and encodes
// them again: every byte, nulls included, comes back (the CLI's
// judge --server --output json does exactly this).
func TestGoldenRoundTrip(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"judge-healthy.json", "judge-regressed.json", "judge-both-references.json"} {
		t.Run(name, func(t *testing.T) {
			want, err := os.ReadFile(filepath.Join("..", "..", "testdata", "golden", name))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(want, []byte("null")) {
				t.Fatalf("%s has no null to round-trip", name)
			}
			var r Response
			if err := json.Unmarshal(want, &r); err != nil {
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(r, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(bytes.TrimSpace(got), bytes.TrimSpace(want)) {
				t.Errorf("re-encoded answer differs from %s:\n%s", name, got)
			}
		})
	}
}

// TestNewMetricResultCopiesEveryField fills every field of a result and
// its evidence with a value that is not zero, converts it and checks that
// every field of the JSON form is set: a field added to analysis but not to
// the conversion fails here.
func TestNewMetricResultCopiesEveryField(t *testing.T) {
	t.Parallel()
	var r analysis.MetricResult
	fill(reflect.ValueOf(&r).Elem())
	got := NewMetricResult(r, "q")
	if path := zeroField(reflect.ValueOf(got), "MetricResult"); path != "" {
		t.Errorf("%s is not set by NewMetricResult", path)
	}
}

// fill sets every field reachable from v to a non-zero value.
func fill(v reflect.Value) {
	if v.Type() == reflect.TypeFor[time.Time]() {
		v.Set(reflect.ValueOf(time.Unix(2, 0).UTC()))
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			fill(v.Field(i))
		}
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem())
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fill(v.Index(0))
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64:
		v.SetInt(2)
	case reflect.Float64:
		v.SetFloat(0.5)
	default:
		panic("fill: unexpected kind " + v.Kind().String())
	}
}

// zeroField returns the path of a zero field reachable from v, "" if none.
// A time.Time is one value.
func zeroField(v reflect.Value, path string) string {
	if t, ok := v.Interface().(time.Time); ok {
		if t.IsZero() {
			return path
		}
		return ""
	}
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			if p := zeroField(v.Field(i), path+"."+v.Type().Field(i).Name); p != "" {
				return p
			}
		}
		return ""
	case reflect.Pointer:
		if v.Type() == reflect.TypeFor[*Series]() {
			return "" // not the judge's: the engine adds the data it fed the judge
		}
		if v.IsNil() {
			return path
		}
		return zeroField(v.Elem(), path)
	case reflect.Slice:
		if v.Len() == 0 {
			return path
		}
		return zeroField(v.Index(0), path+"[0]")
	}
	if v.IsZero() {
		return path
	}
	return ""
}
