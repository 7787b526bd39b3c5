"""RMSNorm."""

from __future__ import annotations

import numpy as np

from autograd import Tensor

from .. import init
from ..functional.rms_norm import rms_norm
from ..module import Module, Parameter

__all__ = ["RMSNorm"]


class RMSNorm(Module):
    """Root-mean-square normalization over the trailing `normalized_shape` dims, times a learned
    per-element weight: y = x / sqrt(mean(x²) + eps) * weight.

    Args:
        normalized_shape: int or tuple: the trailing dims to normalize over.
        eps: added to the mean square; None means the input dtype's machine epsilon.
        elementwise_affine: learn `weight` (initialized to ones).
        device: accepted for PyTorch compatibility; dtype: the weight's dtype (float32 by default).

    Shapes: (*, *normalized_shape) -> the same.
    """

    def __init__(self, normalized_shape, eps: float | None = None, elementwise_affine: bool = True,
                 device=None, dtype=None) -> None:
        super().__init__()
        if isinstance(normalized_shape, (int, np.integer)):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(int(n) for n in normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            dtype = np.dtype(np.float32 if dtype is None else dtype)
            self.weight = Parameter(np.empty(self.normalized_shape, dtype=dtype))
        else:
            self.register_parameter("weight", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """weight = 1."""
        if self.weight is not None:
            init.ones_(self.weight)

    def forward(self, input: Tensor) -> Tensor:
        """(*, *normalized_shape) -> the same."""
        return rms_norm(input, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
