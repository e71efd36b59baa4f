package request

import (
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
	"time"
)

// valid is a request every test starts from.
var valid = Request{
	Target:  Target{Namespace: "shop", Rollout: "web", CanaryHash: "5f6b7c8d9e", StableHash: "7c9d5b6f4d"},
	RuleSet: "http-service",
}

// experiment names an Argo experiment's canary and baseline ReplicaSets
// (<rollout>-<hash>-<revision>-<step>-<template>) instead of the hashes.
var experiment = Request{
	Target: Target{Namespace: "shop", Rollout: "web",
		CanaryReplicaSet: "web-6d4f9c7b8-2-1-canary", StableReplicaSet: "web-6d4f9c7b8-2-1-baseline"},
	RuleSet: "http-service",
}

// both names the experiment's ReplicaSets and the stable hash: the canary
// is judged against its baseline and against the rollout's stable pods.
var both = Request{
	Target: Target{Namespace: "shop", Rollout: "web", StableHash: "7c9d5b6f4d",
		CanaryReplicaSet: "web-6d4f9c7b8-2-1-canary", StableReplicaSet: "web-6d4f9c7b8-2-1-baseline"},
	RuleSet: "http-service",
}

func withBoth(change func(r *Request)) Request {
	r := both
	change(&r)
	return r
}

func withRS(change func(r *Request)) Request {
	r := experiment
	change(&r)
	return r
}

func with(change func(r *Request)) Request {
	r := valid
	change(&r)
	return r
}

