// Package chromium runs Debian's headless Chromium for tests: it loads a
// page and returns its DOM after rendering, the console messages it logged
// (script errors, Content-Security-Policy violations), or a screenshot.
package chromium

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"testing"
	"time"
)

// EnvBinary names a Chromium binary to use instead of the one on $PATH.
const EnvBinary = "CHROMIUM_BIN"

// ErrNotInstalled is returned (wrapped) when no Chromium is found.
var ErrNotInstalled = errors.New("chromium not installed: run scripts/install-deps.sh")

// Find returns the Chromium binary: $CHROMIUM_BIN, else chromium on $PATH
// or in /usr/bin.
func Find() (string, error) {
	if p := os.Getenv(EnvBinary); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%s=%s: %w", EnvBinary, p, ErrNotInstalled)
		}
		return p, nil
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p, nil
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium", nil
	}
	return "", ErrNotInstalled
}

// flags keep a headless run to the page: no sandbox (tests run as root in
// containers), no GPU, no QUIC, and nothing fetched on Chromium's own
// behalf (first-run pages, component updates, sync, background requests).
var flags = []string{
	"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
	"--disable-background-networking", "--disable-component-update", "--disable-sync",
	"--hide-scrollbars", "--enable-logging=stderr", "--v=0",
}

// Page is what Chromium made of one URL.
type Page struct {
	// DOM is the document after rendering (--dump-dom).
	DOM string
	// Console lists the messages the page logged to its console.
	Console []string
}

// console matches Chromium's log line of a console message.
var console = regexp.MustCompile(`:CONSOLE(?:\(\d+\))?:?\d*\] (.*)`)

// Load renders url and returns its DOM and console messages.
func Load(t testing.TB, url string) Page {
	t.Helper()
	stdout, stderr := run(t, "--dump-dom", url)
	return Page{DOM: stdout, Console: consoleLines(stderr)}
}

// Screenshot renders url in a window of width × height and writes a PNG
// to path; it returns the page's console messages.
func Screenshot(t testing.TB, url, path string, width, height int) []string {
	t.Helper()
	_, stderr := run(t, "--screenshot="+path, "--window-size="+strconv.Itoa(width)+","+strconv.Itoa(height), url)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("chromium wrote no screenshot: %v\n%s", err, stderr)
	}
	if !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatalf("%s is not a PNG", path)
	}
	return consoleLines(stderr)
}

func consoleLines(stderr string) []string {
	var out []string
	for _, m := range console.FindAllStringSubmatch(stderr, -1) {
		out = append(out, m[1])
	}
	return out
}

// run starts a fresh Chromium (its own profile in a temporary directory)
// with args and waits for it, at most a minute.
func run(t testing.TB, args ...string) (stdout, stderr string) {
	t.Helper()
	bin, err := Find()
	if err != nil {
		t.Fatalf("%v (the tests render pages in a real Chromium)", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	all := append(append(append([]string{}, flags...), "--user-data-dir="+t.TempDir()), args...)
	cmd := exec.CommandContext(ctx, bin, all...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, errb.String())
	}
	return out.String(), errb.String()
}
