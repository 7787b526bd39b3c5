"""batch_norm, layer_norm: fused normalize-and-scale primitives with hand-written VJPs.

Training-mode batch_norm runs BATCH_NORM (batch_norm_train.py: statistics over every dim but the
channels). NORMALIZE(x, w, b), for layer_norm and group_norm, computes
``(x - mean) / sqrt(var + eps) * w + b`` with the (biased) mean and variance over `axes`. The
statistics and the normalized input xhat are computed once by the caller and passed in as keyword
arrays, so forward and first-order backward reuse them (xhat saves the backward two passes over
x); under `create_graph=True` the VJP recomputes them from the Tensor `x`, which keeps it
differentiable (second derivatives work).
"""

from __future__ import annotations

import numpy as np

from autograd import Tensor, no_grad
from autograd.ops.registry import Primitive

from . import _checks
from ._parallel import run_split
from .batch_norm_train import BATCH_NORM, batch_stats, per_channel

__all__ = ["batch_norm", "layer_norm"]


_BLAS_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def _mean(x: np.ndarray, axes: tuple) -> np.ndarray:
    """Mean over `axes`, kept as size-1 dims."""
    n_axes = len(axes)
    if x.dtype in _BLAS_FLOATS and axes == tuple(range(x.ndim - n_axes, x.ndim)) and x.size:
        # NOTE: over trailing dims, as a product with a column of ones (BLAS): 4x faster than
        # np.mean at a GPT's (16, 64, 128) LayerNorm input
        n = int(np.prod(x.shape[x.ndim - n_axes:]))
        total = np.matmul(x.reshape(-1, n), np.ones(n, dtype=x.dtype))
        total /= n
        return total.reshape(*x.shape[:x.ndim - n_axes], *([1] * n_axes))
    return np.mean(x, axis=axes, keepdims=True)


def _moments(x: np.ndarray, axes: tuple, eps: float):
    """Mean and 1/sqrt(biased var + eps) over `axes` (kept as size-1 dims), plus the biased var."""
    mean, invstd, var, _ = _standardize(x, axes, eps)
    return mean, invstd, var


def _standardize(x: np.ndarray, axes: tuple, eps: float):
    """`_moments` and the normalized input xhat = (x - mean) * invstd (a fresh array)."""
    if _trailing(x, axes):
        return _standardize_rows(x, len(axes), eps)
    mean = _mean(x, axes)
    xhat = x - mean
    var = _mean(np.square(xhat), axes)
    invstd = 1.0 / np.sqrt(var + eps)
    xhat *= invstd
    return mean, invstd, var, xhat


def _trailing(x: np.ndarray, axes: tuple) -> bool:
    """Whether `axes` are x's trailing dims (layer_norm's), on a float32/64 array with elements."""
    return (x.dtype in _BLAS_FLOATS and x.size > 0
            and axes == tuple(range(x.ndim - len(axes), x.ndim)))


def _standardize_rows(x: np.ndarray, k: int, eps: float):
    """`_standardize` over the trailing `k` dims: x as (rows, n), its rows split over the BLAS
    threads (`run_split`), each part's passes in place on its slice of the results."""
    n = int(np.prod(x.shape[x.ndim - k:]))
    rows = np.ascontiguousarray(x).reshape(-1, n)
    xhat = np.empty_like(rows)
    mean, var, invstd = np.empty((3, rows.shape[0], 1), dtype=x.dtype)
    ones = np.ones((n, 1), dtype=x.dtype)

    def part(lo, hi):
        xr, xh, m, v, inv = rows[lo:hi], xhat[lo:hi], mean[lo:hi], var[lo:hi], invstd[lo:hi]
        np.matmul(xr, ones, out=m)
        m /= n
        np.subtract(xr, m, out=xh)
        np.einsum("ij,ij->i", xh, xh, out=v[:, 0])  # (row sums of squares, no temporary)
        v /= n
        np.add(v, eps, out=inv)
        np.sqrt(inv, out=inv)
        np.reciprocal(inv, out=inv)
        xh *= inv

    run_split(part, rows.shape[0], unit=n)
    kept = (*x.shape[:x.ndim - k], *([1] * k))
    return mean.reshape(kept), invstd.reshape(kept), var.reshape(kept), xhat.reshape(x.shape)


