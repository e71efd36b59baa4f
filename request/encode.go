package request

import (
	"encoding/json"
	"net/url"
	"strings"
)

// join writes the request's set fields in the fields' order (namespace,
// rollout, canaryHash, stableHash, canaryReplicaSet, stableReplicaSet,
// ruleSet, lookback, end, series): each
// name and escaped value joined by kv, the fields by sep.
func (r Request) join(sep, kv string, escape func(string) string) string {
	var b strings.Builder
	for _, f := range fields {
		v := f.get(&r)
		if v == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(sep)
		}
		b.WriteString(escape(f.name))
		b.WriteString(kv)
		b.WriteString(escape(v))
	}
	return b.String()
}

// Query encodes the request's set fields as a query string, which
// ParseQuery reads back into the same request.
func (r Request) Query() string { return r.join("&", "=", url.QueryEscape) }

// Segments encodes the request's set fields as path segments, each name
// followed by its path-escaped value ("namespace/shop/rollout/web/...");
// ParseSegments reads them back. Unlike a query string it holds no '&',
// which encoding/json writes as \u0026: a report link in the summary Argo
// stores (and re-encodes) stays one to copy.
func (r Request) Segments() string { return r.join("/", "/", url.PathEscape) }

// URL is the GET URL of the request on the service at base
// (http://host:port, with or without a path prefix).
func (r Request) URL(base string) string {
	return strings.TrimSuffix(base, "/") + Path + "?" + r.Query()
}

// MarshalJSON encodes the request's set fields as a JSON object of strings,
// in the fields' order; ParseJSON reads it back into the same request.
func (r Request) MarshalJSON() ([]byte, error) {
	return []byte("{" + r.join(",", ":", jsonString) + "}"), nil
}

// jsonString is s as a JSON string.
func jsonString(s string) string {
	b, _ := json.Marshal(s) // strings always encode
	return string(b)
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
