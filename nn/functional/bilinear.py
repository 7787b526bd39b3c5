"""F.bilinear: ``y_o = x1^T W_o x2 + b_o`` (an einsum, so its gradient is einsum's), in the op
table as "nn.functional.bilinear"."""

from __future__ import annotations

import numpy as np

from autograd import Tensor, einsum
from autograd.ops.registry import Sample, register

__all__ = ["bilinear"]


def _ref(x1, x2, w, b=None):
    out = np.einsum("...i,oij,...j->...o", x1, w, x2)
    return out if b is None else out + b


@register("nn.functional.bilinear", ref=_ref, method=False,
          samples=[Sample((4, 3), (4, 2), (5, 3, 2), (5,)), Sample((2, 3, 3), (2, 3, 4), (2, 3, 4))])
def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """input1 (*, in1), input2 (*, in2) with the same leading dims, weight (out, in1, in2),
    bias (out,) -> (*, out): ``out[..., o] = sum_ij input1[..., i] W[o, i, j] input2[..., j] + b[o]``."""
    if input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError(
            f"bilinear(): input batch dimensions do not match: got {tuple(input1.shape[:-1])} and "
            f"{tuple(input2.shape[:-1])}"
        )
    if weight.ndim != 3 or weight.shape[1] != input1.shape[-1] or weight.shape[2] != input2.shape[-1]:
        raise RuntimeError(
            f"bilinear(): weight of shape {tuple(weight.shape)} does not fit inputs with "
            f"{input1.shape[-1]} and {input2.shape[-1]} features (expected (out, {input1.shape[-1]}, "
            f"{input2.shape[-1]}))"
        )
    out = einsum("...i,oij,...j->...o", input1, weight, input2)
    return out if bias is None else out + bias
