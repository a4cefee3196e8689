#!/usr/bin/env bash
# Installs what the project needs on a fresh machine: uv (from PyPI), the locked Python
# environment, then the real Kafka broker and PostgreSQL (deploy/infra.sh). Idempotent.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
export UV_PYTHON_DOWNLOADS=never
if ! command -v uv >/dev/null 2>&1; then
  python3 -m pip install --quiet uv
fi
uv sync --locked --python python3.11
bash deploy/infra.sh up
