package verify

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// runReleaseTag runs scripts/release-tag.sh with args in dir and returns its
// stdout, stderr and exit code.
func runReleaseTag(t *testing.T, dir string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command("bash", append([]string{filepath.Join(RepoRoot(), "scripts", "release-tag.sh")}, args...)...)
	cmd.Dir = dir
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		code = exit.ExitCode()
	default:
		t.Fatalf("running release-tag.sh: %v", err)
	}
	return out.String(), errOut.String(), code
}

func TestReleaseTag(t *testing.T) {
	t.Parallel()
	tests := []struct {
		tag  string
		want string // "" when the tag is malformed
	}{
		{"canary-analyzer@1.4.2", "v1.4.2"},
		{"canary-analyzer@0.1.0", "v0.1.0"},
		{"canary-analyzer@10.20.30", "v10.20.30"},
		{"canary-analyzer@2.0.0-rc.1", "v2.0.0-rc.1"},
		{"canary-analyzer@1.0.0-alpha-1.0.x7", "v1.0.0-alpha-1.0.x7"},
		{"refs/tags/canary-analyzer@1.4.2", "v1.4.2"},

		{"", ""},
		{"1.4.2", ""},
		{"v1.4.2", ""},
		{"frontend@1.4.2", ""},
		{"canary-analyzer@", ""},
		{"canary-analyzer@v1.4.2", ""},
		{"canary-analyzer@1.4", ""},
		{"canary-analyzer@1.4.2.5", ""},
		{"canary-analyzer@01.4.2", ""},
		{"canary-analyzer@1.04.2", ""},
		{"canary-analyzer@1.4.02", ""},
		{"canary-analyzer@1.4.2-", ""},
		{"canary-analyzer@1.4.2-01", ""},
		{"canary-analyzer@1.4.2-rc..1", ""},
		{"canary-analyzer@1.4.2+build.5", ""},
		{"canary-analyzer@1.4.2 ", ""},
		{"canary-analyzer@1.4.2\nv9.9.9", ""},
		{"canary-analyzer@1.4.2-" + strings.Repeat("a", 130), ""},
	}
	for _, tc := range tests {
		t.Run(tc.tag, func(t *testing.T) {
			t.Parallel()
			stdout, stderr, code := runReleaseTag(t, t.TempDir(), tc.tag)
			if tc.want != "" {
				if code != 0 || stdout != tc.want+"\n" {
					t.Errorf("exit %d, stdout %q, stderr %q; want exit 0 and %q", code, stdout, stderr, tc.want)
				}
				return
			}
			if code != 1 || stdout != "" || !strings.Contains(stderr, "release-tag: ") {
				t.Errorf("malformed tag: exit %d, stdout %q, stderr %q; want exit 1, nothing on stdout and a reason", code, stdout, stderr)
			}
		})
	}
}

func TestReleaseTagFromGit(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("git is needed to test reading the tag from HEAD")
	}
	dir := t.TempDir()
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
			"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("init", "-q")
	git("commit", "-q", "--allow-empty", "-m", "first")

	t.Run("untagged HEAD", func(t *testing.T) {
		stdout, _, code := runReleaseTag(t, dir)
		if code != 1 || stdout != "" {
			t.Errorf("exit %d, stdout %q; want exit 1 and nothing", code, stdout)
		}
	})
	git("tag", "frontend@9.9.9")
	t.Run("another project's tag", func(t *testing.T) {
		stdout, _, code := runReleaseTag(t, dir)
		if code != 1 || stdout != "" {
			t.Errorf("exit %d, stdout %q; want exit 1 and nothing", code, stdout)
		}
	})
	git("tag", "-a", "-m", "release", "canary-analyzer@3.2.1")
	t.Run("release tag on HEAD", func(t *testing.T) {
		stdout, stderr, code := runReleaseTag(t, dir)
		if code != 0 || stdout != "v3.2.1\n" {
			t.Errorf("exit %d, stdout %q, stderr %q; want v3.2.1", code, stdout, stderr)
		}
	})
	t.Run("two arguments", func(t *testing.T) {
		_, _, code := runReleaseTag(t, dir, "canary-analyzer@1.0.0", "canary-analyzer@2.0.0")
		if code != 1 {
			t.Errorf("exit %d, want 1", code)
		}
	})
}
