#!/usr/bin/env bash
# Short GPU check of dannlib (<= 5 min on one CUDA GPU); works offline.
#
#   bash benchmarks/gpu_check.sh [--compile] [--image-size 96|64] [--epochs N]
#
# Runs benchmarks/gpu_check.py from the repository root: DANN with ResNet-18 at 96 px
# (bf16 autocast, channels_last) and with the small CNN, throughput and test accuracy.
# Writes gpu_results.json into $OUT if set, else into benchmarks/. Copy that file into
# benchmarks/ and rerun `python -m benchmarks.run --skip-accuracy --skip-speed --skip-suite`
# to put the GPU figures into results.md.
#
# Environment: PYTHON (interpreter to use), GPU_CHECK_TIMEOUT (seconds, default 300).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PY=""
for candidate in "${PYTHON:-}" .venv/bin/python python3 python; do
    if [ -n "$candidate" ] && "$candidate" -c "import importlib.util as u, sys
sys.exit(u.find_spec('torch') is None)" >/dev/null 2>&1; then
        PY="$candidate"
        break
    fi
done
if [ -z "$PY" ]; then
    echo "error: no Python with torch found (set PYTHON=/path/to/python)" >&2
    exit 2
fi

if ! "$PY" -c "import dannlib" >/dev/null 2>&1; then
    # Offline editable install without dependencies; fall back to PYTHONPATH.
    "$PY" -m pip install --quiet --disable-pip-version-check --no-index --no-deps \
        --no-build-isolation -e . >/dev/null 2>&1 || true
    export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
    if ! "$PY" -c "import dannlib" >/dev/null 2>&1; then
        echo "error: cannot import dannlib with $PY (are numpy, torchvision, scikit-learn there?)" >&2
        "$PY" -c "import dannlib" >&2 || true
        exit 2
    fi
fi

if command -v timeout >/dev/null 2>&1; then
    exec timeout "${GPU_CHECK_TIMEOUT:-300}" "$PY" benchmarks/gpu_check.py "$@"
fi
exec "$PY" benchmarks/gpu_check.py "$@"
