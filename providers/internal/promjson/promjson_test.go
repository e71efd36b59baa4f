package promjson

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/prometheus/common/model"

	"github.com/canary-analyzer/canary-analyzer/internal/hostile"
)

// decodeMatrix runs Decode for a matrix over body.
func decodeMatrix(ctx context.Context, body string) (model.Matrix, error) {
	var m model.Matrix
	_, err := Decode(ctx, strings.NewReader(body), ResultMatrix, Matrix(ctx, &m))
	return m, err
}

func TestBrokenAnswers(t *testing.T) {
	t.Parallel()
	for _, a := range hostile.BrokenMatrixAnswers {
		t.Run(a.Name, func(t *testing.T) {
			t.Parallel()
			if m, err := decodeMatrix(context.Background(), a.Body); err == nil {
				t.Fatalf("decoded %v, want an error", m)
			}
		})
	}
}

// TestErrorMessages: the error says what was wrong.
func TestErrorMessages(t *testing.T) {
	t.Parallel()
	tests := []struct{ body, want string }{
		{``, "the answer is empty"},
		{`null`, "the answer is null, not an object"},
		{`[]`, "the answer is an array, not an object"},
		{`{}`, `the answer has no "status"`},
		{`{"status":"success"}`, `the answer has no "data"`},
		{`{"status":"success","data":null}`, `"data" is null, not an object`},
		{`{"status":"success","data":{"result":[]}}`, `"data" has no "resultType"`},
		{`{"status":"success","data":{"resultType":"matrix"}}`, `"data" has no "result"`},
		{`{"status":"success","data":{"resultType":7,"result":[]}}`, `"data.resultType" is a JSON number, not a string`},
		{`{"status":"success","data":{"resultType":"vector","result":[]}}`, `the result is a "vector", not a "matrix"`},
		{`{"status":"success","data":{"resultType":"matrix","result":null}}`, `"data.result": null, not an array`},
		{`{"status":"success","data":{"resultType":"matrix","result":[null]}}`, `series 0 is null`},
		{`{"status":"success","data":{"resultType":"matrix","result":[7]}}`, `series 0 is a JSON number, not an object`},
		{`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"pod":1}}]}}`, `series 0: "metric" is a JSON number, not a string`},
		{`{"status":"success","data":{"resultType":"matrix","result":[{"values":[[1,2]]}]}}`, `the value is not one string`},
		{`{"status":"error","errorType":"internal","error":"boom"}`, `the answer has status "error" (errorType "internal"): boom`},
		{`{"status":"success","data":{"resultType":"matrix","result":[]}} {}`, "more JSON after the answer"},
	}
	for _, tc := range tests {
		t.Run(tc.body, func(t *testing.T) {
			t.Parallel()
			_, err := decodeMatrix(context.Background(), tc.body)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
}

func TestOddButValidAnswers(t *testing.T) {
	t.Parallel()
	for _, a := range append(hostile.OddButValidMatrixAnswers, hostile.Answer{Name: "good", Body: hostile.GoodMatrix}) {
		t.Run(a.Name, func(t *testing.T) {
			t.Parallel()
			m, err := decodeMatrix(context.Background(), a.Body)
			if err != nil {
				t.Fatal(err)
			}
			if len(m) != 1 || m[0].Metric["pod"] != "web-5f6b7c8d9e-zzzzz" || len(m[0].Values) != 1 ||
				m[0].Values[0].Timestamp != 1795636020000 || m[0].Values[0].Value != 1 {
				t.Errorf("matrix %v", m)
			}
		})
	}
}

// TestEmptyMatrix: no series is an empty matrix, not an error.
func TestEmptyMatrix(t *testing.T) {
	t.Parallel()
	m, err := decodeMatrix(context.Background(), `{"status":"success","data":{"resultType":"matrix","result":[]}}`)
	if err != nil || m == nil || len(m) != 0 {
		t.Errorf("got %v, %v; want an empty matrix", m, err)
	}
}

// TestDecodeStopsWhenContextEnds: with every byte already in memory, a done
// context still stops the decoding between series.
func TestDecodeStopsWhenContextEnds(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	if err := hostile.WriteMatrix(&b, 1<<20); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	m, err := decodeMatrix(ctx, b.String())
	if !errors.Is(err, context.Canceled) || m != nil {
		t.Errorf("got %d series, %v; want context.Canceled", len(m), err)
	}
}

func TestPoint(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		wantMS  int64
		want    float64
		wantErr bool
	}{
		{in: `[1795636020, "808"]`, wantMS: 1795636020000, want: 808},
		{in: `[1795636020.5, "1"]`, wantMS: 1795636020500, want: 1},
		{in: `[1795636020.123, "0.25"]`, wantMS: 1795636020123, want: 0.25},
		{in: `[1.7956360205e9, "2"]`, wantMS: 1795636020500, want: 2},
		{in: ` [ 1795636020 , "3" ] `, wantMS: 1795636020000, want: 3},
		{in: `[1795636020, "\u0034"]`, wantMS: 1795636020000, want: 4},
		{in: `[1795636020, "NaN"]`, wantMS: 1795636020000, want: math.NaN()},
		{in: `[1795636020, "+Inf"]`, wantMS: 1795636020000, want: math.Inf(1)},
		{in: `[1795636020, "-Inf"]`, wantMS: 1795636020000, want: math.Inf(-1)},
		{in: `[1795636020, 808]`, wantErr: true},
		{in: `[1795636020, "abc"]`, wantErr: true},
		{in: `[1795636020, "1", "2"]`, wantErr: true},
		{in: `[1795636020, "1" , 2]`, wantErr: true},
		{in: `[1795636020, "a\"b"]`, wantErr: true},
		{in: `["x", "1"]`, wantErr: true},
		{in: `[1795636020]`, wantErr: true},
		{in: `[1e13, "1"]`, wantErr: true},
		{in: `{"t": 1}`, wantErr: true},
		{in: `null`, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			var p Point
			err := json.Unmarshal([]byte(tc.in), &p)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("decoded %v, want an error", p)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if int64(p.Timestamp) != tc.wantMS {
				t.Errorf("timestamp %d ms, want %d", p.Timestamp, tc.wantMS)
			}
			got := float64(p.Value)
			if got != tc.want && !(math.IsNaN(got) && math.IsNaN(tc.want)) {
				t.Errorf("value %v, want %v", got, tc.want)
			}
		})
	}
}
