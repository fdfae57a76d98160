#!/usr/bin/env bash
# System packages the tests use as real parts (Debian/Ubuntu): redis-server for the gateway's shared
# rate limits across two instances; bubblewrap and strace for `parapet sandbox`; chromium for the red-team
# report's browser test (driven by playwright-core, never `playwright install`). Installs only what is missing; needs root or sudo for apt-get.
set -euo pipefail
need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap)
command -v strace >/dev/null 2>&1 || need+=(strace)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: missing ${need[*]}, and apt-get is not available: install them with your package manager" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "system-deps: installing ${need[*]}" >&2
$sudo apt-get install -y -q "${need[@]}" >/dev/null 2>&1 || { $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q "${need[@]}" >/dev/null; }
