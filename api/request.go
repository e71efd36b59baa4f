package api

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

	"github.com/canary-analyzer/canary-analyzer/request"
)

// maxBodyBytes bounds a POST body.
const maxBodyBytes = 64 << 10

// requestFromQuery reads a GET request's parameters strictly (package
// request says how).
func requestFromQuery(r *http.Request) (request.Request, error) {
	return request.ParseQuery(r.URL.RawQuery)
}

// requestFromBody reads a POST request: a JSON object, sent as
// application/json, of at most maxBodyBytes.
func requestFromBody(r *http.Request) (request.Request, error) {
	if err := requireJSON(r); err != nil {
		return request.Request{}, err
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil {
		return request.Request{}, badData("body", fmt.Errorf("reading the body: %w", err))
	}
	if len(body) > maxBodyBytes {
		return request.Request{}, badData("body", fmt.Errorf("the body is larger than %d bytes", maxBodyBytes))
	}
	return request.ParseJSON(body)
}

// requireJSON refuses a body that is not declared as JSON: a browser can
// send text/plain, form and multipart bodies to any site without asking,
// never application/json.
func requireJSON(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return badData("Content-Type", errors.New("the body needs Content-Type: application/json"))
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return badData("Content-Type", fmt.Errorf("Content-Type %q is not application/json", ct))
	}
	if cs, ok := params["charset"]; ok && cs != "utf-8" && cs != "UTF-8" {
		return badData("Content-Type", fmt.Errorf("charset %q: the body must be UTF-8", cs))
	}
	return nil
}
