"""Time `viz.draw` (DOT text) and `explain` on large graphs; the target is < 2 s for 10,000 ops.

    PYTHONPATH=. python benchmarks/viz_bench.py [n_ops]
"""

from __future__ import annotations

import sys
import time

import autograd
from autograd import viz
from autograd.explain import explain


def chain(n_ops: int):
    """A scalar loss at the end of a chain of `n_ops` elementwise ops with a few leaves."""
    autograd.manual_seed(0)
    x = autograd.randn(8, requires_grad=True)
    w = autograd.randn(8, requires_grad=True)
    h = x
    for i in range(n_ops - 1):
        h = h * w if i % 3 == 0 else (h.tanh() if i % 3 == 1 else h + x)
    return h.sum()


def branchy(n_ops: int):
    """A loss whose graph reuses every intermediate twice (diamonds), about `n_ops` ops."""
    autograd.manual_seed(0)
    x = autograd.randn(4, 4, requires_grad=True)
    h = x
    for _ in range((n_ops - 1) // 3):
        a = h.sin()
        h = a * a + h
    return h.mean()


def timed(label: str, fn) -> float:
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    print(f"{label:<48s} {seconds:7.3f} s")
    return result


def main(n_ops: int = 10_000) -> None:
    for make in (chain, branchy):
        loss = make(n_ops)
        n = len(viz.backward_order([loss]))
        print(f"{make.__name__}: {n} steps (op nodes + leaves)")
        dot = timed("  draw(loss).source", lambda: viz.draw(loss).source)  # noqa: B023
        print(f"  {len(dot.splitlines())} DOT lines")
        timed("  draw(loss, show_values=True, show_saved=True)",
              lambda: viz.draw(loss, show_values=True, show_saved=True).source)  # noqa: B023
        timed("  draw(loss, show_grads=True) (runs a backward)",
              lambda: viz.draw(loss, show_grads=True).source)  # noqa: B023
        timed("  explain(loss) (runs a backward)", lambda: str(explain(loss)))  # noqa: B023
        with viz.record_grads(loss) as rec:
            timed("  loss.backward() inside record_grads", loss.backward)
        timed("  draw(loss, grads=rec).source", lambda: viz.draw(loss, grads=rec).source)  # noqa: B023


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
