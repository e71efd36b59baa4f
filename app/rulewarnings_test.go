package app

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/canary-analyzer/canary-analyzer/providers"
)

// TestRuleWarningsLogged checks that the service logs the warnings of the
// rule files it loads (a counter function over a range no longer than the
// step), with their file:line.
func TestRuleWarningsLogged(t *testing.T) {
	b, err := os.ReadFile("../rules/testdata/counter-windows.good.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "counter-windows.yaml"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	core, logs := observer.New(zapcore.WarnLevel)
	ctx, cancel := context.WithCancel(context.Background())
	listening := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{ListenAddress: "127.0.0.1:0", RulesDir: dir, Logger: zap.New(core), Listening: listening, QueryTimeout: 8 * time.Second,
			Prometheus: providers.ClientOptions{URL: "http://127.0.0.1:1"}})
	}()
	select {
	case <-listening:
	case err := <-done:
		t.Fatalf("Run: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	warned := logs.FilterMessage("rule file warning").All()
	if len(warned) != 3 {
		t.Fatalf("%d rule file warnings logged, want 3: %v", len(warned), logs.All())
	}
	if w := warned[0].ContextMap()["warning"].(string); !strings.HasPrefix(w, filepath.Join(dir, "counter-windows.yaml")+":10:21: warning: metric \"restarts\"") {
		t.Errorf("first warning %q", w)
	}
}
