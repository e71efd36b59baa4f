package request

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
)

// Query encodes the request's set fields as a query string, in the fields'
// order (namespace, rollout, canaryHash, stableHash, ruleSet, lookback,
// end), which ParseQuery reads back into the same request.
func (r Request) Query() string {
	var b strings.Builder
	for _, f := range fields {
		v := f.get(&r)
		if v == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(f.name))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(v))
	}
	return b.String()
}

// URL is the GET URL of the request on the service at base
// (http://host:port, with or without a path prefix).
func (r Request) URL(base string) string {
	return strings.TrimSuffix(base, "/") + Path + "?" + r.Query()
}

// MarshalJSON encodes the request's set fields as a JSON object of strings,
// in the fields' order; ParseJSON reads it back into the same request.
func (r Request) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for _, f := range fields {
		v := f.get(&r)
		if v == "" {
			continue
		}
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(f.name) // strings always encode
		s, _ := json.Marshal(v)
		b.Write(k)
		b.WriteByte(':')
		b.Write(s)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Curl is the shell command that sends the request to the service at base:
// a GET with query parameters, or with post a POST with a JSON body.
func (r Request) Curl(base string, post bool) string {
	if !post {
		return "curl -s " + shellQuote(r.URL(base))
	}
	body, _ := r.MarshalJSON()
	return "curl -s " + shellQuote(strings.TrimSuffix(base, "/")+Path) +
		" -H 'Content-Type: application/json' -d " + shellQuote(string(body))
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
