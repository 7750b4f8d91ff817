#!/usr/bin/env bash
# Tools the tests use besides the engine: xmllint (Debian's libxml2-utils)
# validates the JUnit reports against the Jenkins xUnit schema in tests/.
# Idempotent: installs nothing that is already there.
set -euo pipefail

say() { printf 'install-tools: %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else say "need root to run: $*"; exit 1; fi
}

if ! command -v xmllint >/dev/null 2>&1; then
  command -v apt-get >/dev/null 2>&1 || { say "no apt-get: install xmllint (libxml2-utils) by hand"; exit 1; }
  say "apt-get install libxml2-utils"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libxml2-utils >/dev/null
fi
xmllint --version 2>&1 | head -1 >&2
