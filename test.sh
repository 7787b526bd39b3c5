#!/usr/bin/env bash
# The test suite: set everything up, lint, run the unit tests and the notebooks (tests/examples).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup.sh
# one BLAS thread per pytest worker: two workers on two cores with two BLAS threads each spin
# against each other (measured 9x slower on small matmuls)
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
ruff check .
python -m pytest -n 2 tests "$@"
