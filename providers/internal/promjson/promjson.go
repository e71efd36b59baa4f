// Package promjson decodes the JSON answers of Prometheus' query API, whose
// envelope Loki's query API copies:
//
//	{"status":"success","data":{"resultType":"matrix","result":[...]}}
//
// It reads the answer as a stream, one series at a time, and checks the
// context between series, so a huge or slow answer is given up at the
// deadline rather than decoded to the end. It trusts nothing: every member
// the caller needs must be there with the right JSON type, and every other
// shape is an error that says what was wrong. It never panics on any input.
package promjson

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
)

// Answer is what a successful answer said besides its result.
type Answer struct {
	ResultType string
	// Stats is the raw data.stats member (Loki sends it with every query
	// answer), nil when there is none.
	Stats json.RawMessage
	// EncodingFlags is data.encodingFlags (Loki's categorize-labels).
	EncodingFlags []string
}

// ResultTypeError says that data.resultType was not the one asked for.
type ResultTypeError struct {
	Got, Want string
}

func (e *ResultTypeError) Error() string {
	return fmt.Sprintf("the result is a %q, not a %q", e.Got, e.Want)
}

// StatusError is a well-formed answer whose status is not "success", with
// its errorType and error members.
type StatusError struct {
	Status, Type, Message string
}

func (e *StatusError) Error() string {
	s := fmt.Sprintf("the answer has status %q", e.Status)
	if e.Type != "" {
		s += fmt.Sprintf(" (errorType %q)", e.Type)
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Decode reads one answer from r and hands data.result to decode once it
// knows data.resultType is want. It checks the envelope: a JSON object whose
// "status" is "success", with a "data" object that holds a "resultType"
// string and a "result". Members it does not know are skipped. An error of r
// (a deadline, a size limit) comes back wrapped, so errors.Is and errors.As
// find it.
func Decode(ctx context.Context, r io.Reader, want string, decode func(*json.Decoder) error) (Answer, error) {
	dec := json.NewDecoder(r)
	if err := openObject(dec, "the answer"); err != nil {
		return Answer{}, err
	}
	var (
		a         Answer
		status    *string
		errorType string
		errMsg    string
		haveData  bool
		dataErr   error
	)
	for dec.More() {
		key, err := readKey(dec)
		if err != nil {
			return Answer{}, err
		}
		switch key {
		case "status":
			var s string
			if err := decodeMember(dec, key, &s); err != nil {
				return Answer{}, err
			}
			status = &s
		case "errorType":
			// VictoriaMetrics sends numbers here; any scalar is shown.
			errorType, err = decodeText(dec, key)
		case "error":
			errMsg, err = decodeText(dec, key)
		case "data":
			haveData = true
			if status != nil && *status != "success" {
				err = skip(dec)
				break
			}
			dataErr = decodeData(ctx, dec, want, decode, &a)
			if dataErr != nil && !errors.As(dataErr, new(*ResultTypeError)) {
				return Answer{}, dataErr
			}
		default:
			err = skip(dec)
		}
		if err != nil {
			return Answer{}, err
		}
	}
	if err := closeObject(dec, "the answer"); err != nil {
		return Answer{}, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err == nil {
			return Answer{}, errors.New("more JSON after the answer")
		}
		return Answer{}, fmt.Errorf("after the answer: %w", err)
	}
	switch {
	case status == nil:
		return Answer{}, errors.New(`the answer has no "status"`)
	case *status != "success":
		return Answer{}, &StatusError{Status: *status, Type: errorType, Message: errMsg}
	case !haveData:
		return Answer{}, errors.New(`the answer has no "data"`)
	case dataErr != nil:
		return Answer{}, dataErr
	}
	return a, nil
}

// decodeData reads the "data" member.
func decodeData(ctx context.Context, dec *json.Decoder, want string, decode func(*json.Decoder) error, a *Answer) error {
	if err := openObject(dec, `"data"`); err != nil {
		return err
	}
	var (
		haveType, haveResult bool
		pending              json.RawMessage // a result that came before its type
	)
	for dec.More() {
		key, err := readKey(dec)
		if err != nil {
			return err
		}
		switch key {
		case "resultType":
			err = decodeMember(dec, `"data.resultType"`, &a.ResultType)
			haveType = err == nil
		case "result":
			haveResult = true
			switch {
			case !haveType:
				err = decodeMember(dec, `"data.result"`, &pending)
			case a.ResultType != want:
				err = skip(dec)
			default:
				err = decodeResult(ctx, dec, decode)
			}
		case "stats":
			err = decodeMember(dec, `"data.stats"`, &a.Stats)
		case "encodingFlags":
			err = decodeMember(dec, `"data.encodingFlags"`, &a.EncodingFlags)
		default:
			err = skip(dec)
		}
		if err != nil {
			return err
		}
	}
	if err := closeObject(dec, `"data"`); err != nil {
		return err
	}
	switch {
	case !haveType || a.ResultType == "":
		return errors.New(`"data" has no "resultType"`)
	case !haveResult:
		return errors.New(`"data" has no "result"`)
	case a.ResultType != want:
		return &ResultTypeError{Got: a.ResultType, Want: want}
	case pending != nil:
		return decodeResult(ctx, json.NewDecoder(bytes.NewReader(pending)), decode)
	}
	return nil
}

// decodeResult runs the caller's decoder on data.result.
func decodeResult(ctx context.Context, dec *json.Decoder, decode func(*json.Decoder) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := decode(dec); err != nil {
		return fmt.Errorf(`"data.result": %w`, err)
	}
	return nil
}

// Array reads a JSON array from dec and calls each for every element, with
// dec positioned at it; each must consume exactly one value. It checks ctx
// before every element.
func Array(ctx context.Context, dec *json.Decoder, each func(i int) error) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok != json.Delim('[') {
		return fmt.Errorf("%s, not an array", describe(tok))
	}
	for i := 0; dec.More(); i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := each(i); err != nil {
			return err
		}
	}
	_, err = dec.Token() // the closing ']'; the decoder checked the syntax
	return err
}

