#!/usr/bin/env bash
# The main command (README): install everything, start Kafka and PostgreSQL, apply migrations,
# run the four services with their logs on this terminal. Ctrl-C stops the services cleanly.
#   bash deploy/run.sh            services + the live demo county (when available)
#   bash deploy/run.sh --no-demo  services only (production-like)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
bash deploy/bootstrap.sh
# shellcheck disable=SC1091
source .infra/env
exec uv run --locked python -m deploy.supervisor "$@"
