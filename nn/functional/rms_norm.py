"""rms_norm: x / sqrt(mean(x²) + eps) over the trailing dims, times weight (a composite)."""

from __future__ import annotations

import numpy as np

from autograd import Tensor

__all__ = ["rms_norm"]


def rms_norm(input: Tensor, normalized_shape, weight: Tensor | None = None, eps: float | None = None) -> Tensor:
    """Root-mean-square normalization over the trailing dims given by `normalized_shape`.

    y = x * rsqrt(mean(x², trailing dims) + eps) * weight.

    Args:
        input: (*, *normalized_shape).
        normalized_shape: int or tuple: the trailing dims to normalize over.
        weight: tensor of shape `normalized_shape`, or None.
        eps: added to the mean square; None means the machine epsilon of the input's dtype
            (PyTorch's default).
    Returns:
        Tensor of the input's shape.
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"rms_norm: input must be a Tensor, got {type(input).__name__}")
    shape = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) else tuple(normalized_shape)
    k = len(shape)
    if input.ndim < k or tuple(input.shape[input.ndim - k:]) != shape:
        raise RuntimeError(
            f"Given normalized_shape={list(shape)}, expected input with shape [*, "
            f"{', '.join(map(str, shape))}], but got input of size{list(input.shape)}"
        )
    if weight is not None and tuple(weight.shape) != shape:
        raise RuntimeError(f"rms_norm: weight must have shape {shape}, got {tuple(weight.shape)}")
    if eps is None:
        eps = float(np.finfo(input.dtype).eps)
    dims = tuple(range(input.ndim - k, input.ndim))
    out = input * ((input * input).mean(dim=dims, keepdim=True) + eps) ** -0.5
    return out if weight is None else out * weight