func TestValidate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		req   Request
		field string // "" when valid
	}{
		{"valid", valid, ""},
		{"without rollout", with(func(r *Request) { r.Rollout = "" }), ""},
		{"dotted rollout", with(func(r *Request) { r.Rollout = "web.v2" }), ""},
		{"lookback and end", with(func(r *Request) {
			r.Lookback = time.Hour
			r.End = time.Date(2026, 11, 25, 14, 5, 0, 0, time.UTC)
		}), ""},
		{"missing namespace", with(func(r *Request) { r.Namespace = "" }), "namespace"},
		{"missing canary hash", with(func(r *Request) { r.CanaryHash = "" }), "canaryHash"},
		{"missing stable hash", with(func(r *Request) { r.StableHash = "" }), "stableHash"},
		{"missing rule set", with(func(r *Request) { r.RuleSet = "" }), "ruleSet"},
		{"namespace with a quote", with(func(r *Request) { r.Namespace = `shop"}` }), "namespace"},
		{"namespace too long", with(func(r *Request) { r.Namespace = strings.Repeat("a", 64) }), "namespace"},
		{"namespace ending in '-'", with(func(r *Request) { r.Namespace = "shop-" }), "namespace"},
		{"rollout with '_'", with(func(r *Request) { r.Rollout = "web_1" }), "rollout"},
		{"upper-case hash", with(func(r *Request) { r.CanaryHash = "ABC" }), "canaryHash"},
		{"hash with '-'", with(func(r *Request) { r.CanaryHash = "5f6b-7c8d" }), "canaryHash"},
		{"hash with a regular expression", with(func(r *Request) { r.StableHash = ".*" }), "stableHash"},
		{"hash too long", with(func(r *Request) { r.StableHash = strings.Repeat("a", 64) }), "stableHash"},
		{"same hashes", with(func(r *Request) { r.StableHash = r.CanaryHash }), "stableHash"},
		{"rule set with '.'", with(func(r *Request) { r.RuleSet = "http.service" }), "ruleSet"},
		{"negative lookback", with(func(r *Request) { r.Lookback = -time.Minute }), "lookback"},
		{"end before 2000", with(func(r *Request) { r.End = MinEnd.Add(-time.Nanosecond) }), "end"},
		{"end at 2000", with(func(r *Request) { r.End = MinEnd }), ""},
		{"end at 2100", with(func(r *Request) { r.End = MaxEnd }), "end"},
		{"replica sets", experiment, ""},
		{"replica sets without rollout", withRS(func(r *Request) { r.Rollout = "" }), ""},
		{"dotted replica set", withRS(func(r *Request) { r.StableReplicaSet = "web.v1-baseline" }), ""},
		{"only the canary replica set", withRS(func(r *Request) { r.StableReplicaSet = "" }), "stableReplicaSet"},
		{"only the stable replica set", withRS(func(r *Request) { r.CanaryReplicaSet = "" }), "canaryReplicaSet"},
		{"replica sets and a canary hash", withRS(func(r *Request) { r.CanaryHash = "5f6b7c8d9e" }), "canaryHash"},
		// Both references: the canary's ReplicaSet against the baseline's
		// and against the rollout's stable pods.
		{"both references", both, ""},
		{"both references without rollout", withBoth(func(r *Request) { r.Rollout = "" }), "rollout"},
		{"both references and a canary hash", withBoth(func(r *Request) { r.CanaryHash = "6d4f9c7b8" }), "canaryHash"},
		{"both references without the baseline", withBoth(func(r *Request) { r.StableReplicaSet = "" }), "stableReplicaSet"},
		{"both references without the canary", withBoth(func(r *Request) { r.CanaryReplicaSet = "" }), "canaryReplicaSet"},
		{"both references with a stable hash that is no hash", withBoth(func(r *Request) { r.StableHash = "7c9d-5b6f" }), "stableHash"},
		{"both references with the same ReplicaSets", withBoth(func(r *Request) { r.StableReplicaSet = r.CanaryReplicaSet }), "stableReplicaSet"},
		{"both references with a bad rollout", withBoth(func(r *Request) { r.Rollout = "web_1" }), "rollout"},
		{"a replica set and both hashes", with(func(r *Request) { r.CanaryReplicaSet = "web-1-canary" }), "canaryHash"},
		{"same replica sets", withRS(func(r *Request) { r.StableReplicaSet = r.CanaryReplicaSet }), "stableReplicaSet"},
		{"replica set with a regular expression", withRS(func(r *Request) { r.CanaryReplicaSet = "web-.*" }), "canaryReplicaSet"},
		{"replica set with '/'", withRS(func(r *Request) { r.StableReplicaSet = "web/baseline" }), "stableReplicaSet"},
		{"upper-case replica set", withRS(func(r *Request) { r.CanaryReplicaSet = "Web-canary" }), "canaryReplicaSet"},
		{"replica set ending in '-'", withRS(func(r *Request) { r.StableReplicaSet = "web-baseline-" }), "stableReplicaSet"},
		{"replica set too long", withRS(func(r *Request) { r.StableReplicaSet = strings.Repeat("a", 254) }), "stableReplicaSet"},
		{"replica sets with a bad rule set", withRS(func(r *Request) { r.RuleSet = "" }), "ruleSet"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			err := c.req.Validate()
			checkField(t, err, c.field)
		})
	}
}

// TestValidateSaysWhatIsMissing: a missing field's message names what to
// give; a missing namespace or rule set is no matter of ReplicaSets.
func TestValidateSaysWhatIsMissing(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, want, not string
		req             Request
	}{
		{"namespace, by ReplicaSet", "namespace is required", "ReplicaSet", withRS(func(r *Request) { r.Namespace = "" })},
		{"rule set, by ReplicaSet", "ruleSet is required", "ReplicaSet", withRS(func(r *Request) { r.RuleSet = "" })},
		{"namespace, by hash", "namespace is required", "ReplicaSet", with(func(r *Request) { r.Namespace = "" })},
		{"the stable ReplicaSet", "stableReplicaSet is required with canaryReplicaSet", "hash", withRS(func(r *Request) { r.StableReplicaSet = "" })},
		{"the canary hash", "canaryHash is required (or canaryReplicaSet and stableReplicaSet", "", with(func(r *Request) { r.CanaryHash = "" })},
		{"the baseline beside a stable hash", "stableReplicaSet is required with canaryReplicaSet and stableHash", "", withBoth(func(r *Request) { r.StableReplicaSet = "" })},
		{"the rollout of both references", "rollout is required with stableHash beside the ReplicaSets", "", withBoth(func(r *Request) { r.Rollout = "" })},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			err := c.req.Validate()
			if err == nil || !strings.Contains(err.Error(), c.want) || (c.not != "" && strings.Contains(err.Error(), c.not)) {
				t.Errorf("got %v, want %q without %q", err, c.want, c.not)
			}
		})
	}
}

