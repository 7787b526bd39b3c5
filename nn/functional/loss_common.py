"""What every loss in this folder shares: the `reduction` argument and its reduction."""

from __future__ import annotations

import numpy as np

from autograd import Tensor

_REDUCTIONS = ("mean", "sum", "none")


def _reduce(name: str, loss: Tensor, reduction: str) -> Tensor:
    """`loss` reduced as `reduction` says ('mean', 'sum' or 'none')."""
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{name}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def _as_tensor(x) -> Tensor:
    """`x` as a Tensor (a weight or target given as an array or a list)."""
    return x if isinstance(x, Tensor) else Tensor(np.asarray(x))
