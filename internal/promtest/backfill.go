package promtest

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
)

// backfill turns the OpenMetrics file dataFile into TSDB blocks in dbDir
// with promtool. Each block spans up to 24 h (the hidden
// --max-block-duration flag), so promtool reads the file once per day of
// data rather than once per 2 h. The error includes promtool's output.
func backfill(ctx context.Context, promtool, dataFile, dbDir string) error {
	cmd := exec.CommandContext(ctx, promtool, "tsdb", "create-blocks-from", "openmetrics",
		"--max-block-duration=24h", dataFile, dbDir)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("promtool backfill of %s: %w: %s", dataFile, err, strings.TrimSpace(tail(out.String(), 4096)))
	}
	return nil
}

// tail returns at most the last n bytes of s.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}
