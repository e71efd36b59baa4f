package providers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// DefaultMaxResponseBytes caps one backend answer when ClientOptions leave
// MaxResponseBytes at zero: 8 MiB. A range query over 30 minutes at a
// 1-minute step for 100 pods is about 0.1 MiB of JSON; 8 MiB holds 100 pods
// with 3,800 points each, or 34 series at Prometheus' 11,000-point maximum.
// Decoding an answer takes about its size again in memory, so with
// DefaultMaxConnections answers at the limit at once the live heap stays
// near 70 MiB, well inside the Deployment's 256 MiB (docs: README, "Running
// the service").
const DefaultMaxResponseBytes = 8 << 20

// TooLargeError says that an answer went past the configured size limit.
type TooLargeError struct {
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("the answer is larger than the limit of %s", FormatBytes(e.Limit))
}

// LimitBody wraps a response body so that reading it stops with a
// *TooLargeError once more than limit bytes came, and with ctx's error as
// soon as ctx is done, even when the bytes are already buffered. A decoder
// reading from it therefore gives up at the deadline however fast the bytes
// arrive.
func LimitBody(ctx context.Context, r io.Reader, limit int64) io.Reader {
	return &limitedBody{ctx: ctx, r: r, left: limit, limit: limit}
}

type limitedBody struct {
	ctx   context.Context
	r     io.Reader
	left  int64 // bytes still allowed
	limit int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if err := b.ctx.Err(); err != nil {
		return 0, err
	}
	if b.left < 0 {
		return 0, &TooLargeError{Limit: b.limit}
	}
	// Read one byte past the limit to tell "exactly limit" from "more".
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return n, &TooLargeError{Limit: b.limit}
	}
	return n, err
}

// maxErrorKept is how much of an error answer is kept to find its message;
// the rest is only counted.
const maxErrorKept = 64 << 10

// ReadErrorBody reads an error answer: it keeps its first 64 KiB and counts
// the rest, up to limit bytes in all. total is the size read; over is true
// when the answer went on past limit.
func ReadErrorBody(ctx context.Context, r io.Reader, limit int64) (kept []byte, total int64, over bool, err error) {
	body := LimitBody(ctx, r, limit)
	kept, err = io.ReadAll(io.LimitReader(body, maxErrorKept))
	total = int64(len(kept))
	if err == nil {
		var rest int64
		rest, err = io.Copy(io.Discard, body)
		total += rest
	}
	if tooLarge := (*TooLargeError)(nil); errors.As(err, &tooLarge) {
		return kept, limit, true, nil
	}
	return kept, total, false, err
}

// maxMessage is how much of a backend's message goes into an error: enough
// for Loki's longest recorded message (a 560-byte pipeline error), little
// enough that a hostile backend cannot flood our answers and logs.
const maxMessage = 1024

// Excerpt turns a backend's message into one for our errors and logs: valid
// UTF-8, blanks trimmed at the ends of lines, and at most 1 KiB followed
// by "... (N bytes)" when it is longer. total is the size of the whole
// answer (it may be more than len(body) when only a prefix was kept); over
// says the answer went past the size limit, so total is a lower bound.
func Excerpt(body []byte, total int64, over bool) string {
	lines := strings.Split(strings.TrimSpace(strings.ToValidUTF8(string(body), "\uFFFD")), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t\r")
	}
	msg := strings.Join(lines, "\n")
	if len(msg) <= maxMessage && int64(len(body)) == total && !over {
		return msg
	}
	cut := min(len(msg), maxMessage)
	for cut > 0 && cut < len(msg) && !utf8.RuneStart(msg[cut]) {
		cut--
	}
	size := fmt.Sprintf("%d bytes", total)
	if over {
		size = "more than " + FormatBytes(total)
	}
	return fmt.Sprintf("%s... (%s)", msg[:cut], size)
}

// FormatBytes writes a size in bytes, in MiB or KiB when it is a whole number
// of them.
func FormatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
