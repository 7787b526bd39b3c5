#!/usr/bin/env bash
# The main job: set everything up and train a model on bundled data (see README).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup.sh
python examples/xor_autograd.py "$@"