def _normalize_vjp_rows(g, w, xhat, invstd, k: int):
    """dx of layer_norm on arrays: x as (rows, n), rows split over the BLAS threads."""
    n = int(np.prod(xhat.shape[xhat.ndim - k:]))
    xr = xhat.reshape(-1, n)
    gr = np.ascontiguousarray(np.broadcast_to(g, xhat.shape)).reshape(-1, n)
    wr = None if w is None else w.reshape(n)
    inv = invstd.reshape(-1, 1)
    dx = np.empty(xr.shape, dtype=np.result_type(g, xhat) if w is None else np.result_type(g, w))
    ones = np.ones((n, 1), dtype=dx.dtype)

    def part(lo, hi):
        d, xh = dx[lo:hi], xr[lo:hi]
        if wr is None:
            d[...] = gr[lo:hi]
        else:
            np.multiply(gr[lo:hi], wr, out=d)
        # NOTE: d xhat/dx removes the components of gxhat along 1 and xhat (mean and variance paths)
        along_ones = np.matmul(d, ones) / n
        along_xhat = np.einsum("ij,ij->i", d, xh)[:, None] / n
        d -= along_ones
        d -= xh * along_xhat
        d *= inv[lo:hi]

    run_split(part, xr.shape[0], unit=n)
    return dx.reshape(xhat.shape)


def _xhat(x, axes, eps, mean, invstd, xhat=None):
    """Normalized input: the forward's (`xhat`), or recomputed, differentiably when x is a Tensor
    (double backward)."""
    if isinstance(x, Tensor):
        mean = x.mean(dim=axes, keepdim=True)
        xc = x - mean
        invstd = ((xc * xc).mean(dim=axes, keepdim=True) + eps) ** -0.5
        return xc * invstd, invstd
    if xhat is not None:
        return xhat, invstd
    return (x - mean) * invstd, invstd


def _normalize_forward(x, w, b, axes, eps, mean, invstd, xhat=None):
    # NOTE: each step in place on one fresh array: a second fresh activation-sized temporary
    # costs page faults (3x the time of the arithmetic at a GPT's (16, 64, 128) input)
    if xhat is None:
        y = x - mean
        y *= invstd
        if w is not None:
            y *= w
    else:  # a fresh output, never xhat itself (saved for backward)
        y = xhat * w if w is not None else xhat.copy()
    if b is not None:
        y += b
    return y


def _normalize_vjp_x(g, out, x, w, b, axes, eps, mean, invstd, xhat=None):
    if xhat is not None and type(g) is np.ndarray and _trailing(xhat, axes) \
            and xhat.dtype == g.dtype and (w is None or w.dtype == g.dtype):
        return _normalize_vjp_rows(g, w, xhat, invstd, len(axes))
    xhat, invstd = _xhat(x, axes, eps, mean, invstd, xhat)
    gxhat = g if w is None else g * w
    if isinstance(gxhat, Tensor):
        # NOTE: d xhat/dx removes the components of gxhat along 1 and xhat (mean and variance paths)
        along_xhat = (gxhat * xhat).mean(dim=axes, keepdim=True)
        return invstd * (gxhat - gxhat.mean(dim=axes, keepdim=True) - xhat * along_xhat)
    t = gxhat * xhat
    along_xhat = _mean(t, axes)
    # (on arrays, in place on the fresh gxhat (when w made one) and t)
    dx = np.subtract(gxhat, _mean(gxhat, axes), out=None if w is None else gxhat)
    np.multiply(xhat, along_xhat, out=t)
    dx -= t
    dx *= invstd
    return dx


def _normalize_vjp_w(g, out, x, w, b, axes, eps, mean, invstd, xhat=None):
    return g * _xhat(x, axes, eps, mean, invstd, xhat)[0]


