package promtest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
)

// ErrNotInstalled is returned (wrapped) when the prometheus or promtool
// binary cannot be found.
var ErrNotInstalled = errors.New("prometheus binaries not installed: run scripts/install-deps.sh")

// Environment variables that override where the binaries are looked up.
const (
	EnvPrometheus = "PROMTEST_PROMETHEUS"
	EnvPromtool   = "PROMTEST_PROMTOOL"
)

// Binaries holds the paths of the two programs promtest runs.
type Binaries struct {
	Prometheus string
	Promtool   string
}

// FindBinaries locates prometheus and promtool: first the paths named by
// PROMTEST_PROMETHEUS and PROMTEST_PROMTOOL, then $PATH, then /usr/bin (where
// Debian's package puts them). The error wraps ErrNotInstalled.
func FindBinaries() (Binaries, error) {
	prom, err := findBinary("prometheus", EnvPrometheus)
	if err != nil {
		return Binaries{}, err
	}
	tool, err := findBinary("promtool", EnvPromtool)
	if err != nil {
		return Binaries{}, err
	}
	return Binaries{Prometheus: prom, Promtool: tool}, nil
}

func findBinary(name, env string) (string, error) {
	if p := os.Getenv(env); p != "" {
		if isExecutable(p) {
			return p, nil
		}
		return "", fmt.Errorf("%s=%s is not an executable file: %w", env, p, ErrNotInstalled)
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	if p := "/usr/bin/" + name; isExecutable(p) {
		return p, nil
	}
	return "", fmt.Errorf("%s not found in $PATH or /usr/bin: %w", name, ErrNotInstalled)
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}
