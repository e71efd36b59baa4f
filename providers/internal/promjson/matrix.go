package promjson

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/prometheus/common/model"
)

// ResultMatrix is the result type of range queries.
const ResultMatrix = "matrix"

// maxSeconds bounds a sample's timestamp: about the year 33,658, far past
// any real sample and well inside model.Time's int64 milliseconds.
const maxSeconds = 1e12

// Point is one [seconds, "value"] sample of a matrix. Seconds are a JSON
// number that may be fractional; the value is a string that may be "NaN",
// "+Inf" or "-Inf".
type Point model.SamplePair

// UnmarshalJSON decodes a [seconds, "value"] pair. The decoder has checked
// that b is valid JSON, so a part that parses as a float is a JSON number.
func (p *Point) UnmarshalJSON(b []byte) error {
	s := bytes.TrimSpace(b)
	if len(s) < 2 || s[0] != '[' || s[len(s)-1] != ']' {
		return fmt.Errorf("sample %s is not a [time, \"value\"] pair", clip(b))
	}
	inner := s[1 : len(s)-1]
	comma := bytes.IndexByte(inner, ',')
	if comma < 0 {
		return fmt.Errorf("sample %s is not a [time, \"value\"] pair", clip(b))
	}
	rawTime, rawValue := bytes.TrimSpace(inner[:comma]), bytes.TrimSpace(inner[comma+1:])
	secs, err := strconv.ParseFloat(string(rawTime), 64)
	if err != nil || math.IsNaN(secs) || math.Abs(secs) > maxSeconds {
		return fmt.Errorf("sample %s: the time is not a number of seconds", clip(b))
	}
	text, ok := jsonString(rawValue)
	if !ok {
		return fmt.Errorf("sample %s: the value is not one string", clip(b))
	}
	v, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return fmt.Errorf("sample %s: the value is not a number", clip(b))
	}
	// Rounding to milliseconds is exact for seconds with up to three
	// decimals: float64 keeps about 2e-7 s of precision at today's epoch.
	p.Timestamp = model.Time(math.Round(secs * 1000))
	p.Value = model.SampleValue(v)
	return nil
}

// jsonString decodes raw if it is exactly one JSON string.
func jsonString(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	body := raw[1 : len(raw)-1]
	if bytes.IndexByte(body, '\\') < 0 {
		return string(body), bytes.IndexByte(body, '"') < 0
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return s, true
}

// clip shortens raw JSON for an error message.
func clip(b []byte) string {
	const n = 64
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + "..."
}

// series is one element of a matrix. A Prometheus series of native
// histograms has "histograms" instead of "values"; it is kept without
// points, which callers treat as no data.
type series struct {
	Metric map[string]string `json:"metric"`
	Values pointList         `json:"values"`
}

// pointList is the "values" array of a series, decoded straight into
// model.SamplePair values: the decoder has checked that the bytes are valid
// JSON, so a scan for each element's end (outside strings) is enough, and
// no reflection runs per point.
type pointList []model.SamplePair

// UnmarshalJSON decodes an array of [seconds, "value"] pairs.
func (l *pointList) UnmarshalJSON(b []byte) error {
	s := bytes.TrimSpace(b)
	if string(s) == "null" {
		*l = nil
		return nil
	}
	if len(s) < 2 || s[0] != '[' || s[len(s)-1] != ']' {
		return fmt.Errorf("values %s is not an array", clip(b))
	}
	rest := bytes.TrimSpace(s[1 : len(s)-1])
	out := make([]model.SamplePair, 0, bytes.Count(rest, []byte("],"))+1)
	for len(rest) > 0 {
		end := elementEnd(rest)
		var p Point
		if err := p.UnmarshalJSON(rest[:end]); err != nil {
			return err
		}
		out = append(out, model.SamplePair(p))
		rest = bytes.TrimSpace(rest[end:])
		if len(rest) > 0 {
			if rest[0] != ',' {
				return fmt.Errorf("values: %s after a sample", clip(rest))
			}
			rest = bytes.TrimSpace(rest[1:])
		}
	}
	*l = out
	return nil
}

// elementEnd returns the length of the first element of a valid JSON array's
// contents: up to the first ',' outside strings, brackets and braces.
func elementEnd(b []byte) int {
	depth, inString, escaped := 0, false, false
	for i, c := range b {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '[' || c == '{':
			depth++
		case c == ']' || c == '}':
			depth--
		case c == ',' && depth == 0:
			return i
		}
	}
	return len(b)
}

// Matrix returns a decoder of a "matrix" result into *m, for Decode.
func Matrix(ctx context.Context, m *model.Matrix) func(*json.Decoder) error {
	return func(dec *json.Decoder) error {
		out := model.Matrix{}
		err := Array(ctx, dec, func(i int) error {
			var s *series
			if err := dec.Decode(&s); err != nil {
				var typeErr *json.UnmarshalTypeError
				if errors.As(err, &typeErr) && typeErr.Field == "" {
					return fmt.Errorf("series %d is a JSON %s, not an object", i, typeErr.Value)
				}
				if errors.As(err, &typeErr) {
					return fmt.Errorf("series %d: %q is a JSON %s, not %s", i, typeErr.Field, typeErr.Value, typeName(typeErr))
				}
				return fmt.Errorf("series %d: %w", i, err)
			}
			if s == nil {
				return fmt.Errorf("series %d is null", i)
			}
			ss := &model.SampleStream{Metric: make(model.Metric, len(s.Metric)), Values: s.Values}
			for k, v := range s.Metric {
				ss.Metric[model.LabelName(k)] = model.LabelValue(v)
			}
			out = append(out, ss)
			return nil
		})
		if err != nil {
			return err
		}
		*m = out
		return nil
	}
}
