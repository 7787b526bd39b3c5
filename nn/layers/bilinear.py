"""Bilinear layer: ``y = x1^T A x2 + b`` (see `F.bilinear`), PyTorch's parameters and init."""

from __future__ import annotations

import math

import numpy as np

from autograd import Tensor

from .. import init
from ..functional.bilinear import bilinear
from ..module import Module, Parameter

__all__ = ["Bilinear"]


class Bilinear(Module):
    """(*, in1_features), (*, in2_features) -> (*, out_features).

    weight (out, in1, in2) and bias (out,) start uniform in ±1/sqrt(in1_features), as PyTorch.
    """

    def __init__(self, in1_features: int, in2_features: int, out_features: int, bias: bool = True,
                 device=None, dtype=None) -> None:
        super().__init__()
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        dt = np.dtype(dtype or np.float32)
        self.weight = Parameter(np.empty((out_features, in1_features, in2_features), dtype=dt))
        if bias:
            self.bias = Parameter(np.empty(out_features, dtype=dt))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """U(-1/sqrt(in1), 1/sqrt(in1)) for weight and bias."""
        bound = 1 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        """`F.bilinear(input1, input2, self.weight, self.bias)`."""
        return bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")
