package loki

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// QuoteString returns s as a LogQL double-quoted string literal, for label
// matchers (pod="..."), line filters (|= "...") and label filters.
//
// Loki's lexer scans a double-quoted string like Go's text/scanner and
// unquotes it with Go's escape rules, so a Go-quoted string reads back as
// exactly s: quotes, backslashes and control characters such as newlines are
// escaped, and bytes that are not valid UTF-8 become \x escapes (Loki refuses
// raw invalid UTF-8 in a query). Braces, pipes and backticks need no escaping
// inside the quotes.
func QuoteString(s string) string {
	return strconv.Quote(s)
}

// QuoteRegexp returns a LogQL string literal holding a regular expression
// that matches exactly s, for the =~ and !~ matchers and the |~ line filter.
// Label matchers are anchored at both ends, so {pod=~QuoteRegexp(p)} selects
// the pod named p and nothing else; in a |~ line filter it matches lines that
// contain s.
//
// To build a larger pattern, escape each literal part with
// regexp.QuoteMeta, join the parts with the regexp syntax you need, and
// quote the whole with QuoteString:
//
//	QuoteString("web-(" + regexp.QuoteMeta(canary) + "|" + regexp.QuoteMeta(stable) + ")-[a-z0-9]+")
//
// Regular expressions work on UTF-8 text, and one that holds invalid UTF-8
// does not compile, so each byte of s that is not valid UTF-8 is written as
// U+FFFD, which is what the matcher reads such a byte as.
func QuoteRegexp(s string) string {
	return QuoteString(regexp.QuoteMeta(validUTF8(s)))
}

// validUTF8 replaces each byte that is not part of valid UTF-8 by U+FFFD.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for _, r := range s { // an invalid byte ranges as utf8.RuneError
		b.WriteRune(r)
	}
	return b.String()
}