// checkField checks that err is nil when field is empty, and otherwise an
// *Error naming field.
func checkField(t *testing.T, err error, field string) {
	t.Helper()
	if field == "" {
		if err != nil {
			t.Errorf("unexpected error: %v", err)
		}
		return
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v, want an error in field %s", err, field)
	}
	if e.Field != field || e.Error() == "" {
		t.Errorf("error %q in field %q, want field %q", e, e.Field, field)
	}
}

const (
	validQuery      = "namespace=shop&rollout=web&canaryHash=5f6b7c8d9e&stableHash=7c9d5b6f4d&ruleSet=http-service"
	experimentQuery = "namespace=shop&rollout=web&canaryReplicaSet=web-6d4f9c7b8-2-1-canary&stableReplicaSet=web-6d4f9c7b8-2-1-baseline&ruleSet=http-service"
)

func TestParseQuery(t *testing.T) {
	t.Parallel()
	end := time.Date(2026, 11, 25, 14, 5, 0, 0, time.UTC)
	cases := []struct {
		name, query string
		want        Request // checked when field is ""
		field       string
	}{
		{"valid", validQuery, valid, ""},
		{"lookback and end", validQuery + "&lookback=1h30m&end=2026-11-25T15:05:00%2B01:00",
			with(func(r *Request) { r.Lookback = 90 * time.Minute; r.End = end }), ""},
		{"Unix end", validQuery + "&end=1795634220.25",
			with(func(r *Request) { r.End = time.Unix(1795634220, 250_000_000).UTC() }), ""},
		{"empty pairs are skipped", "&" + validQuery + "&&", valid, ""},
		{"an empty value leaves the field unset", validQuery + "&lookback=&end=", valid, ""},
		{"'+' is a space", "namespace=shop+x&canaryHash=a&stableHash=b&ruleSet=r", Request{}, "namespace"},
		{"semicolon in a value", validQuery + "&end=2026-11-25T14:05:00Z;x", Request{}, "end"},
		{"semicolon as a separator", validQuery + ";end=2026-11-25T14:05:00Z", Request{}, "ruleSet"},
		{"bad escape in a value", validQuery + "&end=%zz", Request{}, "end"},
		{"truncated escape in a value", validQuery + "&end=%2", Request{}, "end"},
		{"bad escape in a name", validQuery + "&e%zznd=1", Request{}, "query"},
		{"unknown parameter", validQuery + "&canary=x", Request{}, "canary"},
		{"case-variant parameter", validQuery + "&End=1", Request{}, "End"},
		{"repeated parameter", validQuery + "&namespace=shop", Request{}, "namespace"},
		{"repeated empty parameter", validQuery + "&lookback=&lookback=1h", Request{}, "lookback"},
		{"missing rule set", "namespace=shop&canaryHash=a&stableHash=b", Request{}, "ruleSet"},
		{"bad lookback", validQuery + "&lookback=ten", Request{}, "lookback"},
		{"negative lookback", validQuery + "&lookback=-5m", Request{}, "lookback"},
		{"zero lookback", validQuery + "&lookback=0s", Request{}, "lookback"},
		{"bad end", validQuery + "&end=yesterday", Request{}, "end"},
		{"unescaped '+' in an offset", validQuery + "&end=2026-11-25T15:05:00+01:00", Request{}, "end"},
		{"end at Go's zero time", validQuery + "&end=0001-01-01T00:00:00Z", Request{}, "end"},
		{"end at year 0", validQuery + "&end=0000-01-01T00:00:00Z", Request{}, "end"},
		{"end of 23 digits", validQuery + "&end=12345678901234567890123", Request{}, "end"},
		{"end at Unix 0", validQuery + "&end=0", Request{}, "end"},
		{"end in exponent form", validQuery + "&end=1.7e9", Request{}, "end"},
		{"end after 2100", validQuery + "&end=4102444800", Request{}, "end"},
		{"series", validQuery + "&series=true", with(func(r *Request) { r.Series = true }), ""},
		{"series false", validQuery + "&series=false", valid, ""},
		{"series 1", validQuery + "&series=1", Request{}, "series"},
		{"series True", validQuery + "&series=True", Request{}, "series"},
		{"replica sets", experimentQuery, experiment, ""},
		{"replica sets without rollout", "namespace=shop&canaryReplicaSet=web-6d4f9c7b8-2-1-canary&stableReplicaSet=web-6d4f9c7b8-2-1-baseline&ruleSet=http-service",
			withRS(func(r *Request) { r.Rollout = "" }), ""},
		{"one replica set", "namespace=shop&canaryReplicaSet=web-6d4f9c7b8-2-1-canary&ruleSet=http-service", Request{}, "stableReplicaSet"},
		{"replica sets and hashes", validQuery + "&canaryReplicaSet=a&stableReplicaSet=b", Request{}, "canaryHash"},
		{"escaped regular expression in a replica set", "namespace=shop&canaryReplicaSet=web%7Cx&stableReplicaSet=b&ruleSet=r", Request{}, "canaryReplicaSet"},
		{"case-variant replica set", experimentQuery + "&canaryReplicaset=x", Request{}, "canaryReplicaset"},
		{"both references", experimentQuery + "&stableHash=7c9d5b6f4d", both, ""},
		{"both references without rollout", "namespace=shop&canaryReplicaSet=web-6d4f9c7b8-2-1-canary&stableReplicaSet=web-6d4f9c7b8-2-1-baseline&stableHash=7c9d5b6f4d&ruleSet=http-service",
			Request{}, "rollout"},
		{"both references and a canary hash", experimentQuery + "&stableHash=7c9d5b6f4d&canaryHash=6d4f9c7b8", Request{}, "canaryHash"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseQuery(c.query)
			checkField(t, err, c.field)
			if c.field == "" && !same(got, c.want) {
				t.Errorf("got %+v, want %+v", got, c.want)
			}
		})
	}
}

