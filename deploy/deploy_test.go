package deploy

import (
	"os"
	"path/filepath"
	"testing"
)

// TestRuleFile checks that the embedded rule files are the shipped ones.
func TestRuleFile(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("base", "rules", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no shipped rule files: %v", err)
	}
	for _, f := range files {
		name := filepath.Base(f)
		name = name[:len(name)-len(".yaml")]
		t.Run(name, func(t *testing.T) {
			file, got, err := RuleFile(name)
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) || file != filepath.ToSlash(filepath.Join("deploy", f)) {
				t.Errorf("%s: embedded copy differs or is named %s", f, file)
			}
		})
	}
	if _, _, err := RuleFile("no-such-rule-set"); err == nil {
		t.Error("no error for an unknown rule set")
	}
}

// TestAnalysisTemplate checks that the embedded templates are the shipped
// ones.
func TestAnalysisTemplate(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		file string
		got  []byte
	}{{AnalysisTemplateFile, AnalysisTemplate}, {ExperimentTemplateFile, ExperimentTemplate}} {
		t.Run(c.file, func(t *testing.T) {
			want, err := os.ReadFile(filepath.Join("..", filepath.FromSlash(c.file)))
			if err != nil {
				t.Fatal(err)
			}
			if string(c.got) != string(want) {
				t.Errorf("the embedded template differs from %s", c.file)
			}
		})
	}
}
