#!/usr/bin/env bash
# The main job: set everything up, then train DeepConvNet on the bundled MNIST sample and write
# out/graph.svg, out/loss.png, out/summary.txt, out/model.safetensors (options: see examples/demo.py --help).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup.sh
python examples/demo.py "$@"
