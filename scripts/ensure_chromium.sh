#!/bin/sh
# Ensure Debian's headless-capable Chromium is installed (used by tests/browser).
# Idempotent and quiet: does nothing when /usr/bin/chromium already exists.
# Exit 0 when chromium is installed afterwards, non-zero otherwise.
set -u

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    SUDO=sudo
    command -v sudo >/dev/null 2>&1 || { echo "ensure_chromium: need root (or sudo) to install chromium" >&2; exit 1; }
else
    SUDO=
fi

export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
if ! { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core; } >"$log" 2>&1; then
    echo "ensure_chromium: installing chromium failed:" >&2
    tail -n 20 "$log" >&2
    rm -f "$log"
    exit 1
fi
rm -f "$log"

if [ -x "$CHROMIUM" ]; then
    exit 0
fi
echo "ensure_chromium: $CHROMIUM still missing after install" >&2
exit 1