func TestParseSegments(t *testing.T) {
	t.Parallel()
	const ok = "namespace/shop/rollout/web/canaryHash/5f6b7c8d9e/stableHash/7c9d5b6f4d/ruleSet/http-service"
	cases := []struct {
		name, path string
		want       Request
		field      string
	}{
		{"valid", ok, valid, ""},
		{"slashes around", "/" + ok + "/", valid, ""},
		{"escaped end", ok + "/end/2026-11-25T15:05:00%2B01:00", with(func(r *Request) { r.End = time.Date(2026, 11, 25, 14, 5, 0, 0, time.UTC) }), ""},
		{"a name without a value", ok + "/end", Request{}, "end"},
		{"unknown name", ok + "/canary/x", Request{}, "canary"},
		{"repeated name", ok + "/namespace/other", Request{}, "namespace"},
		{"bad escape", ok + "/end/%zz", Request{}, "end"},
		{"empty", "", Request{}, "namespace"},
		{"an escaped slash in a hash", "namespace/shop/canaryHash/a%2Fb/stableHash/c/ruleSet/r", Request{}, "canaryHash"},
		{"replica sets", "namespace/shop/rollout/web/canaryReplicaSet/web-6d4f9c7b8-2-1-canary/stableReplicaSet/web-6d4f9c7b8-2-1-baseline/ruleSet/http-service", experiment, ""},
		{"an escaped slash in a replica set", "namespace/shop/canaryReplicaSet/a%2Fb/stableReplicaSet/c/ruleSet/r", Request{}, "canaryReplicaSet"},
		{"both references", "namespace/shop/rollout/web/stableHash/7c9d5b6f4d/canaryReplicaSet/web-6d4f9c7b8-2-1-canary/stableReplicaSet/web-6d4f9c7b8-2-1-baseline/ruleSet/http-service", both, ""},
		{"both references without rollout", "namespace/shop/stableHash/7c9d5b6f4d/canaryReplicaSet/web-6d4f9c7b8-2-1-canary/stableReplicaSet/web-6d4f9c7b8-2-1-baseline/ruleSet/http-service", Request{}, "rollout"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseSegments(c.path)
			checkField(t, err, c.field)
			if c.field == "" && !same(got, c.want) {
				t.Errorf("got %+v, want %+v", got, c.want)
			}
		})
	}
}

