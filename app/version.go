package app

import "runtime"

// Version and Commit are set at build time:
//
//	-ldflags "-X github.com/canary-analyzer/canary-analyzer/app.Version=v1.4.2 -X github.com/canary-analyzer/canary-analyzer/app.Commit=abc123"
var (
	Version = "dev"
	Commit  = "unknown"
)

// VersionString describes the build in one line.
func VersionString() string {
	return "canary-analyzer " + Version + " (commit " + Commit + ", " + runtime.Version() + ")"
}