// openObject reads the '{' that must start what.
func openObject(dec *json.Decoder, what string) error {
	tok, err := dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("%s is empty", what)
		}
		return fmt.Errorf("%s: %w", what, err)
	}
	if tok != json.Delim('{') {
		return fmt.Errorf("%s is %s, not an object", what, describe(tok))
	}
	return nil
}

// closeObject reads the '}' that ends what.
func closeObject(dec *json.Decoder, what string) error {
	if _, err := dec.Token(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// readKey reads the name of an object member.
func readKey(dec *json.Decoder) (string, error) {
	tok, err := dec.Token()
	if err != nil {
		return "", err
	}
	key, ok := tok.(string)
	if !ok {
		return "", fmt.Errorf("expected a member name, got %s", describe(tok))
	}
	return key, nil
}

// decodeMember decodes one member's value into v, with an error that names
// it.
func decodeMember(dec *json.Decoder, name string, v any) error {
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return fmt.Errorf("%s is a JSON %s, not %s", name, typeErr.Value, typeName(typeErr))
		}
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// decodeText decodes a member that should be a string; any other scalar is
// turned into its JSON text.
func decodeText(dec *json.Decoder, name string) (string, error) {
	var raw json.RawMessage
	if err := decodeMember(dec, name, &raw); err != nil {
		return "", err
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, nil
	}
	return string(raw), nil
}

// skip reads and drops one value.
func skip(dec *json.Decoder) error {
	var raw json.RawMessage
	return dec.Decode(&raw)
}

// typeName names the JSON type a type error wanted.
func typeName(e *json.UnmarshalTypeError) string {
	if e.Type == nil {
		return "another type"
	}
	switch e.Type.Kind() {
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Float32, reflect.Float64, reflect.Int, reflect.Int64:
		return "a number"
	}
	return "another type"
}

// describe names the JSON type of a token for an error message.
func describe(tok json.Token) string {
	switch t := tok.(type) {
	case nil:
		return "null"
	case json.Delim:
		if t == '[' {
			return "an array"
		}
		if t == '{' {
			return "an object"
		}
		return fmt.Sprintf("%q", string(t))
	case string:
		return "a string"
	case bool:
		return "a boolean"
	default:
		return "a number"
	}
}
