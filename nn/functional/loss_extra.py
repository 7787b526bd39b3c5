"""kl_div: the Kullback-Leibler divergence loss, as PyTorch computes it (pointwise xlogy(t, t) - t x)."""

from __future__ import annotations

import warnings

import numpy as np

from autograd import Tensor
from autograd.ops.registry import Primitive

__all__ = ["kl_div"]


def _xlogx(t):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(t == 0, 0, t * np.log(t)).astype(t.dtype, copy=False)


def _xlogx_vjp(g, out, t):
    # NOTE: PyTorch's xlogy(t, t) backward, log(t) + t / t, which is NaN at t = 0 (kept, so the
    # gradient of a target that requires grad equals PyTorch's)
    with np.errstate(divide="ignore", invalid="ignore"):
        return g * (np.log(t) + t / t)


XLOGX = Primitive("xlogx", _xlogx, [_xlogx_vjp], "d (t log t)/dt = log t + 1 (NaN at t = 0, as PyTorch)")

_REDUCTIONS = ("none", "batchmean", "sum", "mean")


def _legacy_reduction(size_average, reduce) -> str:
    """PyTorch's mapping of the deprecated size_average / reduce flags to a reduction."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    result = "none" if not reduce else ("mean" if size_average else "sum")
    warnings.warn(
        f"size_average and reduce args will be deprecated, please use reduction='{result}' instead.",
        UserWarning, stacklevel=3,
    )
    return result


def kl_div(input: Tensor, target, size_average=None, reduce=None, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    """KL divergence loss with `input` given as log-probabilities.

    Pointwise: target * (log(target) - input) (0 where target = 0), or with `log_target`
    exp(target) * (target - input).

    Args:
        input: log-probabilities, any shape.
        target: probabilities (or log-probabilities with `log_target`), broadcastable to input.
        size_average, reduce: deprecated; override `reduction` as in PyTorch.
        reduction: "mean" (over all elements; warns, as PyTorch), "batchmean" (sum / N, the
            mathematical KL divergence), "sum" or "none".
        log_target: the target holds log-probabilities.
    Returns:
        A scalar, or the pointwise losses with reduction="none".
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"kl_div: input must be a Tensor, got {type(input).__name__}")
    target = target if isinstance(target, Tensor) else Tensor(np.asarray(target, dtype=input.dtype))
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support size."
            "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
            "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
            stacklevel=2,
        )
    if log_target:
        loss = target.exp() * (target - input)
    else:
        loss = XLOGX(target) - target * input
    if reduction == "none":
        return loss
    if reduction == "mean":
        return loss.mean()
    total = loss.sum()
    if reduction == "batchmean" and input.ndim != 0:
        return total / input.shape[0]
    return total
