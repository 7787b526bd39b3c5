"""Training-mode batch_norm as one primitive: per-channel sums as BLAS products, the forward as
one scale and shift per channel, and closed-form VJPs.

For x of shape (N, C, *) with n = N * prod(*) values per channel, `batch_stats` computes the
batch mean (summed in float64), the centered input c = x - mean (kept: the variance needs it,
and so does the backward), its residual mean r (the rounding of the float32 mean and of x - mean,
so that c - r is centered: the corrected two-pass algorithm) and invstd = 1 / sqrt(var + eps). Then, per channel:

    y  = c a + (b - r a),                a = w invstd
    db = Σg,                             dw = invstd (Σ(g c) - r Σg)
    dx = a g + β c + (γ - β r),          β = -a invstd dw / n,  γ = -a Σg / n

(dx is ``a (g - Σg/n - xhat Σ(g xhat)/n)`` with xhat = (c - r) invstd expanded: scalars per
channel times whole arrays, no activation-sized xhat.) In float32, at mean 1000 and std 1, the
mean is off by up to an ulp (6e-5): without r, dw came up to 7x further from float64 than
PyTorch's float32 (4 seeds; as Σ g x - mean Σg, as far); with it, ~100x nearer.
"""

from __future__ import annotations

import numpy as np

from autograd import Tensor
from autograd.ops.registry import Primitive

_BLAS_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def channel_sum(x: np.ndarray, y: np.ndarray | None = None) -> np.ndarray:
    """Sum of x (or of x * y) over every dim but 1, as a (C,) array of x's dtype."""
    n, c = x.shape[:2]
    dtype = x.dtype
    if dtype not in _BLAS_FLOATS:  # (float16: accumulate in float32, as np.mean does)
        x = x.astype(np.float32)
        y = None if y is None else y.astype(np.float32)
    rows = x.reshape(n, c, -1)
    if y is not None and rows.shape[2] < 16:
        # NOTE: einsum's dot loop costs ~5 ns per (n, c) row; for rows this short the product
        # then a GEMV is 2x faster (ResNet-18's 2x2 maps: 21 -> 10 us)
        rows, y = rows * y.reshape(rows.shape), None
    # NOTE: over (N, C, *) layouts numpy's reduce walks strided; a GEMV with a column of ones
    # (and einsum's dot loop for products) is 3-7x faster at ResNet-18's BatchNorm2d shapes
    if y is None:
        per_row = np.matmul(rows.reshape(n * c, -1), np.ones(rows.shape[2], dtype=rows.dtype))
        per_channel = np.matmul(np.ones(n, dtype=rows.dtype), per_row.reshape(n, c))
    else:
        per_channel = np.einsum("ncs,ncs->c", rows, y.reshape(n, c, -1))
    return per_channel.astype(dtype, copy=False)


def per_channel(v, ndim: int):
    """A (C,) array or Tensor shaped to broadcast along dim 1 of an `ndim`-dim input."""
    return v.reshape(-1, *([1] * (ndim - 2)))


def _rows(x: np.ndarray) -> np.ndarray:
    """x as (N, C * prod(*)): one row per batch item."""
    return x.reshape(x.shape[0], -1)


def _along_row(v: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The (C,) array v repeated to one value per element of a `_rows(x)` row."""
    # NOTE: x * v.reshape(C, 1, ..., 1) runs numpy's inner loop once per (n, c) pair; as rows
    # times a repeated row it runs once per n: 1.4-2x faster at W5's BatchNorm2d shapes
    return np.repeat(v, x.size // (x.shape[0] * x.shape[1]))


def batch_stats(x: np.ndarray, eps: float):
    """Per-channel (mean, biased var, invstd, centered, residual) of an (N, C, *) array: see
    the module's docstring. Each is a (C,) array but `centered`, x's shape (fresh)."""
    n = x.size // x.shape[1]
    # NOTE: the mean is summed in float64 (~0.8 ms a W5 step more than a float32 GEMV). Where
    # the mean is small against the values' spread, x - mean rounds every value of one binade
    # the same way (x sits on that binade's grid, the mean does not), so the residual of the
    # rounded c holds that bias: m1 + mean(c) was 5x further from float64 than PyTorch's mean
    # (tests/nn/test_conv_layout.py). The residual still centers c exactly for the output.
    mean = (np.einsum("ncs->c", x.reshape(*x.shape[:2], -1), dtype=np.float64) / n).astype(x.dtype)
    centered = (_rows(x) - _along_row(mean, x)).reshape(x.shape)
    residual = channel_sum(centered) / n
    var = channel_sum(centered, centered) / n - residual * residual
    invstd = 1.0 / np.sqrt(var + eps)
    return mean, var, invstd, centered, residual


def _forward(x, w, b, eps, invstd, centered, residual):
    scale = invstd if w is None else w * invstd
    shift = residual * -scale if b is None else b - residual * scale
    y = _rows(centered) * _along_row(scale, x)
    y += _along_row(shift, x)
    return y.reshape(x.shape)


def _xhat(x: Tensor, eps: float):
    """xhat and invstd recomputed from the Tensor x (double backward: differentiable in x)."""
    axes = (0, *range(2, x.ndim))
    xc = x - x.mean(dim=axes, keepdim=True)
    invstd = ((xc * xc).mean(dim=axes, keepdim=True) + eps) ** -0.5
    return xc * invstd, invstd


def _vjp_x(g, out, x, w, b, eps, invstd, centered, residual):
    if isinstance(x, Tensor):
        axes = (0, *range(2, x.ndim))
        xhat, inv = _xhat(x, eps)
        gxhat = g if w is None else g * per_channel(w, x.ndim)
        along_xhat = (gxhat * xhat).mean(dim=axes, keepdim=True)
        return inv * (gxhat - gxhat.mean(dim=axes, keepdim=True) - xhat * along_xhat)
    n = x.size // x.shape[1]
    a = invstd if w is None else w * invstd
    sum_g = channel_sum(g)
    beta = a * (invstd * invstd) * (channel_sum(g, centered) - residual * sum_g) / -n
    gamma = a * sum_g / -n - beta * residual
    dx = _rows(g) * _along_row(a, x)
    # (one product temporary: `centered` stays as saved, for a backward run again)
    dx += _rows(centered) * _along_row(beta, x)
    dx += _along_row(gamma, x)
    return dx.reshape(x.shape)


def _vjp_w(g, out, x, w, b, eps, invstd, centered, residual):
    if isinstance(x, Tensor):
        return (g * _xhat(x, eps)[0]).sum(dim=(0, *range(2, x.ndim)))
    return (channel_sum(g, centered) - residual * channel_sum(g)) * invstd


def _vjp_b(g, out, x, w, b, eps, invstd, centered, residual):
    if isinstance(g, Tensor):
        return g.sum(dim=(0, *range(2, g.ndim)))
    return channel_sum(g)


BATCH_NORM = Primitive(
    "batch_norm", _forward, [_vjp_x, _vjp_w, _vjp_b],
    "y = xc a + b, xc = x - mean = centered - residual, a = w invstd: db = Σg, "
    "dw = invstd Σ(g xc), dx = a g + β xc + γ with β = -a invstd dw / n, γ = -a Σg / n",
)
