package request

import "testing"

// The fuzz targets feed arbitrary query strings and bodies to the parsers.
// Whatever they accept must be valid and must come back unchanged through
// the encoders; nothing may panic. The seed corpus is in testdata/fuzz.

func FuzzParseQuery(f *testing.F) {
	f.Add(validQuery + "&lookback=1h30m&end=2026-11-25T14:05:00Z")
	f.Add(validQuery + "&end=1795634220.25")
	f.Add(experimentQuery + "&lookback=30m")
	f.Fuzz(func(t *testing.T, raw string) {
		r, err := ParseQuery(raw)
		if err != nil {
			return
		}
		roundTrip(t, r)
	})
}

func FuzzParseJSON(f *testing.F) {
	f.Add([]byte(`{"namespace":"shop","rollout":"web","canaryHash":"5f6b7c8d9e","stableHash":"7c9d5b6f4d","ruleSet":"http-service","lookback":"30m"}`))
	f.Add([]byte(`{"namespace":"shop","canaryReplicaSet":"web-6d4f9c7b8-2-1-canary","stableReplicaSet":"web-6d4f9c7b8-2-1-baseline","ruleSet":"http-service"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := ParseJSON(body)
		if err != nil {
			return
		}
		roundTrip(t, r)
	})
}

func roundTrip(t *testing.T, r Request) {
	t.Helper()
	if err := r.Validate(); err != nil {
		t.Fatalf("accepted an invalid request %+v: %v", r, err)
	}
	if back, err := ParseQuery(r.Query()); err != nil || !same(back, r) {
		t.Fatalf("query %q reads back as %+v, %v; want %+v", r.Query(), back, err, r)
	}
	if back, err := ParseSegments(r.Segments()); err != nil || !same(back, r) {
		t.Fatalf("segments %q read back as %+v, %v; want %+v", r.Segments(), back, err, r)
	}
	b, _ := r.MarshalJSON()
	if back, err := ParseJSON(b); err != nil || !same(back, r) {
		t.Fatalf("JSON %s reads back as %+v, %v; want %+v", b, back, err, r)
	}
}
