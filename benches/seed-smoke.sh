#!/usr/bin/env bash
# The smoke test of scripts/demo-smoke.rhai done the user's way (their
# item 27): docker run -d -p, a curl polling loop, docker exec, docker cp,
# curl POSTs, and a trap that removes the container. Same steps, same
# image, same polling interval (0.5 s) as the shakedown script.
#
#   bash benches/seed-smoke.sh [IMAGE]      (default shakedown-demo/facecraft:cpu)
set -euo pipefail

IMAGE=${1:-shakedown-demo/facecraft:cpu}
tmp=$(mktemp -d)
cid=$(docker run -d -p 127.0.0.1::8000 "$IMAGE")
trap 'docker rm -f "$cid" >/dev/null 2>&1; rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

port=$(docker port "$cid" 8000/tcp | head -n 1 | sed 's/.*://')
base="http://127.0.0.1:$port"

# Wait for /health: every 0.5 s, up to 300 s; on timeout, the last 50 lines of the log.
healthy=0
for _ in $(seq 1 600); do
  if curl -sf "$base/health" -o "$tmp/health"; then healthy=1; break; fi
  sleep 0.5
done
if [ "$healthy" = 0 ]; then docker logs --tail 50 "$cid" >&2; fail "/health never answered 200"; fi
grep -q '"status":"healthy"' "$tmp/health" || fail "/health body: $(cat "$tmp/health")"

# /ready: not ready until the marker exists, then ready; the body counts.
curl -sf "$base/cgi-bin/ready" | grep -q '"ready": false' || fail "/ready before the marker"
docker exec "$cid" touch /tmp/ready || fail "exec touch"
curl -sf "$base/cgi-bin/ready" | grep -q '"ready": true' || fail "/ready after the marker"

# Make a file inside, copy it out.
docker exec "$cid" sh -c "printf 'P3 1 1 255 200 150 120\n' > /tmp/face.ppm" || fail "exec printf"
docker cp -q "$cid:/tmp/face.ppm" "$tmp/face.ppm" 2>/dev/null || docker cp "$cid:/tmp/face.ppm" "$tmp/face.ppm" >/dev/null
[ "$(cat "$tmp/face.ppm")" = "P3 1 1 255 200 150 120" ] || fail "copied file differs"

# POST it: 200 and a PNG.
code=$(curl -s -o "$tmp/out.png" -w '%{http_code}' -F "file=@$tmp/face.ppm;type=image/x-portable-pixmap" "$base/cgi-bin/process")
[ "$code" = 200 ] || fail "process answered $code"
[ "$(head -c 8 "$tmp/out.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "not a PNG"

# An empty upload: 400 with a JSON error.
: >"$tmp/empty.png"
code=$(curl -s -o "$tmp/err.json" -w '%{http_code}' -F "file=@$tmp/empty.png" "$base/cgi-bin/process")
[ "$code" = 400 ] || fail "empty upload answered $code"
grep -q 'empty upload' "$tmp/err.json" || fail "empty upload body: $(cat "$tmp/err.json")"
echo "smoke test passed"
