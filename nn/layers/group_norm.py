"""GroupNorm."""

from __future__ import annotations

import numpy as np

from autograd import Tensor

from .. import init
from ..functional.group_norm import group_norm
from ..module import Module, Parameter

__all__ = ["GroupNorm"]


class GroupNorm(Module):
    """Normalize each group of channels of each sample (mean 0, variance 1), then scale and shift
    per channel: y = (x - mean_g) / sqrt(var_g + eps) * weight + bias.

    Args:
        num_groups: number of groups G (divides num_channels).
        num_channels: channels C of the input.
        eps: added to the variance (default 1e-5).
        affine: learn a per-channel weight (ones) and, with `bias`, a bias (zeros).
        bias (keyword): learn the bias too when affine (default True).
        device: accepted for PyTorch compatibility; dtype: parameter dtype (float32 by default).

    Shapes: (N, C, *) -> the same.
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True,
                 device=None, dtype=None, *, bias: bool = True) -> None:
        super().__init__()
        if num_channels % num_groups != 0:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups ({num_groups})")
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        self.use_bias = bias
        dtype = np.dtype(np.float32 if dtype is None else dtype)
        if affine:
            self.weight = Parameter(np.empty((num_channels,), dtype=dtype))
            if bias:
                self.bias = Parameter(np.empty((num_channels,), dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """weight = 1, bias = 0."""
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:
        """(N, C, *) -> (N, C, *)."""
        return group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.affine and self.use_bias}")
