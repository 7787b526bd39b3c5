"""Functional losses: mse, l1, huber, smooth_l1, binary_cross_entropy(_with_logits), gaussian_nll,
and (from loss_nll.py) nll and cross_entropy. Each takes ``reduction='mean'|'sum'|'none'`` and
matches PyTorch, including how weighted means are normalized.

Stable forms: BCE-with-logits goes through softplus, and BCE has a fused primitive whose gradient
stays finite at 0 and 1 (PyTorch clamps the logs to >= -100 the same way).
"""

from __future__ import annotations

import math

import numpy as np

import autograd
from autograd import Tensor
from autograd.inplace import torch_dtype_name
from autograd.ops.registry import Primitive

from . import _checks
from .activation import SOFTPLUS
from .loss_common import _REDUCTIONS, _as_tensor, _reduce  # noqa: F401  (nn.layers.loss reads _REDUCTIONS here)
from .loss_nll import cross_entropy, nll_loss  # (their own file; still importable from here)

__all__ = [
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy",
    "gaussian_nll_loss", "huber_loss", "l1_loss", "mse_loss", "nll_loss", "smooth_l1_loss",
]


def _pair(name: str, input, target) -> tuple[Tensor, Tensor]:
    """Check the elementwise losses' operands: tensors of the same shape."""
    _checks.tensor_input(name, input)
    target = _as_tensor(target)
    _checks.floating(name, input, target)
    if input.shape != target.shape:
        raise _checks.ShapeError(
            f"{name}: target shape {tuple(target.shape)} must equal input shape "
            f"{tuple(input.shape)} (broadcasting a loss target is almost always a bug)"
        )
    return input, target


def mse_loss(input: Tensor, target, reduction: str = "mean") -> Tensor:
    """Mean squared error: (input - target)^2, reduced."""
    input, target = _pair("mse_loss", input, target)
    d = input - target
    return _reduce("mse_loss", d * d, reduction)


def l1_loss(input: Tensor, target, reduction: str = "mean") -> Tensor:
    """Mean absolute error: |input - target|, reduced."""
    input, target = _pair("l1_loss", input, target)
    return _reduce("l1_loss", (input - target).abs(), reduction)


