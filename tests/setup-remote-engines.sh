#!/usr/bin/env bash
# The remote engines the tests reach, the way users reach theirs (issue 10):
#
# - TLS: a second dockerd on tcp://127.0.0.1:2376 with --tlsverify, started
#   with tests/engines/extra-engine.sh (own data root, exec root, pid file
#   and bridge: it never touches the first engine's docker0), with a CA, a
#   server and a client certificate made here with the openssl CLI;
# - SSH: an sshd of its own (Debian's openssh-server) on 127.0.0.1:2222,
#   root login by key only, with its own config, host key and pid file (a
#   system sshd, if any, is left alone). Through it, ssh://root@127.0.0.1:2222
#   reaches the first engine's socket (`docker system dial-stdio` on the far
#   side, as the docker CLI and bollard both do).
#
# Everything lives in $SHAKEDOWN_REMOTE (default /var/lib/shakedown-remote),
# outside any checkout: the engines are one per machine (their ports are
# fixed), so every checkout on it shares them and their certificates.
#
#   $SHAKEDOWN_REMOTE/tls/client/{ca,cert,key}.pem   DOCKER_CERT_PATH for the TLS engine
#   $SHAKEDOWN_REMOTE/ssh/bin/ssh                     ssh with the tests' config: put
#                                                     this directory first on PATH
#   $SHAKEDOWN_REMOTE/ssh/ssh_config                  the key, known_hosts, BatchMode
#
# Idempotent: what exists and answers is kept; what is missing or dead is
# made or started again. Needs root (Debian). `stop` ends both daemons.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
state=${SHAKEDOWN_REMOTE:-/var/lib/shakedown-remote}
tls=$state/tls
ssh=$state/ssh
TLS_ENGINE=remote-tls
TLS_PORT=2376
SSH_PORT=2222

say() { printf 'setup-remote-engines: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }
alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

[ "$(id -u)" = 0 ] || die "needs root (it starts dockerd and sshd)"

install_missing() {
  local missing=()
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)
  command -v ssh >/dev/null 2>&1 || missing+=(openssh-client)
  [ -x /usr/sbin/sshd ] || missing+=(openssh-server)
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null 2>&1 || die "no apt-get: install ${missing[*]} by hand"
  say "apt-get install ${missing[*]}"
  # The package would start a system sshd on port 22: keep services from
  # starting during the install (as Docker's Debian images do), unless a
  # policy is already there.
  local policy=/usr/sbin/policy-rc.d placed=
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod +x "$policy"
    placed=1
  fi
  env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [ -n "$placed" ]; then rm -f "$policy"; fi
}

# A CA, a server certificate for 127.0.0.1 and localhost, a client
# certificate: what `dockerd --tlsverify` and DOCKER_CERT_PATH expect.
make_certificates() {
  if [ -s "$tls/client/key.pem" ] && [ -s "$tls/server/key.pem" ] && [ -s "$tls/ca/ca.pem" ]; then
    return 0
  fi
  say "making a CA, server and client certificates in $tls"
  rm -rf "$tls"
  mkdir -p "$tls/ca" "$tls/server" "$tls/client"
  chmod 700 "$tls"
  local days=3650
  openssl req -x509 -new -nodes -newkey rsa:2048 -days $days -subj "/CN=shakedown test CA" \
    -keyout "$tls/ca/ca-key.pem" -out "$tls/ca/ca.pem" 2>/dev/null
  openssl req -new -nodes -newkey rsa:2048 -subj "/CN=127.0.0.1" \
    -keyout "$tls/server/key.pem" -out "$tls/server/req.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$tls/server/ext.cnf"
  openssl x509 -req -days $days -in "$tls/server/req.csr" -CA "$tls/ca/ca.pem" -CAkey "$tls/ca/ca-key.pem" \
    -CAcreateserial -extfile "$tls/server/ext.cnf" -out "$tls/server/cert.pem" 2>/dev/null
  openssl req -new -nodes -newkey rsa:2048 -subj "/CN=shakedown test client" \
    -keyout "$tls/client/key.pem" -out "$tls/client/req.csr" 2>/dev/null
  printf 'extendedKeyUsage=clientAuth\n' >"$tls/client/ext.cnf"
  openssl x509 -req -days $days -in "$tls/client/req.csr" -CA "$tls/ca/ca.pem" -CAkey "$tls/ca/ca-key.pem" \
    -CAcreateserial -extfile "$tls/client/ext.cnf" -out "$tls/client/cert.pem" 2>/dev/null
  cp "$tls/ca/ca.pem" "$tls/client/ca.pem"
  cp "$tls/ca/ca.pem" "$tls/server/ca.pem"
  rm -f "$tls"/*/req.csr "$tls"/*/ext.cnf
}

tls_answers() {
  timeout 10 docker --tlsverify --tlscacert "$tls/client/ca.pem" --tlscert "$tls/client/cert.pem" \
    --tlskey "$tls/client/key.pem" -H "tcp://127.0.0.1:$TLS_PORT" version >/dev/null 2>&1
}