func TestParseJSON(t *testing.T) {
	t.Parallel()
	const body = `{"namespace":"shop","rollout":"web","canaryHash":"5f6b7c8d9e","stableHash":"7c9d5b6f4d","ruleSet":"http-service"`
	cases := []struct {
		name, body string
		want       Request
		field      string
	}{
		{"valid", body + `}`, valid, ""},
		{"whitespace around", " \n" + body + "}\n ", valid, ""},
		{"end", body + `,"end":"2026-11-25T14:05:00Z"}`, with(func(r *Request) { r.End = time.Date(2026, 11, 25, 14, 5, 0, 0, time.UTC) }), ""},
		{"empty", "", Request{}, "body"},
		{"only spaces", "  ", Request{}, "body"},
		{"truncated", `{"namespace":`, Request{}, "body"},
		{"null", `null`, Request{}, "body"},
		{"array", `[]`, Request{}, "body"},
		{"string", `"shop"`, Request{}, "body"},
		{"two objects", body + `} {}`, Request{}, "body"},
		{"trailing garbage", body + `}x`, Request{}, "body"},
		{"unknown key", body + `,"canary":"x"}`, Request{}, "canary"},
		{"case-variant key", `{"Namespace":"shop"}`, Request{}, "Namespace"},
		{"case variant beside the key", body + `,"NAMESPACE":"other"}`, Request{}, "NAMESPACE"},
		{"duplicate key", body + `,"namespace":"other"}`, Request{}, "namespace"},
		{"number", body + `,"end":1795634220}`, Request{}, "end"},
		{"null value", body + `,"rollout":null}`, Request{}, "rollout"},
		{"object value", `{"namespace":{"a":"b"}}`, Request{}, "namespace"},
		{"end at Go's zero time", body + `,"end":"0001-01-01T00:00:00Z"}`, Request{}, "end"},
		{"missing hash", `{"namespace":"shop","canaryHash":"a","ruleSet":"r"}`, Request{}, "stableHash"},
		{"series", body + `,"series":"true"}`, with(func(r *Request) { r.Series = true }), ""},
		{"series as a JSON bool", body + `,"series":true}`, Request{}, "series"},
		{"replica sets", `{"namespace":"shop","rollout":"web","canaryReplicaSet":"web-6d4f9c7b8-2-1-canary","stableReplicaSet":"web-6d4f9c7b8-2-1-baseline","ruleSet":"http-service"}`, experiment, ""},
		{"replica set and hashes", body + `,"stableReplicaSet":"web-6d4f9c7b8-2-1-baseline"}`, Request{}, "canaryHash"},
		{"missing replica set", `{"namespace":"shop","stableReplicaSet":"b","ruleSet":"r"}`, Request{}, "canaryReplicaSet"},
		{"replica set as a number", `{"namespace":"shop","canaryReplicaSet":1}`, Request{}, "canaryReplicaSet"},
		{"both references", `{"namespace":"shop","rollout":"web","stableHash":"7c9d5b6f4d","canaryReplicaSet":"web-6d4f9c7b8-2-1-canary","stableReplicaSet":"web-6d4f9c7b8-2-1-baseline","ruleSet":"http-service"}`, both, ""},
		{"both references without rollout", `{"namespace":"shop","stableHash":"7c9d5b6f4d","canaryReplicaSet":"web-6d4f9c7b8-2-1-canary","stableReplicaSet":"web-6d4f9c7b8-2-1-baseline","ruleSet":"http-service"}`, Request{}, "rollout"},
		{"a canary ReplicaSet and a stable hash alone", `{"namespace":"shop","rollout":"web","stableHash":"7c9d5b6f4d","canaryReplicaSet":"web-6d4f9c7b8-2-1-canary","ruleSet":"http-service"}`, Request{}, "stableReplicaSet"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseJSON([]byte(c.body))
			checkField(t, err, c.field)
			if c.field == "" && !same(got, c.want) {
				t.Errorf("got %+v, want %+v", got, c.want)
			}
		})
	}
}

