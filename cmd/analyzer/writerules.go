package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/canary-analyzer/canary-analyzer/replay"
	"github.com/canary-analyzer/canary-analyzer/rules"
)

// writeMeasuredRules writes the first (current) rule file with the
// podSpreads the replay measured for it applied (replay.WriteSpreads) to
// a.writeRules, saying on progress what it did with each metric.
func (a *replayArgs) writeMeasuredRules(rep *replay.Report, progress io.Writer) error {
	content, err := os.ReadFile(a.ruleFiles[0])
	if err != nil {
		return fmt.Errorf("reading rule file: %w", err)
	}
	var spreads []replay.SpreadEstimate
	if len(rep.Summaries) > 0 {
		spreads = rep.Summaries[0].Spreads
	}
	out, writes, err := replay.WriteSpreads(content, spreads, replay.WriteOptions{Date: time.Now()})
	if err != nil {
		return fmt.Errorf("--write-rules: %s: %w", a.ruleFiles[0], err)
	}
	n := 0
	for _, w := range writes {
		prefix := "write-rules: "
		if w.Warning {
			prefix = "warning: " + prefix
		}
		if w.New != "" {
			n++
		}
		fmt.Fprintln(progress, prefix+w.String())
	}
	if err := writeRuleFile(a.writeRules, out, a.o.Environment); err != nil {
		return fmt.Errorf("--write-rules: %w", err)
	}
	fmt.Fprintf(progress, "write-rules: wrote %s, a copy of %s with %d podSpreads measured\n", a.writeRules, a.ruleFiles[0], n)
	return nil
}

// writeRuleFile writes content to path through path.tmp, which must load
// as a rule file first (a .tmp file is not one the service's rules
// directory reads), then renames it.
func writeRuleFile(path string, content []byte, env string) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, content, 0o644); err != nil {
		return err
	}
	if _, err := rules.LoadFile(tmp, env); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("the rule set written does not load: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// samePath says whether a and b name one file: the same cleaned absolute
// path, or (when both exist) the same file through a link.
func samePath(a, b string) bool {
	pa, errA := filepath.Abs(a)
	pb, errB := filepath.Abs(b)
	if errA == nil && errB == nil && pa == pb {
		return true
	}
	ia, errA := os.Stat(a)
	ib, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(ia, ib)
}