def huber_loss(input: Tensor, target, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """Huber: 0.5 d^2 if |d| < delta else delta (|d| - 0.5 delta), with d = input - target."""
    input, target = _pair("huber_loss", input, target)
    if target._data.dtype != input._data.dtype:  # PyTorch's huber loss has the input's dtype
        target = target.to(input._data.dtype)  # (float64 targets keep a float32 loss float32)
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    d = input - target
    ad = d.abs()
    loss = autograd.where(ad._data < delta, 0.5 * d * d, delta * (ad - 0.5 * delta))
    return _reduce("huber_loss", loss, reduction)


def smooth_l1_loss(input: Tensor, target, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """Smooth L1: 0.5 d^2 / beta if |d| < beta else |d| - 0.5 beta (plain L1 when beta = 0)."""
    input, target = _pair("smooth_l1_loss", input, target)
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    d = input - target
    ad = d.abs()
    if beta == 0:
        return _reduce("smooth_l1_loss", ad, reduction)
    loss = autograd.where(ad._data < beta, (0.5 / beta) * d * d, ad - 0.5 * beta)
    return _reduce("smooth_l1_loss", loss, reduction)


def _clamped_log(v):
    return np.maximum(np.log(v), -100.0)


def _bce_forward(x, t):
    with np.errstate(divide="ignore"):
        return -(t * _clamped_log(x) + (1 - t) * _clamped_log(1 - x))


BCE = Primitive(
    "binary_cross_entropy", _bce_forward,
    [
        lambda g, out, x, t: g * (x - t) / np.maximum((1 - x) * x, 1e-12),
        lambda g, out, x, t: g * (_clamped_log(1 - x) - _clamped_log(x)),
    ],
    "d bce/dx = (x - t) / max(x (1 - x), 1e-12), d bce/dt = log(1 - x) - log(x) (logs >= -100)",
)


def _weighted(name: str, loss: Tensor, weight, dtype=None) -> Tensor:
    """`loss * weight`; a floating `weight` is first cast to `dtype` when given (PyTorch multiplies
    it into the loss in place, so a float64 weight does not make a float32 loss float64)."""
    if weight is None:
        return loss
    weight = _as_tensor(weight)
    if dtype is not None and weight._data.dtype.kind == "f" and weight._data.dtype != dtype:
        weight = weight.to(dtype)
    try:
        np.broadcast_shapes(weight.shape, loss.shape)
    except ValueError:
        raise ValueError(
            f"{name}: weight of shape {tuple(weight.shape)} does not broadcast to the loss shape "
            f"{tuple(loss.shape)}"
        ) from None
    return loss * weight


def binary_cross_entropy(input: Tensor, target, weight=None, reduction: str = "mean") -> Tensor:
    """-(t log(x) + (1 - t) log(1 - x)) with each log clamped to >= -100, times `weight`, reduced.

    Args:
        input: probabilities in [0, 1], any shape.
        target: same shape, values in [0, 1].
        weight: broadcastable rescaling weight per element, or None.
    """
    input, target = _pair("binary_cross_entropy", input, target)
    if target._data.dtype != input._data.dtype:  # (PyTorch casts neither: int64 or float64 labels
        # with a float32 input raise there, and must not make a float64 loss here)
        got, want = target._data.dtype, input._data.dtype
        raise _checks.DtypeError(
            f"binary_cross_entropy: Found dtype {torch_dtype_name(got)} but expected "
            f"{torch_dtype_name(want)}: the target must have the input's dtype {want}, got {got}; "
            f"convert it with target.to(input.dtype)"
        )
    _checks.probabilities("binary_cross_entropy", input._data)
    loss = _weighted("binary_cross_entropy", BCE(input, target), weight, input._data.dtype)
    return _reduce("binary_cross_entropy", loss, reduction)


def binary_cross_entropy_with_logits(input: Tensor, target, weight=None, reduction: str = "mean",
                                     pos_weight=None) -> Tensor:
    """BCE on logits, stable for any |x|: (1 - t) x + (1 + (pos_weight - 1) t) softplus(-x).

    Args:
        input: logits, any shape.
        target: same shape, values in [0, 1].
        weight: broadcastable per-element weight, or None.
        pos_weight: weight of positive examples, broadcast along the last (class) dim, or None.
    """
    input, target = _pair("binary_cross_entropy_with_logits", input, target)
    t_dtype = target._data.dtype
    if t_dtype.kind != "f":  # (PyTorch computes the loss in the target's memory: it must be float)
        raise _checks.DtypeError(
            f"binary_cross_entropy_with_logits: result type {torch_dtype_name(input._data.dtype)} "
            f"can't be cast to the desired output type {torch_dtype_name(t_dtype)}: the target "
            f"must be floating point, got {t_dtype}; convert it with target.float()"
        )
    sp = SOFTPLUS(-input, beta=1.0, threshold=math.inf)  # log(1 + exp(-x)), never overflows
    if pos_weight is None:
        loss = (1 - target) * input + sp
    else:
        pos_weight = _as_tensor(pos_weight)
        try:
            np.broadcast_shapes(pos_weight.shape, input.shape)
        except ValueError:
            raise ValueError(
                f"binary_cross_entropy_with_logits: pos_weight of shape {tuple(pos_weight.shape)} "
                f"does not broadcast to the input shape {tuple(input.shape)}"
            ) from None
        loss = (1 - target) * input + (1 + (pos_weight - 1) * target) * sp
    loss = _weighted("binary_cross_entropy_with_logits", loss, weight, t_dtype)
    if loss._data.dtype != t_dtype:  # PyTorch's loss has the target's dtype (float64 logits with
        loss = loss.to(t_dtype)  # float32 targets give a float32 loss)
    return _reduce("binary_cross_entropy_with_logits", loss, reduction)


def gaussian_nll_loss(input: Tensor, target, var, full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean") -> Tensor:
    """Gaussian negative log-likelihood: 0.5 (log(max(var, eps)) + (input - target)^2 / max(var, eps)).

    Adds 0.5 log(2 pi) when `full`. As in PyTorch, the clamp of `var` at `eps` does not stop its
    gradient. `var` has the input's shape, or one dim fewer, or a last dim of 1.
    """
    input, target = _pair("gaussian_nll_loss", input, target)
    var = _as_tensor(var)
    if var.shape != input.shape:
        if tuple(var.shape) == tuple(input.shape[:-1]):
            var = var.unsqueeze(-1)
        elif not (var.shape[:-1] == input.shape[:-1] and var.ndim == input.ndim and var.shape[-1] == 1):
            raise ValueError(
                f"gaussian_nll_loss: var of shape {tuple(var.shape)} must have the input's shape "
                f"{tuple(input.shape)}, or that shape without its last dim, or a last dim of 1"
            )
    if np.any(var._data < 0):
        raise ValueError("gaussian_nll_loss: var has negative entry/entries")
    clamped = var + Tensor(np.maximum(var._data, eps) - var._data)
    d = input - target
    loss = 0.5 * (clamped.log() + d * d / clamped)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce("gaussian_nll_loss", loss, reduction)