func same(a, b Request) bool {
	return a.Target == b.Target && a.RuleSet == b.RuleSet && a.Lookback == b.Lookback && a.End.Equal(b.End) && a.Series == b.Series
}

func TestEncode(t *testing.T) {
	t.Parallel()
	full := with(func(r *Request) {
		r.Lookback = 90 * time.Minute
		r.End = time.Date(2026, 11, 25, 14, 5, 0, 500_000_000, time.UTC)
		r.Series = true
	})
	const base = "http://localhost:8080/"
	cases := []struct {
		name, got, want string
	}{
		{"query", full.Query(), validQuery + "&lookback=1h30m&end=2026-11-25T14%3A05%3A00.5Z&series=true"},
		{"query without optional fields", with(func(r *Request) { r.Rollout = "" }).Query(),
			"namespace=shop&canaryHash=5f6b7c8d9e&stableHash=7c9d5b6f4d&ruleSet=http-service"},
		{"URL", valid.URL(base), "http://localhost:8080/api/v1/judge?" + validQuery},
		{"segments", full.Segments(), "namespace/shop/rollout/web/canaryHash/5f6b7c8d9e/stableHash/7c9d5b6f4d/ruleSet/http-service/lookback/1h30m/end/2026-11-25T14:05:00.5Z/series/true"},
		{"JSON", string(must(full.MarshalJSON())),
			`{"namespace":"shop","rollout":"web","canaryHash":"5f6b7c8d9e","stableHash":"7c9d5b6f4d","ruleSet":"http-service","lookback":"1h30m","end":"2026-11-25T14:05:00.5Z","series":"true"}`},
		{"curl GET", valid.Curl(base, false), "curl -s 'http://localhost:8080/api/v1/judge?" + validQuery + "'"},
		{"curl POST", valid.Curl(base, true), `curl -s 'http://localhost:8080/api/v1/judge' -H 'Content-Type: application/json' -d '{"namespace":"shop","rollout":"web","canaryHash":"5f6b7c8d9e","stableHash":"7c9d5b6f4d","ruleSet":"http-service"}'`},
		{"shell quoting", shellQuote("it's"), `'it'\''s'`},
		{"replica sets: query", experiment.Query(), experimentQuery},
		{"replica sets: segments", experiment.Segments(), "namespace/shop/rollout/web/canaryReplicaSet/web-6d4f9c7b8-2-1-canary/stableReplicaSet/web-6d4f9c7b8-2-1-baseline/ruleSet/http-service"},
		{"both references: query", both.Query(), "namespace=shop&rollout=web&stableHash=7c9d5b6f4d&canaryReplicaSet=web-6d4f9c7b8-2-1-canary&stableReplicaSet=web-6d4f9c7b8-2-1-baseline&ruleSet=http-service"},
		{"replica sets: curl POST", experiment.Curl(base, true), `curl -s 'http://localhost:8080/api/v1/judge' -H 'Content-Type: application/json' -d '{"namespace":"shop","rollout":"web","canaryReplicaSet":"web-6d4f9c7b8-2-1-canary","stableReplicaSet":"web-6d4f9c7b8-2-1-baseline","ruleSet":"http-service"}'`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.got != c.want {
				t.Errorf("got  %s\nwant %s", c.got, c.want)
			}
		})
	}
	fullRS := withRS(func(r *Request) {
		r.Lookback = 90 * time.Minute
		r.End = full.End
		r.Series = true
	})
	fullBoth := fullRS
	fullBoth.StableHash = "7c9d5b6f4d"
	for name, r := range map[string]Request{"hashes": full, "replica sets": fullRS, "both references": fullBoth} {
		t.Run("round trips/"+name, func(t *testing.T) {
			back, err := ParseQuery(r.Query())
			if err != nil || !same(back, r) {
				t.Errorf("query: %+v, %v", back, err)
			}
			back, err = ParseJSON(must(r.MarshalJSON()))
			if err != nil || !same(back, r) {
				t.Errorf("JSON: %+v, %v", back, err)
			}
			back, err = ParseSegments(r.Segments())
			if err != nil || !same(back, r) {
				t.Errorf("segments: %+v, %v", back, err)
			}
		})
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func TestFlags(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		args []string
		want Request
		ok   bool
	}{
		{"all", []string{"--namespace", "shop", "--rollout", "web", "--canary-hash", "5f6b7c8d9e", "--stable-hash", "7c9d5b6f4d",
			"--rule-set", "http-service", "--lookback", "1h", "--end", "1795634220"},
			with(func(r *Request) { r.Lookback = time.Hour; r.End = time.Unix(1795634220, 0).UTC() }), true},
		{"replica sets", []string{"--namespace", "shop", "--rollout", "web", "--canary-replicaset", "web-6d4f9c7b8-2-1-canary",
			"--stable-replicaset", "web-6d4f9c7b8-2-1-baseline", "--rule-set", "http-service"}, experiment, true},
		{"both references", []string{"--namespace", "shop", "--rollout", "web", "--canary-replicaset", "web-6d4f9c7b8-2-1-canary",
			"--stable-replicaset", "web-6d4f9c7b8-2-1-baseline", "--stable-hash", "7c9d5b6f4d", "--rule-set", "http-service"}, both, true},
		{"series without a value", []string{"--series"}, Request{Series: true}, true},
		{"series=false", []string{"--series=false"}, Request{}, true},
		{"series=yes", []string{"--series=yes"}, Request{}, false},
		{"bad lookback", []string{"--lookback", "soon"}, Request{}, false},
		{"bad end", []string{"--end", "0001-01-01T00:00:00Z"}, Request{}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var r Request
			fs := flag.NewFlagSet("judge", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			r.AddFlags(fs)
			err := fs.Parse(c.args)
			if (err == nil) != c.ok {
				t.Fatalf("parse: %v", err)
			}
			if c.ok && !same(r, c.want) {
				t.Errorf("got %+v, want %+v", r, c.want)
			}
		})
	}
	if FlagName("canaryHash") != "canary-hash" || FlagName("nope") != "nope" {
		t.Errorf("FlagName: %s %s", FlagName("canaryHash"), FlagName("nope"))
	}
}

