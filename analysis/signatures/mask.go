package signatures

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Placeholders that MaskLine writes in place of variable parts of a line.
const (
	MaskNumber = "<NUM>"
	MaskHex    = "<HEX>"
	MaskUUID   = "<UUID>"
	MaskIP     = "<IP>"
	MaskTime   = "<TS>"
	MaskString = "<STR>"
	// MaskAny stands for a token that varies between the lines of one
	// signature (Miner's wildcard).
	MaskAny = "<*>"
)

// maxMaskedBytes caps the part of a line that is masked and mined; the rest
// is cut off, so that one huge line (a stack dump on one line) costs no more
// than a normal one.
const maxMaskedBytes = 2048

var (
	// Timestamps at the start of a line: a bracketed one holding a time of
	// day (Apache 2.4's "[Wed Nov 25 19:43:53.618512 2026]", the access
	// log's "[25/Nov/2026:19:17:03 +0000]"), ISO 8601 and syslog's.
	leadingTime = regexp.MustCompile(`^(?:\[[^\]]{0,64}\d{1,2}:\d{2}:\d{2}[^\]]{0,64}\]` +
		`|\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?` +
		`|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d \d{2}:\d{2}:\d{2})\s*`)

	maskUUID = regexp.MustCompile(`\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b`)
	// Timestamps and times of day inside a line: ISO 8601, the common log
	// format's 25/Nov/2026:19:17:03 +0000, and 19:17:03.123.
	maskISO  = regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?\b`)
	maskCLF  = regexp.MustCompile(`\b\d{1,2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2}(?: [+-]\d{4}\b)?`)
	maskTime = regexp.MustCompile(`\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b`)
	maskIPv4 = regexp.MustCompile(`\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?::\d{1,5})?\b`)
	// IPv6: eight full groups, or a compressed form with "::"; maskIPv6Lead
	// is the compressed form that starts with "::" (::1).
	maskIPv6 = regexp.MustCompile(`\b(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}\b` +
		`|\b(?:[0-9a-fA-F]{1,4}:){1,6}:(?:[0-9a-fA-F]{1,4}(?::[0-9a-fA-F]{1,4}){0,5}\b)?`)
	maskIPv6Lead = regexp.MustCompile(`(^|[^0-9A-Za-z:])::[0-9a-fA-F]{1,4}(?::[0-9a-fA-F]{1,4}){0,6}\b`)
	mask0x       = regexp.MustCompile(`\b0[xX][0-9a-fA-F]+\b`)
	// hexWord finds words of hex digits; MaskLine masks those that look
	// like hashes or ids (isHexID), not words such as "cafe" or codes.
	hexWord = regexp.MustCompile(`\b[0-9a-fA-F]{4,}\b`)
	// Quoted values: double-quoted anywhere, single-quoted only where the
	// quote cannot be an apostrophe (after a space, '=', ':', '(' ...).
	maskDQ = regexp.MustCompile(`"(?:[^"\\]|\\.){0,512}"`)
	maskSQ = regexp.MustCompile(`(^|[\s=:(\[,{])'[^'\n]{0,512}'`)
	// URL query strings.
	maskQuery = regexp.MustCompile(`\?[^\s"'<>]+`)
	// Numbers, with a unit if one follows directly (12ms, 3.5s, 64KiB).
	maskNum = regexp.MustCompile(`\b\d+(?:\.\d+)*(?:ns|us|ms|s|m|h|d|[kKMGT]i?[bB]|[bB]|%)?\b`)
	// Path segments that still hold three or more digits inside a word
	// (session_8f3kd92x, php3A9f12): variable parts of a path.
	pathSeg = regexp.MustCompile(`/[^\s/"'?<>]*\d[^\s/"'?<>]*`)
)

