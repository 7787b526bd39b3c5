"""Split a long kernel over numpy's BLAS thread count.

numpy runs each ufunc on one thread, while its matrix products (and PyTorch's elementwise ops)
use every thread set with `autograd.set_num_threads`. A kernel that makes many ufunc calls on
parts of an array (the GELU's erf rational: ~27 passes per cache-sized block), or GEMMs and
copies on parts of a batch (a narrow convolution's chunks), runs its parts on that many threads
here: ufuncs and GEMMs release the GIL, so the parts overlap. With one BLAS thread (the default)
`run_split` is a plain call.

While the parts run, BLAS is held to one thread per call: numpy's OpenBLAS runs multi-threaded
GEMMs from two callers one after the other (two threads making (3136x144)x(144x16) GEMMs: 158
us a GEMM at two BLAS threads, 81 us at one). Two costs of this machine (a 2-vCPU VM) bound
what a split gains: waking an idle worker takes 25 us, and ~150 us once its core has gone idle;
and after each multi-threaded GEMM OpenBLAS's idle worker spins on the other core for ~0.1 s,
which the parts then share (a convolution's halves: 1.6 ms alone, 3.0 ms after one 2-thread
GEMM). So only long kernels are split.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

__all__ = ["num_threads", "run_split"]

# Below this many elements a part is not worth a hand-off to the pool (~15 us measured, and the
# other core may be busy)
MIN_PART = 1 << 17

T = TypeVar("T")
_BLAS: list = []  # the controllers of the loaded BLAS libraries, then None: found once
_POOL: dict = {}  # {"workers": [ThreadPoolExecutor(1), ...], "pid": the process that made them}
_MAIN = threading.main_thread()

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


def _lanes(count: int) -> list[ThreadPoolExecutor]:
    """`count` single-thread executors, the same ones each call: part k + 1 of a split always
    runs on worker k, so its thread-local scratch (`windows.scratch`) is its own until the
    caller has read it."""
    # a pool made before a fork has no threads in the child: make new ones there
    if _POOL.get("pid") != os.getpid():
        _POOL.update(workers=[], pid=os.getpid())
    workers = _POOL["workers"]
    while len(workers) < count:
        workers.append(ThreadPoolExecutor(1, thread_name_prefix=f"tapegrad-{len(workers) + 1}"))
    return workers[:count]


def run_split(kernel: Callable[[int, int], T], n: int, align: int = 1, unit: int = 1) -> list[T]:
    """Call ``kernel(lo, hi)`` over contiguous parts covering range(n) (part bounds multiples of
    `align`): one part per BLAS thread, the calling thread taking the first, each part at least
    MIN_PART elements (`unit` elements per index); parts must write disjoint outputs. Returns
    the parts' results in order (one, ``kernel(0, n)``'s, when the range is not split)."""
    threads = num_threads()
    if threads == 1:
        return [kernel(0, n)]
    parts = min(threads, max(1, n * unit // MIN_PART))
    bounds = [(0, n)]
    if parts > 1:
        step = -(-n // parts)
        step = -(-step // align) * align
        bounds = [(lo, min(lo + step, n)) for lo in range(0, n, step)]
    # NOTE: an unsplit kernel's GEMMs run on one BLAS thread too: one multi-threaded GEMM
    # leaves OpenBLAS's worker spinning for the splits that follow (W3's first convolution,
    # too short to split: 24.7 -> 18.6 ms a step once it no longer woke BLAS's worker)
    # NOTE: only the main thread changes BLAS's thread count: numpy's OpenBLAS ignored a raise
    # made from another thread here, which would leave BLAS at one thread for good
    blas = [c for c in _BLAS if c is not None] if threading.current_thread() is _MAIN else []
    held = [int(c.get_num_threads()) for c in blas]
    for c in blas:
        c.set_num_threads(1)  # (~0.7 us a call)
    try:
        futures = [w.submit(kernel, lo, hi) for w, (lo, hi) in zip(_lanes(len(bounds) - 1), bounds[1:])]
        try:
            first = kernel(*bounds[0])
        finally:
            rest = [f.result() for f in futures]
    finally:
        for c, k in zip(blas, held):
            c.set_num_threads(k)
    return [first, *rest]