// TestBothReferences: a target names both references only with the two
// ReplicaSets and the stable hash, and splits into the judgement against
// the baseline and the one against the stable pods.
func TestBothReferences(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		t    Target
		want bool
	}{
		{"both", both.Target, true},
		{"hashes", valid.Target, false},
		{"ReplicaSets", experiment.Target, false},
		{"a canary ReplicaSet and a stable hash", Target{CanaryReplicaSet: "a", StableHash: "h"}, false},
		{"a baseline and a stable hash", Target{StableReplicaSet: "b", StableHash: "h"}, false},
	} {
		if got := c.t.BothReferences(); got != c.want {
			t.Errorf("%s: BothReferences %v, want %v", c.name, got, c.want)
		}
	}
	if got := both.AgainstBaseline(); got != experiment.Target {
		t.Errorf("against the baseline: %+v, want %+v", got, experiment.Target)
	}
	want := Target{Namespace: "shop", Rollout: "web", CanaryReplicaSet: "web-6d4f9c7b8-2-1-canary", StableHash: "7c9d5b6f4d"}
	if got := both.AgainstStable(); got != want {
		t.Errorf("against the stable pods: %+v, want %+v", got, want)
	}
	if both.Canary() != "web-6d4f9c7b8-2-1-canary" || both.Stable() != "web-6d4f9c7b8-2-1-baseline" {
		t.Errorf("Canary %s, Stable %s: want the canary's and the baseline's ReplicaSets", both.Canary(), both.Stable())
	}
}
