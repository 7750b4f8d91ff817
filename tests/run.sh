#!/usr/bin/env bash
# The README's test command: start what the tests need (tests/setup.sh),
# run `cargo test` with any arguments given, then stop, by their pids, the
# daemons the set-up started for the tests (the TLS engine, sshd, the
# registry). The Docker Engine itself stays: the demo uses it too.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

stop_test_daemons() {
  bash "$here/setup-remote-engines.sh" stop || true
  bash "$here/remote/registry.sh" stop || true
}

bash "$here/setup.sh"
trap stop_test_daemons EXIT
cd "$here/.."
cargo test "$@"
