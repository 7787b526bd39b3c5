#!/usr/bin/env bash
# The benchmark suite: tapegrad vs a hand-written numpy floor vs PyTorch (if importable), 1 and 2 threads.
# PyTorch is never a dependency; to compare with it: .venv/bin/pip install torch==2.13.0 (a local CPU build)
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup.sh
python -m benchmarks.run "$@"
