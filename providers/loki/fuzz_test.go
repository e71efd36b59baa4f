package loki

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/canary-analyzer/canary-analyzer/providers/internal/promjson"
)

// FuzzDecodeStreams feeds any bytes to the log-query (streams) decoder. The
// seed corpus in testdata/fuzz/FuzzDecodeStreams holds the recorded Loki
// answers and broken variants of them. It must never panic, never accept
// what is not JSON, and every stream it accepts must be usable.
func FuzzDecodeStreams(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte) {
		ctx := context.Background()
		var streams []Stream
		a, err := promjson.Decode(ctx, bytes.NewReader(body), resultStreams, decodeStreams(ctx, &streams))
		if err != nil {
			return
		}
		if !json.Valid(body) {
			t.Fatalf("accepted invalid JSON %q", body)
		}
		if streams == nil {
			t.Fatal("no streams and no error")
		}
		r := StreamsResult{Streams: streams, EncodingFlags: a.EncodingFlags, Stats: readStats(a.Stats)}
		entries := r.LogEntries()
		for i := 1; i < len(entries); i++ {
			if entries[i].Time.Before(entries[i-1].Time) {
				t.Fatalf("entries out of order")
			}
		}
	})
}
