package api

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"
	"go.uber.org/zap"
)

// TokenFile holds the bearer tokens the API accepts, read from a file: one
// token per line; blank lines and lines starting with '#' are ignored. The
// file is read again whenever it changes (another file, size or
// modification time), so tokens rotate without a restart: list the new
// token beside the old one while the callers move over.
type TokenFile struct {
	path string

	mu     sync.Mutex
	info   os.FileInfo
	tokens [][sha256.Size]byte // hashed, so that comparing takes the same time whatever the length
}

// NewTokenFile reads the tokens of path; a file without any token is an
// error.
func NewTokenFile(path string) (*TokenFile, error) {
	f := &TokenFile{path: path}
	if _, err := f.current(); err != nil {
		return nil, err
	}
	return f, nil
}

// current returns the tokens, reading the file again if it changed.
func (f *TokenFile) current() ([][sha256.Size]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	info, err := os.Stat(f.path)
	if err != nil {
		return nil, fmt.Errorf("bearer token file: %w", err)
	}
	if f.info != nil && os.SameFile(f.info, info) && info.ModTime().Equal(f.info.ModTime()) && info.Size() == f.info.Size() {
		return f.tokens, nil
	}
	list, err := ReadTokenFile(f.path)
	if err != nil {
		return nil, err
	}
	tokens := make([][sha256.Size]byte, len(list))
	for i, t := range list {
		tokens[i] = sha256.Sum256([]byte(t))
	}
	f.info, f.tokens = info, tokens
	return tokens, nil
}

// ReadTokenFile reads the tokens of a token file: one per line, blank lines
// and lines starting with '#' ignored, at least one.
func ReadTokenFile(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("bearer token file: %w", err)
	}
	var tokens []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
			tokens = append(tokens, line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("bearer token file %s: %w", path, err)
	}
	if len(tokens) == 0 {
		return nil, fmt.Errorf("bearer token file %s holds no token", path)
	}
	return tokens, nil
}

// valid says whether token is one of the file's, comparing with every one
// in constant time.
func (f *TokenFile) valid(token string) (bool, error) {
	tokens, err := f.current()
	if err != nil {
		return false, err
	}
	h := sha256.Sum256([]byte(token))
	match := 0
	for _, t := range tokens {
		match |= subtle.ConstantTimeCompare(h[:], t[:])
	}
	return match == 1, nil
}

var errUnauthenticated = errors.New("this API needs a bearer token: send Authorization: Bearer <token>")

// authenticate refuses requests without a valid bearer token when the API
// has tokens; the probes and /metrics are registered outside it.
func (a *API) authenticate(c *gin.Context) {
	if a.o.Tokens == nil {
		return
	}
	scheme, token, _ := strings.Cut(c.GetHeader("Authorization"), " ")
	ok := false
	var err error
	if strings.EqualFold(scheme, "Bearer") && token != "" {
		ok, err = a.o.Tokens.valid(strings.TrimSpace(token))
	}
	switch {
	case err != nil:
		a.o.Logger.Error("checking a bearer token", zap.Error(err))
		a.abort(c, &apiError{typ: errInternal, err: errors.New("the service cannot read its bearer tokens")})
	case !ok:
		c.Header("WWW-Authenticate", `Bearer realm="canary-analyzer"`)
		a.abort(c, &apiError{typ: errUnauthorized, err: errUnauthenticated})
	}
}

// abort answers with err and stops the handler chain.
func (a *API) abort(c *gin.Context, err error) {
	status, body := a.render(c, result{err: err})
	c.Data(status, "application/json; charset=utf-8", body)
	c.Abort()
}
