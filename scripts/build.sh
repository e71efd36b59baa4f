#!/bin/sh
# Builds the analyzer binary exactly as the container image does: the
# Dockerfile's build stage runs this script, and so does .ci/run.
#
#   VERSION  version to stamp into the binary (default: dev); a release build
#            passes the image tag, e.g. VERSION=$(scripts/release-tag.sh)
#   COMMIT   commit to stamp (default: git rev-parse HEAD, or "unknown")
#   OUT      output path (default: bin/analyzer)
#   GOOS, GOARCH are passed through to go build (the image sets them per platform).
#
# The binary is static (CGO_ENABLED=0), holds no local paths (-trimpath) and
# no VCS stamp (-buildvcs=false: the image build has no .git; the commit comes
# from COMMIT instead). When it can run here, the script prints its version.
set -eu

cd "$(dirname "$0")/.."

VERSION=${VERSION:-dev}
if [ -z "${COMMIT:-}" ]; then
	COMMIT=$(git rev-parse HEAD 2>/dev/null || echo unknown)
fi
OUT=${OUT:-bin/analyzer}

# The values go into -ldflags unquoted: allow only what an image tag or a
# commit id can hold.
for value in "$VERSION" "$COMMIT"; do
	case $value in
	'' | *[!A-Za-z0-9._+-]*)
		echo "build.sh: version and commit may hold only A-Z a-z 0-9 . _ + -, got \"$value\"" >&2
		exit 2
		;;
	esac
done

pkg=github.com/canary-analyzer/canary-analyzer/app
CGO_ENABLED=0 go build \
	-trimpath \
	-buildvcs=false \
	-ldflags "-s -w -X $pkg.Version=$VERSION -X $pkg.Commit=$COMMIT" \
	-o "$OUT" \
	./cmd/analyzer

if [ "$(go env GOOS)/$(go env GOARCH)" = "$(go env GOHOSTOS)/$(go env GOHOSTARCH)" ]; then
	"$OUT" version
fi
