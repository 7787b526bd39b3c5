#!/usr/bin/env bash
# The test suite: set everything up, lint, run the unit tests.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup.sh
ruff check .
python -m pytest -n 2 tests "$@"
