"""tapegrad/PyTorch step ratios in thread CPU time, for a loaded machine (W5, W7, W8).

`python -m benchmarks.run` times wall clock, which a busy neighbour inflates for whichever engine
shares the core with its burst. At 1 thread both engines run their kernels on the calling
thread, so `time.thread_time` (CPU time of this thread only) measures each step's own work.
Rounds interleave the engines (a 20 ms pause and one untimed step before each timed one); a
round's figure is the minimum of `--inner` steps, the result the median of the rounds' ratios.

    OPENBLAS_NUM_THREADS=1 python -m benchmarks.cpu_ratio W8 --rounds 7
"""

from __future__ import annotations

import argparse
import os
import time


def _timed(step) -> float:
    time.sleep(0.02)
    step()
    start = time.thread_time()
    step()
    return time.thread_time() - start


def ratios(name: str, rounds: int, inner: int) -> list[tuple[float, float]]:
    """Per round: (tapegrad ms, torch ms), each the minimum over `inner` steps."""
    from . import models

    pair = models.steps(name)
    if "torch" not in pair:
        raise SystemExit("cpu_ratio needs torch installed")
    out = []
    for _ in range(rounds):
        ours = min(_timed(pair["tapegrad"]) for _ in range(inner))
        theirs = min(_timed(pair["torch"]) for _ in range(inner))
        out.append((ours * 1e3, theirs * 1e3))
    return out


def main(argv=None) -> None:
    """Print the median tapegrad/PyTorch ratio of one workload at 1 thread."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workload", choices=["W5", "W7", "W8"])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--inner", type=int, default=3)
    args = parser.parse_args(argv)
    if os.environ.get("OPENBLAS_NUM_THREADS") != "1":
        raise SystemExit("run with OPENBLAS_NUM_THREADS=1 (thread CPU time misses BLAS threads)")
    import torch

    torch.set_num_threads(1)
    rows = sorted(ratios(args.workload, args.rounds, args.inner), key=lambda r: r[0] / r[1])
    ours, theirs = rows[len(rows) // 2]
    all_ratios = " ".join(f"{a / b:.2f}" for a, b in rows)
    print(f"{args.workload} 1 thread, thread CPU time: tapegrad/torch {ours / theirs:.2f} "
          f"(tapegrad {ours:.1f} ms, torch {theirs:.1f} ms; rounds {all_ratios})")


if __name__ == "__main__":
    main()
