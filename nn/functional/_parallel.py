"""Split a long elementwise kernel over numpy's BLAS thread count.

numpy runs each ufunc on one thread, while its matrix products (and PyTorch's elementwise ops)
use every thread set with `autograd.set_num_threads`. A kernel that makes many ufunc calls on
parts of an array (the GELU's erf rational: ~27 passes per cache-sized block) runs its parts on
that many threads here: ufuncs release the GIL, so the parts overlap. With one BLAS thread (the
default) `run_split` is a plain call.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

__all__ = ["num_threads", "run_split"]

# Below this many elements a part is not worth a hand-off to the pool (~15 us measured, and the
# other core may be busy)
MIN_PART = 1 << 17

_BLAS: list = []  # the controllers of the loaded BLAS libraries, then None: found once
_POOL: dict = {}  # {"pool": ThreadPoolExecutor, "pid": the process that made it, "n": workers}


def num_threads() -> int:
    """The number of threads BLAS uses now, the largest over the BLAS libraries loaded when first
    asked (as `autograd.get_num_threads`); 1 without threadpoolctl."""
    if not _BLAS:
        try:
            from threadpoolctl import ThreadpoolController

            _BLAS.extend(c for c in ThreadpoolController().lib_controllers if c.user_api == "blas")
        except Exception:  # (no threadpoolctl, or a BLAS it cannot inspect)
            pass
        _BLAS.append(None)  # (marks the search as done)
    # (direct calls into the BLAS libraries: ~0.4 us each, and they follow threadpool_limits)
    return max([1, *(int(c.get_num_threads()) for c in _BLAS if c is not None)])


def _pool(workers: int) -> ThreadPoolExecutor:
    # a pool made before a fork has no threads in the child: make a new one there
    if _POOL.get("pid") != os.getpid() or _POOL.get("n", 0) < workers:
        if _POOL.get("pid") == os.getpid():
            _POOL["pool"].shutdown(wait=False)  # (more threads now: its idle ones may go)
        _POOL.update(pool=ThreadPoolExecutor(workers, thread_name_prefix="tapegrad"),
                     pid=os.getpid(), n=workers)
    return _POOL["pool"]


def run_split(kernel: Callable[[int, int], None], n: int, align: int = 1,
              unit: int = 1) -> None:
    """Call ``kernel(lo, hi)`` over contiguous parts covering range(n) (part bounds multiples of
    `align`): one part per BLAS thread, the calling thread taking the first, each part at least
    MIN_PART elements (`unit` elements per index); parts must write disjoint outputs."""
    parts = min(num_threads(), max(1, n * unit // MIN_PART))
    if parts <= 1:
        kernel(0, n)
        return
    step = -(-n // parts)
    step = -(-step // align) * align
    bounds = [(lo, min(lo + step, n)) for lo in range(0, n, step)]
    futures = [_pool(len(bounds) - 1).submit(kernel, lo, hi) for lo, hi in bounds[1:]]
    try:
        kernel(*bounds[0])
    finally:
        for f in futures:
            f.result()