// MaskLine reduces a log line to the text its signature is mined from: a
// timestamp at the start is dropped, control characters become spaces, and
// variable parts are replaced by placeholders, in this order: UUIDs
// (MaskUUID), timestamps and times of day (MaskTime), IPv4 addresses with an
// optional port and IPv6 addresses (MaskIP), 0x-prefixed hex and hex words
// of four or more characters holding both a digit and a letter, lower-case
// or at least eight long (MaskHex),
// double-quoted values and single-quoted values that are not apostrophes
// (MaskString, the quotes kept), URL query strings ("?" followed by
// MaskAny), numbers with an optional unit (MaskNumber), and path segments
// still holding three or more digits (MaskAny). Runs of white space become
// one space. Message codes that mix capital letters and digits (Apache's
// AH01630, ORA-00942, E1234) are kept: they are the most telling part of a
// line.
//
// Only the first 2048 bytes of a line are used.
func MaskLine(line string) string {
	if len(line) > maxMaskedBytes {
		line = line[:maxMaskedBytes]
	}
	line = strings.ToValidUTF8(line, "\uFFFD")
	line = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, line)
	line = strings.TrimSpace(line)
	line = leadingTime.ReplaceAllString(line, "")

	// Each pattern runs only when the line holds what it needs; most
	// patterns need a digit.
	digits := strings.ContainsAny(line, "0123456789")
	if digits && strings.Count(line, "-") >= 4 {
		line = maskUUID.ReplaceAllString(line, MaskUUID)
	}
	if digits && strings.Count(line, ":") >= 2 {
		if strings.Count(line, "-") >= 2 {
			line = maskISO.ReplaceAllString(line, MaskTime)
		}
		if strings.Count(line, "/") >= 2 {
			line = maskCLF.ReplaceAllString(line, MaskTime)
		}
		line = maskTime.ReplaceAllString(line, MaskTime)
	}
	if digits && strings.Count(line, ".") >= 3 {
		line = maskIPv4.ReplaceAllString(line, MaskIP)
	}
	if strings.Contains(line, "::") || strings.Count(line, ":") >= 7 {
		line = maskIPv6.ReplaceAllString(line, MaskIP)
		line = maskIPv6Lead.ReplaceAllString(line, "${1}"+MaskIP)
	}
	if digits {
		if strings.Contains(line, "0x") || strings.Contains(line, "0X") {
			line = mask0x.ReplaceAllString(line, MaskHex)
		}
		line = hexWord.ReplaceAllStringFunc(line, func(w string) string {
			if isHexID(w) {
				return MaskHex
			}
			return w
		})
	}
	if strings.Contains(line, `"`) {
		line = maskDQ.ReplaceAllString(line, `"`+MaskString+`"`)
	}
	if strings.Contains(line, "'") {
		line = maskSQ.ReplaceAllString(line, `${1}'`+MaskString+`'`)
	}
	if strings.Contains(line, "?") {
		line = maskQuery.ReplaceAllString(line, "?"+MaskAny)
	}
	if strings.ContainsAny(line, "0123456789") {
		line = maskNumbers(line)
		if strings.Contains(line, "/") {
			line = pathSeg.ReplaceAllStringFunc(line, func(seg string) string {
				if countDigits(seg) >= 3 {
					return "/" + MaskAny
				}
				return seg
			})
		}
	}
	return strings.Join(strings.Fields(line), " ")
}

// isHexID reports whether a word of hex digits looks like a hash or an id:
// it holds a digit and a letter, and is either lower-case or at least eight
// characters long. Short upper-case words such as E1234 are message codes.
func isHexID(w string) bool {
	if !strings.ContainsAny(w, "0123456789") || !strings.ContainsAny(w, "abcdefABCDEF") {
		return false
	}
	return len(w) >= 8 || !strings.ContainsAny(w, "ABCDEF")
}

// maskNumbers replaces numbers by MaskNumber, except the digits of a
// message code written with a hyphen (ORA-00942, ERR-1001).
func maskNumbers(line string) string {
	var b strings.Builder
	last := 0
	for _, loc := range maskNum.FindAllStringIndex(line, -1) {
		if isHyphenCode(line[:loc[0]]) && countDigits(line[loc[0]:loc[1]]) >= 3 {
			continue
		}
		b.WriteString(line[last:loc[0]])
		b.WriteString(MaskNumber)
		last = loc[1]
	}
	b.WriteString(line[last:])
	return b.String()
}

// isHyphenCode reports whether before ends in a word of capital letters and
// a hyphen, the start of a code such as ORA-00942.
func isHyphenCode(before string) bool {
	if !strings.HasSuffix(before, "-") {
		return false
	}
	i := len(before) - 1
	j := i
	for j > 0 && before[j-1] >= 'A' && before[j-1] <= 'Z' {
		j--
	}
	if j == i || i-j > 8 {
		return false
	}
	return j == 0 || !isWordByte(before[j-1])
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func countDigits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			n++
		}
	}
	return n
}

// CleanExample makes a log line safe to show: control characters become
// spaces (a tab, a newline or an escape sequence cannot break the output
// they are shown in), invalid UTF-8 becomes U+FFFD, blanks at the ends are
// trimmed, and a line longer than maxRunes runes is cut to maxRunes runes
// ending in "…". maxRunes below 1 means 300.
func CleanExample(line string, maxRunes int) string {
	if maxRunes < 1 {
		maxRunes = 300
	}
	line = strings.ToValidUTF8(line, "\uFFFD")
	line = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, line)
	line = strings.TrimSpace(line)
	if utf8.RuneCountInString(line) <= maxRunes {
		return line
	}
	n := 0
	for i := range line {
		if n == maxRunes-1 {
			return strings.TrimRight(line[:i], " ") + "…"
		}
		n++
	}
	return line
}
