package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/canary-analyzer/canary-analyzer/rules"
	"github.com/canary-analyzer/canary-analyzer/verdict"
)

// Params are the parameters of a judgement, as query parameters (GET) or
// JSON keys (POST), before validation.
type Params struct {
	Namespace  string `json:"namespace"`
	CanaryHash string `json:"canaryHash"`
	StableHash string `json:"stableHash"`
	RuleSet    string `json:"ruleSet"`
	Rollout    string `json:"rollout"`
	Lookback   string `json:"lookback"`
	End        string `json:"end"`
}

// maxBodyBytes bounds a POST body.
const maxBodyBytes = 64 << 10

var (
	// dnsLabel is a Kubernetes DNS-1123 label: namespaces, hashes.
	dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	// dnsSubdomain is a Kubernetes DNS-1123 subdomain: object names.
	dnsSubdomain = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
)

// paramsFromQuery reads GET parameters. Unknown parameters are an error: a
// typo such as "canary=" must not fall back to a default silently.
func paramsFromQuery(r *http.Request) (Params, error) {
	q := r.URL.Query()
	var p Params
	fields := map[string]*string{
		"namespace": &p.Namespace, "canaryHash": &p.CanaryHash, "stableHash": &p.StableHash,
		"ruleSet": &p.RuleSet, "rollout": &p.Rollout, "lookback": &p.Lookback, "end": &p.End,
	}
	for k, vs := range q {
		dst, ok := fields[k]
		if !ok {
			return p, badData(k, fmt.Errorf("unknown parameter %q (known: namespace, canaryHash, stableHash, ruleSet, rollout, lookback, end)", k))
		}
		if len(vs) > 1 {
			return p, badData(k, fmt.Errorf("parameter %q is given %d times", k, len(vs)))
		}
		*dst = vs[0]
	}
	return p, nil
}

// paramsFromBody reads a POST body strictly: JSON object, known keys only.
func paramsFromBody(r *http.Request) (Params, error) {
	var p Params
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil {
		return p, badData("body", fmt.Errorf("reading the body: %w", err))
	}
	if len(body) > maxBodyBytes {
		return p, badData("body", fmt.Errorf("the body is larger than %d bytes", maxBodyBytes))
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return p, badData("body", errors.New("the body is empty: send a JSON object with namespace, canaryHash, stableHash and ruleSet"))
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return p, badData("body", fmt.Errorf("the body is not a valid JSON object of known fields: %w", err))
	}
	if dec.More() {
		return p, badData("body", errors.New("the body holds more than one JSON value"))
	}
	return p, nil
}

// Request validates the parameters and turns them into a verdict.Request.
// Errors name the field at fault.
func (p Params) Request() (verdict.Request, error) {
	var req verdict.Request
	checks := []struct {
		field, value string
		re           *regexp.Regexp
		max          int
		required     bool
		what         string
	}{
		{"namespace", p.Namespace, dnsLabel, 63, true, "a Kubernetes namespace name"},
		{"canaryHash", p.CanaryHash, dnsLabel, 63, true, "a pod-template hash"},
		{"stableHash", p.StableHash, dnsLabel, 63, true, "a pod-template hash"},
		{"ruleSet", p.RuleSet, dnsLabel, 63, true, "a rule-set name"},
		{"rollout", p.Rollout, dnsSubdomain, 253, false, "a Kubernetes object name"},
	}
	for _, c := range checks {
		switch {
		case c.value == "" && c.required:
			return req, badData(c.field, fmt.Errorf("%s is required", c.field))
		case c.value == "":
		case len(c.value) > c.max || !c.re.MatchString(c.value):
			return req, badData(c.field, fmt.Errorf("%s %s is not %s (lower-case letters, digits and '-', at most %d)", c.field, strconv.Quote(c.value), c.what, c.max))
		}
	}
	if p.CanaryHash == p.StableHash {
		return req, badData("stableHash", fmt.Errorf("canaryHash and stableHash are both %q: the canary must differ from the stable pods", p.CanaryHash))
	}
	req.Target = rules.Target{Namespace: p.Namespace, Rollout: p.Rollout, CanaryHash: p.CanaryHash, StableHash: p.StableHash}
	req.RuleSet = p.RuleSet
	if p.Lookback != "" {
		d, err := model.ParseDuration(p.Lookback)
		if err != nil || d <= 0 {
			return req, badData("lookback", fmt.Errorf("lookback %s is not a positive duration such as 15m", strconv.Quote(p.Lookback)))
		}
		req.Lookback = time.Duration(d)
	}
	if p.End != "" {
		t, err := parseTime(p.End)
		if err != nil {
			return req, badData("end", err)
		}
		req.End = t
	}
	return req, nil
}

// parseTime accepts RFC 3339 or Unix seconds (possibly fractional).
func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) && f > 0 && !strings.ContainsAny(s, "eE") {
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("end %s is neither RFC 3339 (2026-11-25T14:05:00Z) nor Unix seconds", strconv.Quote(s))
}
