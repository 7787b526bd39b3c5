"""gumbel_softmax (Jang et al. 2016; Maddison et al. 2016): a differentiable sample from a
categorical distribution, as PyTorch's (soft, or hard one-hot with the straight-through gradient)."""

from __future__ import annotations

import warnings

import numpy as np

from autograd import Tensor
from autograd.random import default_generator

from . import _checks

__all__ = ["gumbel_softmax"]


def gumbel_softmax(logits: Tensor, tau: float = 1, hard: bool = False, eps: float = 1e-10,
                   dim: int = -1) -> Tensor:
    """softmax((logits + g) / tau) along `dim`, with g = -log(E), E ~ Exponential(1) (Gumbel
    noise from `autograd.random.default_generator()`). With `hard`, the one-hot of the argmax
    along `dim`, whose gradient is the soft sample's (straight-through:
    ``y_hard - y_soft.detach() + y_soft``). `eps` is deprecated and unused, as in PyTorch."""
    if not isinstance(logits, Tensor):
        _checks.tensor_input("gumbel_softmax", logits)
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    dtype = logits.dtype if logits.dtype.kind == "f" else np.float32
    noise = -np.log(default_generator().exponential(1.0, logits.shape)).astype(dtype)
    y_soft = ((logits + Tensor(noise)) / tau).softmax(dim)
    if not hard:
        return y_soft
    index = y_soft._data.argmax(axis=dim)
    y_hard = np.zeros(y_soft.shape, y_soft.dtype)
    np.put_along_axis(y_hard, np.expand_dims(index, dim), 1.0, axis=dim)
    return Tensor(y_hard) - y_soft.detach() + y_soft
