"""Instructions per step under valgrind's callgrind: per-op overhead figures that machine load
cannot blur (wall-clock ratios on a shared machine moved by 2x between runs of the same code).

    python -m benchmarks.instructions                    # this checkout: w1 w4 fwd nograd
    python -m benchmarks.instructions --tree ../base w1  # another checkout, same modes
    python -m benchmarks.instructions --tree ../base --tree . w1 w4   # several, one table

Each mode runs twice after the same setup, once with 0 steps and once with N; the difference
over N is one step's cost without the import. PYTHONHASHSEED is fixed and torch is kept out
(its thread pools spin, so counts would vary). Modes: w1 (W1's step), w4 (a chain of 100
`y * 1.0001 + 0.0` pairs with backward), fwd (one `x * 2 + 1` pair on a (16, 16) tensor that
requires grad), nograd (the same without grad). (W2 and W3 are left out: their BLAS calls gave
counts that varied by more than a step.)
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile

STEPS = {"w1": 200, "w4": 20, "fwd": 1000, "nograd": 1000}


def run_steps(mode: str, n: int) -> None:
    """Set up `mode`, then take `n` steps (what runs under callgrind)."""
    sys.modules["torch"] = None  # (torch's thread pools spin: counts would vary)
    import numpy as np

    from autograd import Tensor

    data = np.random.default_rng(0).standard_normal((16, 16)).astype(np.float32)
    if mode == "w1":
        x = Tensor(data, requires_grad=True)

        def step():
            x.grad = None
            (((x * 2 + 1).tanh() * x).exp().sum()).backward()
    elif mode == "w4":
        def step():
            y = Tensor(np.ones(1, np.float32), requires_grad=True)
            for _ in range(100):
                y = y * 1.0001 + 0.0
            y.sum().backward()
    else:
        x = Tensor(data, requires_grad=mode == "fwd")

        def step():
            return x * 2 + 1
    for _ in range(n):
        step()


def count(tree: str, mode: str, n: int) -> int:
    """Instructions callgrind counts for `mode` with `n` steps in checkout `tree`."""
    # (this script from this checkout, the library and its workloads from `tree`)
    env = dict(os.environ, PYTHONHASHSEED="0", PYTHONPATH=os.path.abspath(tree),
               OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "callgrind.out")
        subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable,
             os.path.abspath(__file__), "--step", mode, str(n)],
            env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        with open(out) as f:
            return int(re.search(r"^summary: (\d+)", f.read(), re.M).group(1))


def main() -> None:
    """Print instructions per step for each mode and checkout."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modes", nargs="*", default=["w1", "w4", "fwd", "nograd"])
    parser.add_argument("--tree", action="append", help="checkout to measure (default: .)")
    parser.add_argument("--step", nargs=2, metavar=("MODE", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:  # (inside callgrind)
        run_steps(args.step[0], int(args.step[1]))
        return
    trees = args.tree or ["."]
    print(f"{'mode':8}" + "".join(f"{t[-24:]:>26}" for t in trees))
    for mode in args.modes:
        n = STEPS[mode]
        per_step = [(count(t, mode, n) - count(t, mode, 0)) // n for t in trees]
        print(f"{mode:8}" + "".join(f"{c:>26,}" for c in per_step), flush=True)


if __name__ == "__main__":
    main()
