"""Functional glu, hardshrink, softshrink, tanhshrink, threshold (PyTorch's definitions), each
in the op table as "nn.functional.<name>" and built from table entries (`where` picks the
branch, so the gradient is 1 on the passing branch and 0 on the constant one)."""

from __future__ import annotations

import numpy as np

from autograd import Tensor
from autograd.ops.arithmetic import WHERE
from autograd.ops.registry import Sample, normalize_dim, register

__all__ = ["glu", "hardshrink", "softshrink", "tanhshrink", "threshold"]


def _entry(ref, samples, **kwargs):
    def decorate(fn):
        return register(f"nn.functional.{fn.__name__}", ref=ref, samples=samples, method=False,
                        **kwargs)(fn)
    return decorate


def _const(x: Tensor, value) -> np.ndarray:
    return np.asarray(value, dtype=x._data.dtype)


def _glu_ref(x, dim=-1):
    a, b = np.split(x, 2, axis=dim)
    return a / (1 + np.exp(-b))


@_entry(_glu_ref, [Sample((3, 4)), Sample((4, 3, 2), 0), Sample((2, 6, 3), dim=1)])
def glu(input: Tensor, dim: int = -1) -> Tensor:
    """Gated linear unit: split `input` in halves a, b along `dim`; ``a * sigmoid(b)`` (the
    output has half the size along `dim`)."""
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = normalize_dim(dim, input.ndim)
    if input.shape[d] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {input.shape[d]}")
    a, b = input.chunk(2, d)
    return a * b.sigmoid()


@_entry(lambda x, lambd=0.5: np.where(np.abs(x) > lambd, x, 0.0),
        [Sample((3, 4)), Sample((2, 3), 1.0)], smooth=False)
def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x where |x| > lambd, else 0."""
    return WHERE(np.abs(input._data) > lambd, input, _const(input, 0))


@_entry(lambda x, lambd=0.5: np.where(x > lambd, x - lambd, np.where(x < -lambd, x + lambd, 0.0)),
        [Sample((3, 4)), Sample((2, 3), 0.2)], smooth=False)
def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x - lambd where x > lambd, x + lambd where x < -lambd, else 0 (lambd >= 0)."""
    if lambd < 0:
        raise RuntimeError(f"lambda must be greater or equal to 0, but found to be {lambd}.")
    x = input._data
    shifted = WHERE(x > 0, input - lambd, input + lambd)
    return WHERE(np.abs(x) > lambd, shifted, _const(input, 0))


@_entry(lambda x: x - np.tanh(x), [Sample((3, 4)), Sample((2, 3, 2))])
def tanhshrink(input: Tensor) -> Tensor:
    """x - tanh(x)."""
    return input - input.tanh()


@_entry(lambda x, th, value: np.where(x > th, x, value),
        [Sample((3, 4), 0.1, 20.0), Sample((2, 3), -0.5, -1.0)], smooth=False)
def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """x where x > threshold, else `value`. `inplace=True` writes the result into `input`."""
    out = WHERE(input._data > threshold, input, _const(input, value))
    return input.copy_(out) if inplace else out
