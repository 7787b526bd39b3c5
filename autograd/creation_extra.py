"""`logspace`: PyTorch's log-spaced factory (a factory like `linspace`, outside the op table)."""

from __future__ import annotations

import numpy as np

from .ops.support import new_tensor

__all__ = ["logspace"]


def logspace(start, end, steps: int, base: float = 10.0, *, dtype=None, layout=None, device=None,
             requires_grad: bool = False):
    """`steps` values ``base ** linspace(start, end, steps)`` (float32 unless `dtype`)."""
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    exps = np.linspace(float(start), float(end), int(steps))
    out = np.power(float(base), exps).astype(np.dtype(dtype) if dtype is not None else np.float32)
    t = new_tensor(out)
    if requires_grad:
        t.requires_grad_(True)
    return t
