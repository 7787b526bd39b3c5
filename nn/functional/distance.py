"""normalize, cosine_similarity, pairwise_distance: composites of differentiable ops.

Norms here are written so that a zero vector has a zero norm gradient (as PyTorch's norm
backward), not the NaN of d sqrt(s)/ds at s = 0.
"""

from __future__ import annotations

import math

import numpy as np

import autograd
from autograd import Tensor
from autograd.ops.registry import normalize_dim

__all__ = ["cosine_similarity", "normalize", "pairwise_distance"]


def _float_tensor(fn: str, name: str, x) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}: {name} must be a Tensor, got {type(x).__name__}")
    if x.dtype.kind != "f":
        raise TypeError(f"{fn}: {name} must have a floating point dtype, got {x.dtype}")
    return x


def vector_norm(x: Tensor, p: float, dim, keepdim: bool) -> Tensor:
    """The p-norm of `x` along `dim`: (sum |x|^p)^(1/p), max |x| for p = inf, min |x| for -inf.

    A slice of zeros gets norm 0 and a zero gradient (p > 0), as PyTorch's norm backward gives.
    float16 is computed in float32 and the norm rounded back, as PyTorch accumulates it (the
    squares of small float16 values underflow to 0, of large ones overflow to inf).
    """
    if x.dtype == np.float16:
        return vector_norm(x.float(), p, dim, keepdim).to(x.dtype)
    if p == math.inf:
        return x.abs().amax(dim=dim, keepdim=keepdim)
    if p == -math.inf:
        return x.abs().amin(dim=dim, keepdim=keepdim)
    if p == 1:
        return x.abs().sum(dim=dim, keepdim=keepdim)
    if p == 2:
        s = (x * x).sum(dim=dim, keepdim=keepdim)
    else:
        s = (x.abs() ** p).sum(dim=dim, keepdim=keepdim)
    positive = s > 0
    # NOTE: the root is taken of a slice-wise safe value, so the unused branch's gradient is finite
    safe = autograd.where(positive, s, 1.0)
    root = safe.sqrt() if p == 2 else safe ** (1.0 / p)
    return autograd.where(positive, root, 0.0)


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out=None) -> Tensor:
    """x / max(||x||_p, eps) along `dim` (unit vectors; zero vectors stay zero).

    Args:
        input: any shape with at least one dim (0-d input is normalized over itself).
        p: the norm's exponent (inf allowed).
        dim: the dim (or dims) holding the vectors.
        eps: lower bound of the divisor.
        out: not supported (must be None).
    Returns:
        Tensor of the input's shape.
    """
    x = _float_tensor("normalize", "input", input)
    if out is not None:
        raise TypeError("normalize: the out= argument is not supported by tapegrad")
    axis = normalize_dim(dim, x.ndim)
    norm = vector_norm(x, float(p), axis, True)
    return x / autograd.clamp(norm, min=eps)


def _clamped_value(norm: Tensor, eps: float) -> Tensor:
    """`norm` with its value clamped to >= eps but its gradient unchanged (PyTorch clamps the
    norms of cosine_similarity in place under no_grad)."""
    lifted = np.maximum(norm._data, eps) - norm._data
    return norm + Tensor(lifted.astype(norm.dtype, copy=False))


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """sum(x1 / max(||x1||, eps) * x2 / max(||x2||, eps)) along `dim` (broadcasting x1 and x2).

    Args:
        x1, x2: broadcastable tensors.
        dim: the dim holding the vectors.
        eps: lower bound of each norm.
    Returns:
        The broadcast shape without `dim`.
    """
    fn = "cosine_similarity"
    x1 = _float_tensor(fn, "x1", x1)
    x2 = _float_tensor(fn, "x2", x2)
    try:
        shape = np.broadcast_shapes(x1.shape, x2.shape)
    except ValueError:
        raise RuntimeError(
            f"{fn}: the size of tensor a {tuple(x1.shape)} must match the size of tensor b "
            f"{tuple(x2.shape)} (they must broadcast)"
        ) from None
    x1 = x1 if x1.shape == shape else autograd.broadcast_to(x1, shape)
    x2 = x2 if x2.shape == shape else autograd.broadcast_to(x2, shape)
    axis = normalize_dim(dim, len(shape))
    n1 = _clamped_value(vector_norm(x1, 2.0, axis, True), eps)
    n2 = _clamped_value(vector_norm(x2, 2.0, axis, True), eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim=axis)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """||x1 - x2 + eps||_p along the last dim (broadcasting x1 and x2).

    Args:
        x1, x2: (N, D) or (D,), broadcastable.
        p: the norm's exponent.
        eps: added to the difference (avoids a zero vector's undefined gradient).
        keepdim: keep the last dim with size 1.
    Returns:
        (N,) (or (N, 1) with keepdim).
    """
    x1 = _float_tensor("pairwise_distance", "x1", x1)
    x2 = _float_tensor("pairwise_distance", "x2", x2)
    return vector_norm(x1 - x2 + eps, float(p), -1 if max(x1.ndim, x2.ndim) else None, keepdim)