NORMALIZE = Primitive(
    "normalize", _normalize_forward,
    [_normalize_vjp_x, _normalize_vjp_w, lambda g, out, x, w, b, **kw: g],
    "y = xhat w + b, xhat = (x - mean) / sqrt(var + eps): "
    "dx = invstd (gxhat - mean(gxhat) - xhat mean(gxhat xhat)), dw = sum(g xhat), db = sum(g)",
)


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Batch normalization over every dim but 1 (the channels) of an (N, C, *) input.

    Training: normalize with the batch mean and biased variance; if running stats are given,
    update them in place: ``running = (1 - momentum) * running + momentum * batch`` using the
    unbiased batch variance. Evaluation: normalize with the running stats.

    Args:
        input: (N, C) or (N, C, *).
        running_mean, running_var: (C,) buffers (required when not training), or None.
        weight, bias: (C,) affine parameters, or None.
        training: use batch statistics (and update the running ones).
        momentum: weight of the new batch in the running averages.
        eps: added to the variance for stability.
    Returns:
        Tensor of the input's shape: (x - mean) / sqrt(var + eps) * weight + bias.
    """
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected input of shape (N, C, *), got shape {tuple(input.shape)}")
    _checks.floating("batch_norm", input)
    _checks.same_dtype("batch_norm", input, weight if weight is not None else running_mean)
    _checks.positive_eps("batch_norm", eps, training)
    c = input.shape[1]
    for name, stat in (("running_mean", running_mean), ("running_var", running_var)):
        if stat is not None and tuple(stat.shape) != (c,):
            raise ValueError(f"batch_norm: {name} must have shape ({c},), got {tuple(stat.shape)}")
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and tuple(p.shape) != (c,):
            raise ValueError(f"batch_norm: {name} must have shape ({c},) to match the input's {c} "
                             f"channels, got {tuple(p.shape)}")
    if training and input._data.size == 0:
        # an empty batch: an empty output, running stats untouched (as PyTorch)
        w, b = (None if p is None else per_channel(p, input.ndim) for p in (weight, bias))
        out = input * 1.0 if w is None else input * w
        return out if b is None else out + b
    if training:
        n = input._data.size // c
        if n == 1:
            raise ValueError(
                "batch_norm: expected more than 1 value per channel when training, "
                f"got input of shape {tuple(input.shape)}"
            )
        mean, var, invstd, centered, residual = batch_stats(input._data, eps)
        if running_mean is not None or running_var is not None:
            with no_grad():
                if running_mean is not None:
                    running_mean.copy_((1 - momentum) * running_mean._data + momentum * mean)
                if running_var is not None:
                    unbiased = var * (n / (n - 1))
                    running_var.copy_((1 - momentum) * running_var._data + momentum * unbiased)
        return BATCH_NORM(input, weight, bias, eps=eps, invstd=invstd, centered=centered,
                          residual=residual)
    if running_mean is None or running_var is None:
        raise ValueError("batch_norm: running_mean and running_var are required when training=False")
    shape = (c, *([1] * (input.ndim - 2)))
    # NOTE: copies, so later in-place updates of the buffers cannot change saved graph values
    mean = Tensor(np.array(running_mean._data, dtype=input.dtype).reshape(shape))
    invstd = Tensor((1.0 / np.sqrt(running_var._data + eps)).astype(input.dtype).reshape(shape))
    w, b = (None if p is None else per_channel(p, input.ndim) for p in (weight, bias))
    scale = invstd if w is None else w * invstd
    out = (input - mean) * scale
    return out if b is None else out + b


def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Layer normalization over the trailing dims given by `normalized_shape`.

    Args:
        input: (*, *normalized_shape).
        normalized_shape: int or tuple: the trailing dims to normalize over.
        weight, bias: tensors of shape `normalized_shape`, or None.
        eps: added to the (biased) variance.
    Returns:
        Tensor of the input's shape: (x - mean) / sqrt(var + eps) * weight + bias.
    """
    shape = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) else tuple(normalized_shape)
    k = len(shape)
    if k == 0 or input.ndim < k or tuple(input.shape[input.ndim - k:]) != shape:
        raise ValueError(
            f"layer_norm: expected input with trailing shape {shape} (normalized_shape), "
            f"got shape {tuple(input.shape)}"
        )
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and tuple(p.shape) != shape:
            raise ValueError(f"layer_norm: {name} must have shape {shape}, got {tuple(p.shape)}")
    _checks.same_dtype("layer_norm", input, weight)
    axes = tuple(range(input.ndim - k, input.ndim))
    mean, invstd, _, xhat = _standardize(input._data, axes, eps)
    return NORMALIZE(input, weight, bias, axes=axes, eps=eps, mean=mean, invstd=invstd, xhat=xhat)
