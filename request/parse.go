package request

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"strings"
)

// ParseQuery reads a request from a raw query string (URL.RawQuery) and
// validates it. It is strict where url.ParseQuery is lenient: a pair with a
// ';' or a malformed %-escape is an error, not dropped; a parameter given
// twice, or one that is not a field (names are case-sensitive), is an
// error. Empty pairs ("a=1&&b=2") are skipped; an empty value leaves its
// field unset.
func ParseQuery(raw string) (Request, error) {
	var r Request
	seen := map[string]bool{}
	for _, pair := range strings.Split(raw, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			return r, fieldError("query", "parameter name %q is not properly %%-escaped", k)
		}
		if strings.Contains(pair, ";") {
			return r, fieldError(key, "parameter %q contains ';': separate parameters with '&' (';' is no separator and belongs in no value)", pair)
		}
		val, err := url.QueryUnescape(v)
		if err != nil {
			return r, fieldError(key, "parameter %s: %q is not properly %%-escaped", key, v)
		}
		if err := r.setOnce(seen, key, val); err != nil {
			return r, err
		}
	}
	return r, r.Validate()
}

// ParseSegments reads a request from path segments, name then escaped
// value ("namespace/shop/canaryHash/5f6b7c8d9e/..."), as Segments writes
// them, and validates it: as strict as ParseQuery (an unknown or repeated
// name, a malformed escape, a name without a value are errors).
func ParseSegments(path string) (Request, error) {
	var r Request
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) == 1 && parts[0] == "" {
		parts = nil
	}
	if len(parts)%2 != 0 {
		return r, fieldError(parts[len(parts)-1], "%q has no value: the path holds pairs of a field's name and its value", parts[len(parts)-1])
	}
	seen := map[string]bool{}
	for i := 0; i < len(parts); i += 2 {
		key := parts[i]
		val, err := url.PathUnescape(parts[i+1])
		if err != nil {
			return r, fieldError(key, "%s: %q is not properly %%-escaped", key, parts[i+1])
		}
		if err := r.setOnce(seen, key, val); err != nil {
			return r, err
		}
	}
	return r, r.Validate()
}

// setOnce sets a field that seen says was not given before.
func (r *Request) setOnce(seen map[string]bool, key, val string) error {
	if seen[key] {
		return fieldError(key, "parameter %q is given more than once", key)
	}
	seen[key] = true
	return r.Set(key, val)
}

// ParseJSON reads a request from a JSON body and validates it.
func ParseJSON(body []byte) (Request, error) {
	var r Request
	if len(bytes.TrimSpace(body)) == 0 {
		return r, &Error{Field: "body", Err: errEmpty}
	}
	if err := r.UnmarshalJSON(body); err != nil {
		return r, err
	}
	return r, r.Validate()
}

// UnmarshalJSON reads a JSON object of string fields strictly: a key that is
// not a field's exact name (names are case-sensitive), a key given twice, a
// value that is not a string, or anything after the object is an error. It
// does not validate the request (ParseJSON does).
func (r *Request) UnmarshalJSON(b []byte) error {
	*r = Request{}
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil {
		return notJSON(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fieldError("body", "the body is not a JSON object")
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return notJSON(err)
		}
		key, _ := tok.(string) // inside an object, the decoder only yields string keys here
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return notJSON(err)
		}
		if _, ok := lookup(key); !ok {
			return unknownField(key)
		}
		if seen[key] {
			return fieldError(key, "key %q is given more than once", key)
		}
		seen[key] = true
		var v string
		if len(raw) == 0 || raw[0] != '"' {
			return fieldError(key, "%s must be a JSON string, not %s", key, raw)
		}
		if err := json.Unmarshal(raw, &v); err != nil {
			return notJSON(err)
		}
		if err := r.Set(key, v); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return notJSON(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fieldError("body", "the body holds more than its one JSON object")
	}
	return nil
}

func notJSON(err error) *Error {
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return fieldError("body", "the body is not valid JSON: %v", err)
}
