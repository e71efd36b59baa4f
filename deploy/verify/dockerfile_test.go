package verify

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// dockerfile is the repository's Dockerfile as BuildKit's own parser reads it.
type dockerfile struct {
	stages   []instructions.Stage
	metaArgs map[string]string
}

func parseDockerfile(t *testing.T) dockerfile {
	t.Helper()
	f, err := os.Open(filepath.Join(RepoRoot(), "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ast, err := parser.Parse(f)
	if err != nil {
		t.Fatalf("BuildKit cannot parse the Dockerfile: %v", err)
	}
	stages, metaArgs, err := instructions.Parse(ast.AST)
	if err != nil {
		t.Fatalf("BuildKit rejects an instruction: %v", err)
	}
	d := dockerfile{stages: stages, metaArgs: map[string]string{}}
	for _, a := range metaArgs {
		for _, kv := range a.Args {
			if kv.Value != nil {
				d.metaArgs[kv.Key] = *kv.Value
			}
		}
	}
	return d
}

// goDirective returns the go version the service's go.mod requires.
func goDirective(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(RepoRoot(), "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(data)
	if m == nil {
		t.Fatal("go.mod has no go directive")
	}
	return string(m[1])
}

// cmdLine is a RUN's command as one string.
func cmdLine(c *instructions.RunCommand) string { return strings.Join(c.CmdLine, " ") }

func TestDockerfile(t *testing.T) {
	t.Parallel()
	d := parseDockerfile(t)
	if len(d.stages) != 2 {
		t.Fatalf("%d stages, want build and runtime", len(d.stages))
	}
	build, runtime := d.stages[0], d.stages[1]

	t.Run("build stage", func(t *testing.T) {
		if build.Name != "build" || build.BaseName != "golang:${GO_VERSION}" {
			t.Errorf("build stage %q FROM %q, want build FROM golang:${GO_VERSION}", build.Name, build.BaseName)
		}
		if want := goDirective(t); d.metaArgs["GO_VERSION"] != want {
			t.Errorf("GO_VERSION %q, want go.mod's %q", d.metaArgs["GO_VERSION"], want)
		}
		// Modules are downloaded before the source is copied, and the
		// binary is built by scripts/build.sh after it.
		order := map[string]int{}
		for i, c := range build.Commands {
			switch c := c.(type) {
			case *instructions.CopyCommand:
				switch {
				case slices.Equal(c.SourcePaths, []string{"go.mod", "go.sum"}):
					order["copy modules"] = i
				case slices.Equal(c.SourcePaths, []string{"."}):
					order["copy source"] = i
				}
			case *instructions.RunCommand:
				switch line := cmdLine(c); {
				case strings.Contains(line, "go mod download"):
					order["download"] = i
				case strings.Contains(line, "scripts/build.sh"):
					order["build"] = i
					for _, v := range []string{`VERSION="$VERSION"`, `COMMIT="$COMMIT"`, `GOOS="$TARGETOS"`, `GOARCH="$TARGETARCH"`, "OUT=/out/analyzer"} {
						if !strings.Contains(line, v) {
							t.Errorf("the build RUN does not pass %s to scripts/build.sh: %s", v, line)
						}
					}
				}
			}
		}
		steps := []string{"copy modules", "download", "copy source", "build"}
		for i, s := range steps {
			if _, ok := order[s]; !ok {
				t.Fatalf("the build stage has no %q step", s)
			}
			if i > 0 && order[steps[i-1]] >= order[s] {
				t.Errorf("%q comes before %q", s, steps[i-1])
			}
		}
	})

	t.Run("runtime stage", func(t *testing.T) {
		if !strings.HasPrefix(runtime.BaseName, "gcr.io/distroless/static-") {
			t.Errorf("runtime FROM %q, want distroless static", runtime.BaseName)
		}
		var user, entrypoint, binary string
		var cmd []string
		copies := map[string]string{} // source -> destination
		for _, c := range runtime.Commands {
			switch c := c.(type) {
			case *instructions.UserCommand:
				user = c.User
			case *instructions.EntrypointCommand:
				if c.PrependShell || len(c.CmdLine) != 1 {
					t.Errorf("ENTRYPOINT %v: want the exec form naming only the binary", c.CmdLine)
				} else {
					entrypoint = c.CmdLine[0]
				}
			case *instructions.CmdCommand:
				cmd = c.CmdLine
			case *instructions.CopyCommand:
				for _, src := range c.SourcePaths {
					copies[src] = c.DestPath
				}
				if c.From == "build" && len(c.SourcePaths) == 1 && c.SourcePaths[0] == "/out/analyzer" {
					binary = c.DestPath
				}
			}
		}
		if binary == "" || binary != entrypoint {
			t.Errorf("ENTRYPOINT %q, want the binary copied from the build stage (%q)", entrypoint, binary)
		}
		if !slices.Equal(cmd, []string{"serve"}) {
			t.Errorf("CMD %v, want [serve]", cmd)
		}
		if got := strings.TrimSuffix(copies["deploy/base/rules/"], "/"); got != rulesDir {
			t.Errorf("the shipped rules go to %q, want %q", got, rulesDir)
		}

		// USER is numeric, not root, and the one the Deployment runs as.
		uid, gid, _ := strings.Cut(user, ":")
		u, errU := strconv.ParseInt(uid, 10, 64)
		g, errG := strconv.ParseInt(gid, 10, 64)
		if errU != nil || errG != nil || u == 0 || g == 0 {
			t.Fatalf("USER %q: want numeric non-root uid:gid", user)
		}
		sc := renderOverlay(t, "live").deployment.Spec.Template.Spec.SecurityContext
		if sc.RunAsUser == nil || *sc.RunAsUser != u || sc.RunAsGroup == nil || *sc.RunAsGroup != g {
			t.Errorf("the Deployment runs as %v:%v, the image as %s", sc.RunAsUser, sc.RunAsGroup, user)
		}
	})
}

// TestDockerBuildContext checks, with Docker's own .dockerignore matcher,
// that every file the image build reads is in the build context: the
// module files, every Go and embedded file of the packages the binary is
// built from, the build script and the rule files.
func TestDockerBuildContext(t *testing.T) {
	t.Parallel()
	root := RepoRoot()
	f, err := os.Open(filepath.Join(root, ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	patterns, err := ignorefile.ReadAll(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		t.Fatalf(".dockerignore: %v", err)
	}

	needed := []string{"go.mod", "go.sum", "scripts/build.sh"}
	rules, _ := filepath.Glob(filepath.Join(root, "deploy", "base", "rules", "*.yaml"))
	if len(rules) == 0 {
		t.Fatal("no rule files in deploy/base/rules")
	}
	for _, r := range rules {
		rel, _ := filepath.Rel(root, r)
		needed = append(needed, rel)
	}
	for _, file := range packageFiles(t, root, "./cmd/analyzer") {
		rel, _ := filepath.Rel(root, file)
		needed = append(needed, rel)
	}
	for _, rel := range needed {
		excluded, err := pm.MatchesOrParentMatches(filepath.ToSlash(rel))
		if err != nil {
			t.Fatal(err)
		}
		if excluded {
			t.Errorf("%s is needed by the image build but .dockerignore excludes it", rel)
		}
	}
	// And what must stay out does.
	for _, rel := range []string{".git/HEAD", "canary-analyzer", "deploy/verify/go.mod", "bin/analyzer"} {
		if excluded, _ := pm.MatchesOrParentMatches(rel); !excluded {
			t.Errorf("%s is sent to the Docker daemon with every build", rel)
		}
	}
}

// packageFiles lists the Go and embedded files of the service's own
// packages that pkg is built from (go list -deps).
func packageFiles(t *testing.T, root, pkg string) []string {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-json=Dir,GoFiles,EmbedFiles,Module,Error", pkg)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %s: %v\n%s", pkg, err, stderr.String())
	}
	var files []string
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p struct {
			Dir        string
			GoFiles    []string
			EmbedFiles []string
			Module     *struct{ Path string }
			Error      *struct{ Err string }
		}
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if p.Error != nil {
			t.Fatalf("go list: %s", p.Error.Err)
		}
		if p.Module == nil || p.Module.Path != "github.com/canary-analyzer/canary-analyzer" {
			continue
		}
		for _, f := range append(p.GoFiles, p.EmbedFiles...) {
			files = append(files, filepath.Join(p.Dir, f))
		}
	}
	if len(files) == 0 {
		t.Fatalf("go list found no files for %s", pkg)
	}
	return files
}
