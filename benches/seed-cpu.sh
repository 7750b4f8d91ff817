#!/usr/bin/env bash
# The seed plan's CPU verification (02-01-PLAN.md, Task 1, steps 1-5) as the
# plan writes it: one docker command after another, adapted to the demo image
# (busybox instead of Python, so no `python -c`). Exits non-zero at the first
# failed check. Used by benches/core.sh (see docs/benchmarks.md).
#
#   bash benches/seed-cpu.sh [IMAGE]     (default shakedown-demo/facecraft:cpu)
set -euo pipefail
IMAGE="${1:-shakedown-demo/facecraft:cpu}"

# 1. Air-gap test: the container starts without network access.
docker run --rm --network none "$IMAGE" \
  sh -c "echo 'Air-gap: container starts without internet'"

# 2. Non-root user test: must print appuser.
user=$(docker run --rm "$IMAGE" whoami)
echo "$user"
[ "$user" = appuser ]

# 3. CPU-only build: the plan checked torch.version.cuda; the demo image says
#    so in its environment instead.
docker inspect --format '{{json .Config.Env}}' "$IMAGE" | grep -q '"APP_DEVICE=cpu"'

# 4. OCI labels test: the four keys are present.
labels=$(docker inspect --format '{{json .Config.Labels}}' "$IMAGE")
echo "$labels"
for key in source version description licenses; do
  grep -q "\"org.opencontainers.image.$key\"" <<<"$labels"
done

# 5. Image size check (informational, not a gate).
docker images "$IMAGE" --format "{{.Size}}"
