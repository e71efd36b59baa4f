package loki

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"text/scanner"
	"unicode/utf8"
)

// hostile are values a rule or a request could put into a LogQL string.
var hostile = []string{
	"",
	"web-5f6b7c8d9e-zzzzz",
	`say "hi"`,
	`C:\temp\new`,
	`ends with a backslash\`,
	`\"`,
	`"} |= "injected`,
	`"}) or vector(1) #`,
	"}",
	"{",
	"line one\nline two",
	"tab\there",
	"carriage\rreturn",
	"nul\x00byte",
	"bell\a and escape \x1b[31m",
	"a|b",
	"`backticks`",
	"'single'",
	`=~ != |~ !~`,
	"/* not a comment */",
	"# not a comment",
	"unicode: żółć — 日本 🙂",
	"\u2028line separator",
	"invalid \xff\xfe utf-8",
	".*",
	"[a-z]+(x)?{2}^$",
}

// lexString scans src the way Loki's lexer does (a text/scanner with Go
// tokens) and returns the string token found between `{pod=` and `}`, or
// fails if src does not split into exactly those tokens.
func lexString(t *testing.T, src string) string {
	t.Helper()
	var s scanner.Scanner
	s.Init(strings.NewReader(src))
	s.Error = func(_ *scanner.Scanner, msg string) { t.Errorf("scanning %q: %s", src, msg) }
	var toks []string
	var str string
	for tok := s.Scan(); tok != scanner.EOF; tok = s.Scan() {
		toks = append(toks, scanner.TokenString(tok))
		if tok == scanner.String {
			if !utf8.ValidString(s.TokenText()) {
				t.Errorf("string token %q is not valid UTF-8; Loki refuses it", s.TokenText())
			}
			str = s.TokenText()
		}
	}
	want := []string{`"{"`, "Ident", `"="`, "String", `"}"`}
	if strings.Join(toks, " ") != strings.Join(want, " ") {
		t.Fatalf("%q scans as %v, want %v", src, toks, want)
	}
	return str
}

func TestQuoteString(t *testing.T) {
	for _, s := range hostile {
		t.Run(strconv.Quote(s), func(t *testing.T) {
			lit := lexString(t, "{pod="+QuoteString(s)+"}")
			got, err := strconv.Unquote(lit)
			if err != nil {
				t.Fatalf("Loki could not unquote %s: %v", lit, err)
			}
			if got != s {
				t.Errorf("%s reads back as %q, want %q", lit, got, s)
			}
		})
	}
}

func TestQuoteStringExact(t *testing.T) {
	tests := []struct{ in, want string }{
		{`plain`, `"plain"`},
		{`a"b`, `"a\"b"`},
		{`a\b`, `"a\\b"`},
		{"a\nb", `"a\nb"`},
		{"a}b|c", `"a}b|c"`},
		{"\xff", `"\xff"`},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := QuoteString(tc.in); got != tc.want {
				t.Errorf("QuoteString(%q) = %s, want %s", tc.in, got, tc.want)
			}
		})
	}
}

func TestQuoteRegexp(t *testing.T) {
	for _, s := range hostile {
		t.Run(strconv.Quote(s), func(t *testing.T) {
			// The operator (=~) does not change how the string is scanned.
			lit := lexString(t, "{pod="+QuoteRegexp(s)+"}")
			pattern, err := strconv.Unquote(lit)
			if err != nil {
				t.Fatalf("Loki could not unquote %s: %v", lit, err)
			}
			// Label matchers are anchored at both ends.
			re, err := regexp.Compile("^(?:" + pattern + ")$")
			if err != nil {
				t.Fatalf("pattern %q does not compile: %v", pattern, err)
			}
			if !re.MatchString(s) {
				t.Errorf("pattern %q does not match %q", pattern, s)
			}
			for _, other := range []string{s + "x", "x" + s, strings.ToUpper(s) + "-", "a", "b", "ab"} {
				if other != s && re.MatchString(other) {
					t.Errorf("pattern %q also matches %q", pattern, other)
				}
			}
		})
	}
}

func TestQuoteRegexpExact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"web-5f6b7c8d9e", `"web-5f6b7c8d9e"`},
		{"a.b", `"a\\.b"`},
		{"a|b", `"a\\|b"`},
		{`a"b`, `"a\"b"`},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := QuoteRegexp(tc.in); got != tc.want {
				t.Errorf("QuoteRegexp(%q) = %s, want %s", tc.in, got, tc.want)
			}
		})
	}
}
