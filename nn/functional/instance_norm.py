"""Instance normalization (Ulyanov et al. 2016): each channel of each sample normalized over
its spatial positions, as PyTorch's `F.instance_norm` (with its running-statistics options).
In the op table as "nn.functional.instance_norm"."""

from __future__ import annotations

import numpy as np

from autograd import Tensor, no_grad
from autograd.ops.registry import Const, Sample, register

from .group_norm import group_norm

__all__ = ["instance_norm"]


def _ref(x, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
         momentum=0.1, eps=1e-5):
    axes = tuple(range(2, x.ndim))
    if use_input_stats:
        mean, var = x.mean(axes, keepdims=True), x.var(axes, keepdims=True)
    else:
        shape = (1, -1) + (1,) * len(axes)
        mean, var = running_mean.reshape(shape), running_var.reshape(shape)
    out = (x - mean) / np.sqrt(var + eps)
    shape = (1, -1) + (1,) * len(axes)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


@register("nn.functional.instance_norm", ref=_ref, method=False, samples=[
    Sample((2, 3, 4, 5)), Sample((2, 3, 6), Const(None), Const(None), (3,), (3,)),
    Sample((2, 3, 4), Const(np.zeros(3)), Const(np.ones(3)), use_input_stats=False),
])
def instance_norm(input: Tensor, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats: bool = True, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """``(x - mean) / sqrt(var + eps) * weight[c] + bias[c]`` with mean and biased var over the
    spatial dims of each (sample, channel) of (N, C, *spatial) input.

    With `use_input_stats` and running buffers given, they are updated in place (no gradient):
    ``running = (1 - momentum) * running + momentum * batch mean of the instance statistics``
    (the unbiased variance, as PyTorch). Without `use_input_stats` the running buffers normalize.
    """
    if input.ndim < 3:
        raise ValueError(f"instance_norm: expected (N, C, *spatial) input with at least 3 dims, got "
                         f"{input.ndim}D input of shape {tuple(input.shape)}")
    c = input.shape[1]
    axes = tuple(range(2, input.ndim))
    if use_input_stats:
        spatial = int(np.prod(input.shape[2:]))
        if spatial <= 1:
            raise ValueError(
                f"Expected more than 1 spatial element when training, got input size {list(input.shape)}"
            )
        out = group_norm(input, c, weight, bias, eps)
        if running_mean is not None or running_var is not None:
            x = input._data.astype(np.float64)
            with no_grad():
                if running_mean is not None:
                    running_mean.mul_(1 - momentum).add_(momentum * x.mean(axes).mean(0))
                if running_var is not None:
                    unbiased = x.var(axes, ddof=1).mean(0)
                    running_var.mul_(1 - momentum).add_(momentum * unbiased)
        return out
    if running_mean is None or running_var is None:
        raise ValueError("instance_norm: Expected running_mean and running_var to be defined when "
                         "use_input_stats is false")
    shape = (1, c) + (1,) * len(axes)
    dtype = input._data.dtype
    # the running buffers get no gradient (PyTorch's too): plain arrays of the input's dtype
    mean = np.asarray(getattr(running_mean, "_data", running_mean), dtype=dtype).reshape(shape)
    var = np.asarray(getattr(running_var, "_data", running_var), dtype=dtype).reshape(shape)
    out = (input - mean) * (1.0 / np.sqrt(var + dtype.type(eps))).astype(dtype)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out
