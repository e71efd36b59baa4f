package request

import (
	"flag"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
)

// field is one request field: its wire name, its command-line flag, and how
// it is read from and written as a string. A bool field's flag may be given
// without a value.
type field struct {
	name, flag, usage string
	set               func(r *Request, v string) error
	get               func(r *Request) string
	bool              bool
}

// fields are the request's fields in the order the encoders write them.
var fields = []field{
	{"namespace", "namespace", "namespace of the rollout (required)",
		func(r *Request, v string) error { r.Namespace = v; return nil },
		func(r *Request) string { return r.Namespace }, false},
	{"rollout", "rollout", "rollout name: pods are <rollout>-<hash>-<suffix> (default: any name)",
		func(r *Request, v string) error { r.Rollout = v; return nil },
		func(r *Request) string { return r.Rollout }, false},
	{"canaryHash", "canary-hash", "pod-template hash of the canary (required unless the ReplicaSets are given)",
		func(r *Request, v string) error { r.CanaryHash = v; return nil },
		func(r *Request) string { return r.CanaryHash }, false},
	{"stableHash", "stable-hash", "pod-template hash of the stable pods (required unless the ReplicaSets are given; beside them, the canary is judged against the stable pods too and fails when it fails against both, or against the stable pods where the baseline shows no sign of its excess)",
		func(r *Request, v string) error { r.StableHash = v; return nil },
		func(r *Request) string { return r.StableHash }, false},
	{"canaryReplicaSet", "canary-replicaset", "instead of the hashes: the canary's ReplicaSet, pods <replicaset>-<suffix> (an Argo experiment's canary template)",
		func(r *Request, v string) error { r.CanaryReplicaSet = v; return nil },
		func(r *Request) string { return r.CanaryReplicaSet }, false},
	{"stableReplicaSet", "stable-replicaset", "instead of the hashes: the ReplicaSet to compare with (an Argo experiment's baseline template)",
		func(r *Request, v string) error { r.StableReplicaSet = v; return nil },
		func(r *Request) string { return r.StableReplicaSet }, false},
	{"ruleSet", "rule-set", "rule set to judge by (required)",
		func(r *Request, v string) error { r.RuleSet = v; return nil },
		func(r *Request) string { return r.RuleSet }, false},
	{"lookback", "lookback", "window to look back over, e.g. 30m (default: the rule set's)",
		setLookback,
		func(r *Request) string {
			if r.Lookback == 0 {
				return ""
			}
			return model.Duration(r.Lookback).String()
		}, false},
	{"end", "end", "judge as of this time, RFC 3339 or Unix seconds (default: now)",
		setEnd,
		func(r *Request) string {
			if r.End.IsZero() {
				return ""
			}
			return r.End.UTC().Format(time.RFC3339Nano)
		}, false},
	{"series", "series", "include each metric's per-step series per pod: true or false (default false)",
		setSeries,
		func(r *Request) string {
			if !r.Series {
				return ""
			}
			return "true"
		}, true},
}

// Names lists the fields' wire names in order.
func Names() []string {
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = f.name
	}
	return out
}

func lookup(name string) (field, bool) {
	for _, f := range fields {
		if f.name == name {
			return f, true
		}
	}
	return field{}, false
}

// Set sets the field with the given wire name from its string form. An
// empty value leaves the field unset. It checks that the value parses
// (durations, times), not that the request is valid: that is Validate.
func (r *Request) Set(name, value string) error {
	f, ok := lookup(name)
	if !ok {
		return unknownField(name)
	}
	return f.set(r, value)
}

// unknownField names the known fields, and the one meant when name differs
// from it only in case.
func unknownField(name string) *Error {
	for _, f := range fields {
		if strings.EqualFold(f.name, name) {
			return fieldError(name, "unknown field %q: did you mean %q? (names are case-sensitive)", name, f.name)
		}
	}
	return fieldError(name, "unknown field %q (known: %s)", name, strings.Join(Names(), ", "))
}

func setLookback(r *Request, v string) error {
	if v == "" {
		r.Lookback = 0
		return nil
	}
	d, err := model.ParseDuration(v)
	if err != nil || d <= 0 {
		return fieldError("lookback", "lookback %s is not a positive duration such as 15m", strconv.Quote(v))
	}
	r.Lookback = time.Duration(d)
	return nil
}

// setSeries reads "true" or "false" (only those: a typo must not quietly
// mean false).
func setSeries(r *Request, v string) error {
	switch v {
	case "", "false":
		r.Series = false
	case "true":
		r.Series = true
	default:
		return fieldError("series", "series %s is neither true nor false", strconv.Quote(v))
	}
	return nil
}

// unixSeconds is Unix time in seconds, optionally with a fraction: at most
// 11 digits, which reaches past MaxEnd.
var unixSeconds = regexp.MustCompile(`^([0-9]{1,11})(?:\.([0-9]{1,9}))?$`)

func setEnd(r *Request, v string) error {
	if v == "" {
		r.End = time.Time{}
		return nil
	}
	t, err := parseTime(v)
	if err == nil {
		err = checkEnd(t)
	}
	if err != nil {
		return &Error{Field: "end", Err: err}
	}
	r.End = t
	return nil
}

// parseTime reads RFC 3339 or Unix seconds (with up to nine decimals).
func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	if m := unixSeconds.FindStringSubmatch(s); m != nil {
		sec, _ := strconv.ParseInt(m[1], 10, 64) // at most 11 digits: no overflow
		var nsec int64
		if m[2] != "" {
			nsec, _ = strconv.ParseInt((m[2] + "000000000")[:9], 10, 64)
		}
		return time.Unix(sec, nsec).UTC(), nil
	}
	hint := ""
	if strings.Contains(s, " ") {
		hint = " (a '+' in a query string is a space: write a time zone offset as %2B01:00, or use Z)"
	}
	return time.Time{}, fmt.Errorf("end %s is neither RFC 3339 (2026-11-25T14:05:00Z) nor Unix seconds%s", strconv.Quote(s), hint)
}

// AddFlags registers one flag per field on fs (--namespace, --canary-hash,
// ...), each setting r. Validate the request after parsing.
func (r *Request) AddFlags(fs *flag.FlagSet) {
	for _, f := range fields {
		if f.bool {
			fs.BoolFunc(f.flag, f.usage, func(v string) error { return f.set(r, v) })
			continue
		}
		fs.Func(f.flag, f.usage, func(v string) error { return f.set(r, v) })
	}
}

// FlagName is the command-line flag of a field's wire name, so that a
// command can say "--canary-hash" where the API says "canaryHash".
func FlagName(name string) string {
	if f, ok := lookup(name); ok {
		return f.flag
	}
	return name
}
