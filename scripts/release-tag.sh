#!/usr/bin/env bash
# Prints the image tag of a release, following the frontend's convention:
# the Git tag canary-analyzer@1.4.2 is released as image tag v1.4.2.
#
#   scripts/release-tag.sh canary-analyzer@1.4.2      -> v1.4.2
#   scripts/release-tag.sh refs/tags/canary-analyzer@2.0.0-rc.1 -> v2.0.0-rc.1
#   scripts/release-tag.sh                            (the release tag on HEAD)
#
# The version must be Semantic Versioning 2.0.0 without build metadata ("+"
# cannot appear in an image tag): MAJOR.MINOR.PATCH with no leading zeros and
# an optional -pre.release part. Anything else exits 1 with the reason on
# stderr and prints nothing on stdout, so a release job stops there.
set -euo pipefail

readonly prefix='canary-analyzer@'

fail() {
	echo "release-tag: $*" >&2
	exit 1
}

if (($# > 1)); then
	fail "usage: release-tag.sh [canary-analyzer@MAJOR.MINOR.PATCH[-PRERELEASE]]"
fi

if (($# == 1)); then
	tag=$1
else
	if ! tag=$(git describe --tags --exact-match --match "${prefix}*" HEAD 2>/dev/null); then
		fail "HEAD carries no ${prefix}* tag; pass the tag as an argument"
	fi
fi
tag=${tag#refs/tags/}

if [[ $tag != "$prefix"* ]]; then
	fail "tag \"$tag\" does not start with \"$prefix\""
fi
version=${tag#"$prefix"}

num='(0|[1-9][0-9]*)'
ident='(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)'
semver="^${num}\.${num}\.${num}(-${ident}(\.${ident})*)?\$"

if [[ $version == *+* ]]; then
	fail "tag \"$tag\": build metadata (+...) cannot be part of an image tag"
fi
if ! [[ $version =~ $semver ]]; then
	fail "tag \"$tag\": \"$version\" is not MAJOR.MINOR.PATCH[-PRERELEASE] (semver, no leading zeros)"
fi

image_tag="v$version"
# An image tag is at most 128 characters.
if ((${#image_tag} > 128)); then
	fail "tag \"$tag\": image tag would be longer than 128 characters"
fi
printf '%s\n' "$image_tag"