start_tls_engine() {
  if tls_answers; then
    say "the TLS engine answers on tcp://127.0.0.1:$TLS_PORT"
    return 0
  fi
  say "starting the TLS engine on tcp://127.0.0.1:$TLS_PORT"
  bash "$here/engines/extra-engine.sh" stop "$TLS_ENGINE"
  bash "$here/engines/extra-engine.sh" start "$TLS_ENGINE" \
    -H "tcp://127.0.0.1:$TLS_PORT" --tlsverify \
    --tlscacert "$tls/server/ca.pem" --tlscert "$tls/server/cert.pem" --tlskey "$tls/server/key.pem" \
    --label shakedown.engine=remote-tls >/dev/null
  tls_answers || die "the TLS engine does not answer with the client certificate"
  # No registry: the tests' base image comes from the first engine.
  if docker image inspect shakedown-demo/busybox:latest >/dev/null 2>&1; then
    docker save shakedown-demo/busybox:latest |
      docker --tlsverify --tlscacert "$tls/client/ca.pem" --tlscert "$tls/client/cert.pem" \
        --tlskey "$tls/client/key.pem" -H "tcp://127.0.0.1:$TLS_PORT" load >/dev/null
  fi
}

# sshd's host key and config, the client's key, known_hosts, config and a
# `ssh` that uses that config (bollard and the docker CLI both run `ssh`
# from PATH; neither takes a config file).
make_ssh_files() {
  mkdir -p "$ssh/bin"
  chmod 700 "$ssh"
  [ -s "$ssh/host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -C shakedown-test-host -f "$ssh/host_ed25519_key"
  [ -s "$ssh/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C shakedown-test-client -f "$ssh/id_ed25519"
  cp "$ssh/id_ed25519.pub" "$ssh/authorized_keys"
  chmod 600 "$ssh/authorized_keys"
  printf '[127.0.0.1]:%s %s\n' "$SSH_PORT" "$(cut -d' ' -f1,2 "$ssh/host_ed25519_key.pub")" >"$ssh/known_hosts"
  cat >"$ssh/sshd_config" <<EOF
# shakedown's test sshd (tests/setup-remote-engines.sh): root by key only.
Port $SSH_PORT
ListenAddress 127.0.0.1
HostKey $ssh/host_ed25519_key
PidFile $ssh/sshd.pid
AuthorizedKeysFile $ssh/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
X11Forwarding no
PrintMotd no
# bollard opens one ssh connection per HTTP connection, and every checkout
# on this machine shares this sshd: the default (10:30:100) drops
# handshakes beyond 10 at once.
MaxStartups 200:30:400
MaxSessions 200
EOF
  cat >"$ssh/ssh_config" <<EOF
# For ssh://root@127.0.0.1:$SSH_PORT (tests/setup-remote-engines.sh).
# bollard 0.21 hands ssh the host of an ssh:// URL with its port
# ("127.0.0.1:$SSH_PORT") as the host name: this entry maps it.
Host 127.0.0.1:$SSH_PORT
  HostName 127.0.0.1
  Port $SSH_PORT
Host *
  IdentityFile $ssh/id_ed25519
  IdentitiesOnly yes
  UserKnownHostsFile $ssh/known_hosts
  StrictHostKeyChecking yes
  BatchMode yes
  ConnectTimeout 10
EOF
  cat >"$ssh/bin/ssh" <<EOF
#!/bin/sh
exec /usr/bin/ssh -F $ssh/ssh_config "\$@"
EOF
  chmod +x "$ssh/bin/ssh"
}

ssh_answers() {
  timeout 20 "$ssh/bin/ssh" -p "$SSH_PORT" root@127.0.0.1 docker version --format '{{.Server.Version}}' >/dev/null 2>&1
}

start_sshd() {
  local pid
  pid=$(cat "$ssh/sshd.pid" 2>/dev/null || true)
  if alive "$pid" && [ "$(cat "$ssh/sshd_config.running" 2>/dev/null)" = "$(cat "$ssh/sshd_config")" ] && ssh_answers; then
    say "sshd answers on 127.0.0.1:$SSH_PORT"
    return 0
  fi
  if alive "$pid"; then kill "$pid"; sleep 0.5; fi
  mkdir -p /run/sshd
  say "starting sshd on 127.0.0.1:$SSH_PORT"
  /usr/sbin/sshd -f "$ssh/sshd_config" -E "$ssh/sshd.log"
  cp "$ssh/sshd_config" "$ssh/sshd_config.running"
  local i
  for ((i = 0; i < 50; i++)); do
    if ssh_answers; then return 0; fi
    sleep 0.2
  done
  tail -n 20 "$ssh/sshd.log" >&2 || true
  die "ssh://root@127.0.0.1:$SSH_PORT does not reach the engine"
}

stop_all() {
  local pid
  pid=$(cat "$ssh/sshd.pid" 2>/dev/null || true)
  if alive "$pid"; then
    # Its sessions first: bollard's ssh transport keeps a control master
    # open (ControlPersist), which ends when its session does.
    pkill -P "$pid" || true
    kill "$pid"
  fi
  bash "$here/engines/extra-engine.sh" stop "$TLS_ENGINE"
}

case "${1:-start}" in
  start)
    install_missing
    mkdir -p "$state"
    chmod 755 "$state"
    make_certificates
    start_tls_engine
    make_ssh_files
    start_sshd
    say "ready: tcp://127.0.0.1:$TLS_PORT (DOCKER_CERT_PATH=$tls/client), ssh://root@127.0.0.1:$SSH_PORT (PATH=$ssh/bin:\$PATH)"
    ;;
  stop) stop_all ;;
  *) die "usage: $0 [start|stop]" ;;
esac
