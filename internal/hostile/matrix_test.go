package hostile

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestWriteMatrix: the answer is valid JSON of the asked size, give or take
// one series, with 1,000 points per series.
func TestWriteMatrix(t *testing.T) {
	for _, size := range []int64{100, 100 << 10, 1 << 20} {
		var b bytes.Buffer
		if err := WriteMatrix(&b, size); err != nil {
			t.Fatal(err)
		}
		var answer struct {
			Status string
			Data   struct {
				ResultType string
				Result     []struct {
					Metric map[string]string
					Values [][2]any
				}
			}
		}
		if err := json.Unmarshal(b.Bytes(), &answer); err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		series := answer.Data.Result
		if answer.Status != "success" || answer.Data.ResultType != "matrix" || len(series) == 0 {
			t.Fatalf("size %d: answer %s %s with %d series", size, answer.Status, answer.Data.ResultType, len(series))
		}
		perSeries := int64(b.Len()) / int64(len(series))
		if int64(b.Len()) < size || int64(b.Len()) > size+perSeries+100 {
			t.Errorf("size %d: wrote %d bytes", size, b.Len())
		}
		for i, s := range series {
			if len(s.Values) != pointsPerSeries || s.Metric["pod"] == "" {
				t.Fatalf("series %d: %d points, labels %v", i, len(s.Values), s.Metric)
			}
		}
		if last := series[len(series)-1].Metric["pod"]; len(series) > 1 && last == series[0].Metric["pod"] {
			t.Errorf("pod names repeat: %s", last)
		}
	}
}
