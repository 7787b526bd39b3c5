"""interpolate (nearest, nearest-exact, linear, bilinear) and upsample, as PyTorch computes them.

Resampling is separable: along each spatial axis the output is R @ x, with R an (out, in) matrix
whose rows hold PyTorch's source indices and weights (one 1 for nearest, two weights summing to
1 for linear). So `interpolate` is one or two matmuls over the whole batch, with no Python loop
over pixels, and its gradients of every order come from matmul's. The source coordinates are
computed in the input's float type, with PyTorch's formulas, so the same pixels are picked.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

import autograd
from autograd import Tensor

from .conv import as_tensor
from .pooling import adaptive_avg_pool2d

__all__ = ["interpolate", "upsample", "upsample_bilinear", "upsample_nearest"]

_MODES = ("nearest", "nearest-exact", "linear", "bilinear", "area")
_LINEAR = {"linear": 3, "bilinear": 4}


def _nearest_matrix(n_in: int, n_out: int, scale, exact: bool, dtype) -> np.ndarray:
    """(n_out, n_in) one-hot rows: PyTorch's nearest_idx / nearest_neighbor_exact_compute_source_index."""
    dst = np.arange(n_out)
    if not exact and n_out == n_in:
        idx = dst
    elif not exact and n_out == 2 * n_in:
        idx = dst >> 1
    else:
        # NOTE: PyTorch computes the scale and the product in float32 for every input dtype
        s = np.float32(1.0 / scale) if scale is not None and scale > 0 else np.float32(n_in) / np.float32(n_out)
        pos = (dst.astype(np.float32) + np.float32(0.5)) * s if exact else dst.astype(np.float32) * s
        idx = np.minimum(np.floor(pos).astype(np.int64), n_in - 1)
    out = np.zeros((n_out, n_in), dtype=dtype)
    out[dst, idx] = 1
    return out


def _linear_matrix(n_in: int, n_out: int, scale, align_corners: bool, dtype) -> np.ndarray:
    """(n_out, n_in) rows with weights (1 - λ, λ) at (i0, i1): PyTorch's area_pixel_* formulas."""
    t = np.dtype(dtype).type
    if align_corners:
        ratio = t(n_in - 1) / t(n_out - 1) if n_out > 1 else t(0)
        src = np.arange(n_out).astype(dtype) * ratio
    else:
        ratio = t(1.0 / scale) if scale is not None and scale > 0 else t(n_in) / t(n_out)
        src = np.maximum(ratio * (np.arange(n_out).astype(dtype) + t(0.5)) - t(0.5), t(0))
    i0 = src.astype(np.int64)
    i1 = i0 + (i0 < n_in - 1)
    lam = np.clip(src - i0.astype(dtype), t(0), t(1))
    out = np.zeros((n_out, n_in), dtype=dtype)
    rows = np.arange(n_out)
    out[rows, i0] = t(1) - lam
    out[rows, i1] += lam  # i1 == i0 at the last input pixel: the weights add up to 1 there
    return out


def _sizes(fn: str, x: Tensor, size, scale_factor, recompute_scale_factor):
    """Output sizes and the scales PyTorch passes on to its kernels (None where unused)."""
    spatial = x.ndim - 2
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if recompute_scale_factor:
            raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
        sizes = list(size) if isinstance(size, (tuple, list)) else [size] * spatial
        if len(sizes) != spatial:
            raise ValueError(
                f"Input and output must have the same number of spatial dimensions, but got input with "
                f"spatial dimensions of {list(x.shape[2:])} and output size of {list(sizes)}. Please "
                "provide input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) format."
            )
        if not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) for s in sizes):
            raise TypeError(f"{fn}: size must be an int or a sequence of ints, got {size!r}")
        if min(sizes) < 1:
            raise RuntimeError(f"{fn}: output sizes must be greater than 0, got {sizes}")
        return [int(s) for s in sizes], [None] * spatial
    if scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    scales = list(scale_factor) if isinstance(scale_factor, (tuple, list)) else [scale_factor] * spatial
    if len(scales) != spatial:
        raise ValueError(
            f"Input and scale_factor must have the same number of spatial dimensions, but got input with "
            f"spatial dimensions of {list(x.shape[2:])} and scale_factor of shape {list(scales)}. Please "
            "provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format."
        )
    scales = [float(s) for s in scales]
    sizes = [math.floor(float(n) * s) for n, s in zip(x.shape[2:], scales)]
    if min(sizes) < 1:
        raise RuntimeError(f"{fn}: input {tuple(x.shape)} with scale_factor {scale_factor} gives an empty output {sizes}")
    return sizes, ([None] * spatial if recompute_scale_factor else scales)


