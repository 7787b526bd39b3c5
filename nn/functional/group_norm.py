"""group_norm: the fused normalize primitive of `normalization.py` over (N, G, C/G * spatial)."""

from __future__ import annotations

import numpy as np

from autograd import Tensor

from .normalization import NORMALIZE, _moments

__all__ = ["group_norm"]


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Group normalization: split the C channels into `num_groups` groups and normalize each
    group of each sample with its own mean and biased variance, then scale and shift per channel.

    y = (x - mean_g) / sqrt(var_g + eps) * weight[c] + bias[c].

    Args:
        input: (N, C, *), C divisible by num_groups.
        num_groups: number of groups G.
        weight, bias: (C,) affine parameters, or None.
        eps: added to the variance.
    Returns:
        Tensor of the input's shape.
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"group_norm: input must be a Tensor, got {type(input).__name__}")
    if input.ndim < 2:
        raise RuntimeError(f"group_norm: expected input of shape (N, C, *), got {tuple(input.shape)}")
    n, c = input.shape[:2]
    if isinstance(num_groups, bool) or not isinstance(num_groups, (int, np.integer)) or num_groups < 1 \
            or c % num_groups:
        raise RuntimeError(
            f"Expected number of channels in input to be divisible by num_groups, but got input of "
            f"shape {list(input.shape)} and num_groups={num_groups}"
        )
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and tuple(p.shape) != (c,):
            raise RuntimeError(
                f"group_norm: expected {name} to be a vector of size equal to the number of channels "
                f"in input ({c}), but got {name} of shape {list(p.shape)}"
            )
    grouped = input.reshape(n, num_groups, -1)
    mean, invstd, _ = _moments(grouped._data, (2,), eps)
    out = NORMALIZE(grouped, None, None, axes=(2,), eps=eps, mean=mean, invstd=invstd).reshape(input.shape)
    shape = (c, *([1] * (input.ndim - 2)))
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out
