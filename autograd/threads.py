"""How many threads numpy's BLAS (matrix products) may use: one by default, as measured best here.

tapegrad's matrices are small (a LeNet batch, an LSTM step, a 784-256-10 MLP). On an idle 2-core
machine two BLAS threads make a training step at most 1.3x faster (0.76-0.97x the time of one);
on a busy one they make it 3.7-14x slower, because BLAS threads spin-wait for each other while
the cores run other processes. So `import autograd` limits BLAS to one thread, unless you chose a
number yourself with an environment variable (OPENBLAS_NUM_THREADS, OMP_NUM_THREADS, ...), and
`autograd.set_num_threads(n)` changes it at any time (as `torch.set_num_threads`): more threads
pay off for large matrices on a machine whose cores are free.
"""

from __future__ import annotations

import os

# set any of these before starting Python and tapegrad keeps your choice
THREAD_VARIABLES = (
    "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
)


def _threadpoolctl():
    try:
        import threadpoolctl
    except ImportError:
        raise ImportError(
            "setting numpy's BLAS threads needs threadpoolctl: pip install threadpoolctl "
            "(or set OPENBLAS_NUM_THREADS before starting Python)"
        ) from None
    return threadpoolctl


def set_num_threads(n: int) -> None:
    """Let numpy's BLAS use `n` threads (BLAS caps it at the number of cores)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise RuntimeError(f"set_num_threads: expected a positive number of threads, got {n!r}")
    _threadpoolctl().threadpool_limits(limits=n, user_api="blas")


def get_num_threads() -> int:
    """The number of threads numpy's BLAS uses now (the largest over loaded BLAS libraries)."""
    info = _threadpoolctl().threadpool_info()
    return max((lib["num_threads"] for lib in info if lib["user_api"] == "blas"), default=1)


def limit_by_default() -> None:
    """One BLAS thread, unless an environment variable chose a number (or threadpoolctl is absent)."""
    if any(os.environ.get(v) for v in THREAD_VARIABLES):
        return
    try:
        set_num_threads(1)
    except ImportError:
        pass  # without threadpoolctl BLAS keeps its own default; set_num_threads says what to install