def interpolate(input, size=None, scale_factor=None, mode: str = "nearest", align_corners=None,
                recompute_scale_factor=None, antialias: bool = False) -> Tensor:
    """Resample the spatial dims of (N, C, L) or (N, C, H, W) input to `size` or `size * scale_factor`.

    nearest: out[o] = x[min(floor(o * scale), in - 1)] (scale = 1 / scale_factor if given, else
    in / out); nearest-exact: floor((o + 0.5) * scale). linear / bilinear: out[o] = (1 - λ) x[i0] +
    λ x[i0 + 1] at src = (o + 0.5) * scale - 0.5 (clamped at 0), or src = o (in - 1) / (out - 1)
    with align_corners=True; bilinear applies this along H and then W. area: adaptive average
    pooling to the output size.

    Args:
        input: (N, C, L) for nearest/linear, (N, C, H, W) for nearest/bilinear.
        size: output size (int or one per spatial dim); exclusive with scale_factor.
        scale_factor: multiplier (float or one per spatial dim); output = floor(in * scale_factor).
        mode: "nearest" (default), "nearest-exact", "linear", "bilinear" or "area".
        align_corners: linear modes only: map the corner pixels' centres onto each other.
        recompute_scale_factor: with scale_factor, recompute the scale from the output size.
        antialias: not supported (raises).
    Returns:
        (N, C, *out_size), in the input's dtype.
    """
    fn = "interpolate"
    x = as_tensor(fn, "input", input)
    if mode not in _MODES:
        raise NotImplementedError(
            f"{fn}: mode {mode!r} is not supported by tapegrad; use one of {_MODES}"
        )
    if mode in ("nearest", "nearest-exact", "area") and align_corners is not None:
        raise ValueError(
            "align_corners option can only be set with the interpolating modes: "
            "linear | bilinear | bicubic | trilinear"
        )
    if antialias:
        raise NotImplementedError(f"{fn}: antialias=True is not supported by tapegrad")
    if x.ndim not in (3, 4):
        raise NotImplementedError(
            f"{fn}: input must be 3-D (N, C, L) or 4-D (N, C, H, W) in tapegrad, got {x.ndim}-D input "
            f"of shape {tuple(x.shape)}"
        )
    if mode in _LINEAR and x.ndim != _LINEAR[mode]:
        raise NotImplementedError(f"Got {x.ndim}D input, but {mode} mode needs {_LINEAR[mode]}D input")
    sizes, scales = _sizes(fn, x, size, scale_factor, recompute_scale_factor)
    if mode == "area":  # PyTorch's area mode is adaptive average pooling to the output size
        if x.ndim == 3:
            return adaptive_avg_pool2d(x.unsqueeze(2), (1, sizes[0])).squeeze(2)
        return adaptive_avg_pool2d(x, tuple(sizes))
    out = x
    for axis, (n_in, n_out, scale) in enumerate(zip(x.shape[2:], sizes, scales)):
        if mode in _LINEAR:
            mat = _linear_matrix(n_in, n_out, scale, bool(align_corners), x.dtype)
        else:
            mat = _nearest_matrix(n_in, n_out, scale, mode == "nearest-exact", x.dtype)
        if axis == x.ndim - 3:  # the last axis: x @ Rᵀ
            out = autograd.matmul(out, Tensor(np.ascontiguousarray(mat.T)))
        else:  # the height axis of a 4-D input: R @ x
            out = autograd.matmul(Tensor(mat), out)
    return out


def upsample(input, size=None, scale_factor=None, mode: str = "nearest", align_corners=None) -> Tensor:
    """Deprecated alias of `interpolate` (kept by PyTorch, so kept here, with its warning)."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None) -> Tensor:
    """`interpolate(mode="nearest")` (PyTorch's deprecated alias, with its warning)."""
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None) -> Tensor:
    """`interpolate(mode="bilinear", align_corners=True)` (PyTorch's deprecated alias, with its warning)."""
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
