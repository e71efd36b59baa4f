package providers

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestLimitBody(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		body    string
		limit   int64
		want    string
		tooMuch bool
	}{
		{"under the limit", "hello", 10, "hello", false},
		{"exactly the limit", "hello", 5, "hello", false},
		{"one byte over", "hello!", 5, "hello", true},
		{"far over", strings.Repeat("x", 1<<20), 1000, strings.Repeat("x", 1000), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := io.ReadAll(LimitBody(context.Background(), strings.NewReader(tc.body), tc.limit))
			var tooLarge *TooLargeError
			if errors.As(err, &tooLarge) != tc.tooMuch || (!tc.tooMuch && err != nil) {
				t.Fatalf("error %v, want too large: %v", err, tc.tooMuch)
			}
			// Past the limit, at most one byte more than the limit was read.
			if !strings.HasPrefix(string(got), tc.want) || len(got) > len(tc.want)+1 {
				t.Errorf("read %d bytes, want %d", len(got), len(tc.want))
			}
		})
	}
}

// TestLimitBodyContext: a done context stops reading even though the bytes
// are there.
func TestLimitBodyContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	body := LimitBody(ctx, strings.NewReader(strings.Repeat("x", 1000)), 1<<20)
	buf := make([]byte, 10)
	if n, err := body.Read(buf); n != 10 || err != nil {
		t.Fatalf("first read: %d, %v", n, err)
	}
	cancel()
	if n, err := body.Read(buf); n != 0 || !errors.Is(err, context.Canceled) {
		t.Errorf("read after cancel: %d, %v; want 0, context.Canceled", n, err)
	}
}

func TestReadErrorBody(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		body      string
		limit     int64
		wantKept  int
		wantTotal int64
		wantOver  bool
	}{
		{"short", "no org id\n", 1 << 20, 10, 10, false},
		{"5 MB", strings.Repeat("x", 5_000_000), 32 << 20, maxErrorKept, 5_000_000, false},
		{"over the limit", strings.Repeat("x", 5_000_000), 1 << 20, maxErrorKept, 1 << 20, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			kept, total, over, err := ReadErrorBody(context.Background(), strings.NewReader(tc.body), tc.limit)
			if err != nil || len(kept) != tc.wantKept || total != tc.wantTotal || over != tc.wantOver {
				t.Errorf("got %d bytes kept, total %d, over %v, %v; want %d, %d, %v",
					len(kept), total, over, err, tc.wantKept, tc.wantTotal, tc.wantOver)
			}
		})
	}
}

func TestExcerpt(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", maxMessage) // 2 bytes per rune
	tests := []struct {
		name  string
		body  string
		total int64 // 0: len(body)
		over  bool
		want  string
	}{
		{"trailing newline", "no org id\n", 0, false, "no org id"},
		{"no newline", "end timestamp must not be before or equal to start time", 0, false, "end timestamp must not be before or equal to start time"},
		{"multi-line keeps lines", "line one  \r\nline two\t\n\n", 0, false, "line one\nline two"},
		{"invalid UTF-8", "bad \xff byte", 0, false, "bad \uFFFD byte"},
		{"long", strings.Repeat("x", 5000), 0, false, strings.Repeat("x", maxMessage) + "... (5000 bytes)"},
		{"only a prefix kept", "short start", 5_000_000, false, "short start... (5000000 bytes)"},
		{"over the limit", "abc", 32 << 20, true, "abc... (more than 32 MiB)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			total := tc.total
			if total == 0 {
				total = int64(len(tc.body))
			}
			if got := Excerpt([]byte(tc.body), total, tc.over); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	t.Run("long message is cut on a rune boundary", func(t *testing.T) {
		got := Excerpt([]byte(long), int64(len(long)), false)
		if !utf8.ValidString(got) || !strings.HasSuffix(got, "... (2048 bytes)") || len(got) > maxMessage+len("... (2048 bytes)") {
			t.Errorf("cut message %q is %d bytes, valid UTF-8 %v", got[len(got)-30:], len(got), utf8.ValidString(got))
		}
	})
}
