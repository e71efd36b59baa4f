package verify

import (
	"debug/buildinfo"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// buildAnalyzer builds the analyzer with scripts/build.sh, the way the
// Dockerfile does, stamped with version and commit, and returns the binary
// and what the script printed.
func buildAnalyzer(t *testing.T, version, commit string) (string, string) {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "analyzer")
	cmd := exec.Command("sh", filepath.Join(RepoRoot(), "scripts", "build.sh"))
	cmd.Env = append(os.Environ(), "VERSION="+version, "COMMIT="+commit, "OUT="+bin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("scripts/build.sh: %v\n%s", err, out)
	}
	return bin, string(out)
}

func TestBuildScript(t *testing.T) {
	t.Parallel()
	const version, commit = "v1.4.2", "0123456789abcdef0123456789abcdef01234567"
	bin, printed := buildAnalyzer(t, version, commit)

	t.Run("version", func(t *testing.T) {
		out, err := exec.Command(bin, "version").CombinedOutput()
		if err != nil {
			t.Fatalf("analyzer version: %v\n%s", err, out)
		}
		for _, want := range []string{version, commit} {
			if !strings.Contains(string(out), want) {
				t.Errorf("analyzer version printed %q, want it to name %s", out, want)
			}
		}
		if !strings.Contains(printed, version) {
			t.Errorf("build.sh printed %q, want the built version", printed)
		}
	})

	t.Run("build settings", func(t *testing.T) {
		info, err := buildinfo.ReadFile(bin)
		if err != nil {
			t.Fatal(err)
		}
		settings := map[string]string{}
		for _, s := range info.Settings {
			settings[s.Key] = s.Value
		}
		if settings["CGO_ENABLED"] != "0" || settings["-trimpath"] != "true" {
			t.Errorf("CGO_ENABLED=%q -trimpath=%q, want 0 and true", settings["CGO_ENABLED"], settings["-trimpath"])
		}
		// With -trimpath Go does not record -ldflags (they may hold
		// paths); the version subtest shows that the -X flags took effect.
		if info.Path != "github.com/canary-analyzer/canary-analyzer/cmd/analyzer" {
			t.Errorf("built %s, want cmd/analyzer", info.Path)
		}
	})

	t.Run("static", func(t *testing.T) {
		f, err := elf.Open(bin)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				t.Errorf("the binary asks for a dynamic loader: it would not start on distroless static")
			}
		}
		if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
			t.Errorf("the binary links %v", libs)
		}
		if f.Section(".symtab") != nil {
			t.Errorf("the binary keeps its symbol table: build.sh links with -s -w")
		}
		data, err := os.ReadFile(bin)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), RepoRoot()+"/") {
			t.Errorf("the binary holds the build machine's path %s (-trimpath)", RepoRoot())
		}
	})
}

func TestBuildScriptRejectsUnsafeVersion(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"v1.4.2 -X main.x=y", "v1.4.2'", "$(id)"} {
		t.Run(v, func(t *testing.T) {
			cmd := exec.Command("sh", filepath.Join(RepoRoot(), "scripts", "build.sh"))
			cmd.Env = append(os.Environ(), "VERSION="+v, "COMMIT=abc", "OUT="+filepath.Join(t.TempDir(), "analyzer"))
			if out, err := cmd.CombinedOutput(); err == nil {
				t.Errorf("build.sh accepted VERSION %q:\n%s", v, out)
			}
		})
	}
}
