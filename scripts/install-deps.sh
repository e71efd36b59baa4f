#!/usr/bin/env bash
# install-deps.sh installs what the test suite needs on a fresh Debian machine.
#
# It is idempotent: it only installs a package when one of its binaries is
# missing, and says what it does either way. The suite needs Debian's
# prometheus package (/usr/bin/prometheus and /usr/bin/promtool), which the
# tests use to run a real Prometheus on backfilled data (internal/promtest),
# and Debian's chromium package (/usr/bin/chromium), in which the tests
# render the report pages headless (internal/chromium).
set -euo pipefail

log() { printf 'install-deps: %s\n' "$*"; }

# as_root runs a command as root: directly when we are root, through sudo
# when it exists, and fails with a clear message otherwise.
as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		log "need root to run '$*' and sudo is not installed" >&2
		return 1
	fi
}

apt_updated=0
apt_install() {
	if [ "$apt_updated" -eq 0 ]; then
		log "running apt-get update"
		as_root apt-get update
		apt_updated=1
	fi
	log "running apt-get install -y --no-install-recommends $*"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"
}

if [ -x /usr/bin/prometheus ] && [ -x /usr/bin/promtool ]; then
	log "prometheus already installed: $(/usr/bin/prometheus --version 2>&1 | head -n 1)"
else
	log "prometheus or promtool missing in /usr/bin: installing the prometheus package"
	apt_install prometheus
	log "installed: $(/usr/bin/prometheus --version 2>&1 | head -n 1)"
fi

if [ -x /usr/bin/chromium ]; then
	log "chromium already installed: $(/usr/bin/chromium --version 2>/dev/null | head -n 1)"
else
	log "chromium missing in /usr/bin: installing the chromium package"
	apt_install chromium
	log "installed: $(/usr/bin/chromium --version 2>/dev/null | head -n 1)"
fi

log "done"
