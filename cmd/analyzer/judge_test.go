package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

// TestJudgeServerJSONKeepsNulls asks a server that answers with the demo's
// recorded regressed judgement and prints it as JSON: the answer comes out
// byte for byte, its nulls (undefined numbers) still null, not 0.
func TestJudgeServerJSONKeepsNulls(t *testing.T) {
	golden, err := os.ReadFile(filepath.Join("..", "..", "testdata", "golden", "judge-regressed.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(golden, []byte(": null")) {
		t.Fatal("the golden answer has no null to keep")
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(golden)
	}))
	defer srv.Close()

	stdout := os.Stdout
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	os.Stdout = w
	printed := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(r)
		printed <- b
	}()
	code := run([]string{"judge", "--server", srv.URL, "--output", "json", "--namespace", "shop",
		"--canary-hash", "5f6b7c8d9e", "--stable-hash", "7c9d5b6f4d", "--rule-set", "http-service"})
	os.Stdout = stdout
	_ = w.Close()
	out := <-printed
	if code != exitFailed {
		t.Errorf("exit %d, want %d (Failed)", code, exitFailed)
	}
	if !bytes.Equal(bytes.TrimSpace(out), bytes.TrimSpace(golden)) {
		t.Errorf("printed answer differs from the server's:\n%s", out)
	}
}
