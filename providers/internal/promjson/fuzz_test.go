package promjson

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/prometheus/common/model"
)

// FuzzDecodeMatrix feeds any bytes to the matrix decoder. The seed corpus in
// testdata/fuzz/FuzzDecodeMatrix holds internal/hostile's answers and the
// recorded Loki matrix answers. It must never panic, never accept what is
// not JSON, and every matrix it accepts must be usable.
func FuzzDecodeMatrix(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte) {
		ctx := context.Background()
		var m model.Matrix
		_, err := Decode(ctx, bytesReader(body), ResultMatrix, Matrix(ctx, &m))
		if err != nil {
			return
		}
		if !json.Valid(body) {
			t.Fatalf("accepted invalid JSON %q", body)
		}
		if m == nil {
			t.Fatal("no matrix and no error")
		}
		for _, s := range m {
			if s == nil || s.Metric == nil {
				t.Fatalf("a series without labels in %q", body)
			}
			for _, p := range s.Values {
				if p.Timestamp > maxSeconds*1000 || p.Timestamp < -maxSeconds*1000 {
					t.Fatalf("timestamp %d out of range", p.Timestamp)
				}
			}
		}
	})
}
