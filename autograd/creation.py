"""Tensor constructors with PyTorch's names: tensor, zeros, ones, full, arange, linspace, eye,
randn, rand, randint, randperm, empty, the `*_like` forms, and from_numpy."""

from __future__ import annotations

import numpy as np

from .promotion import get_default_dtype
from .random import default_generator
from .tensor import Tensor, _to_array, make_tensor


def _shape(size) -> tuple:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        return tuple(size[0])
    return tuple(int(s) for s in size)


def _make(array: np.ndarray, requires_grad: bool) -> Tensor:
    return make_tensor(array, requires_grad)


def tensor(data, dtype=None, requires_grad: bool = False) -> Tensor:
    """A new leaf tensor copying `data` (floats -> float32, ints -> int64, arrays keep dtype)."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with `array` (dtype kept)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy expects an np.ndarray, got {type(array).__name__}")
    return _make(array, False)


def as_tensor(data, dtype=None) -> Tensor:
    """`data` as a tensor, sharing memory when it already is an array of that dtype."""
    if isinstance(data, Tensor) and (dtype is None or data.dtype == dtype):
        return data
    if isinstance(data, np.ndarray) and (dtype is None or data.dtype == dtype):
        return _make(data, False)
    return _make(_to_array(data, dtype, copy=False), False)


def zeros(*size, dtype=None, requires_grad: bool = False) -> Tensor:
    """Tensor of zeros of the given size (float32 by default)."""
    return _make(np.zeros(_shape(size), dtype=dtype or get_default_dtype()), requires_grad)


def ones(*size, dtype=None, requires_grad: bool = False) -> Tensor:
    """Tensor of ones of the given size (float32 by default)."""
    return _make(np.ones(_shape(size), dtype=dtype or get_default_dtype()), requires_grad)


def empty(*size, dtype=None, requires_grad: bool = False) -> Tensor:
    """Uninitialized tensor of the given size (float32 by default)."""
    return _make(np.empty(_shape(size), dtype=dtype or get_default_dtype()), requires_grad)


def full(size, fill_value, dtype=None, requires_grad: bool = False) -> Tensor:
    """Tensor of `size` filled with `fill_value` (dtype inferred as PyTorch: float -> float32)."""
    if dtype is None:
        dtype = _to_array(fill_value).dtype
    return _make(np.full(tuple(size), fill_value, dtype=dtype), requires_grad)


def arange(start, end=None, step=1, dtype=None, requires_grad: bool = False) -> Tensor:
    """Values from `start` to `end` (exclusive) by `step`; int64 for integer arguments."""
    if end is None:
        start, end = 0, start
    if dtype is None:
        is_int = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = np.int64 if is_int else get_default_dtype()
    return _make(np.arange(start, end, step).astype(dtype), requires_grad)


def linspace(start, end, steps: int, dtype=None, requires_grad: bool = False) -> Tensor:
    """`steps` evenly spaced values from `start` to `end` inclusive (float32 by default)."""
    return _make(np.linspace(start, end, steps).astype(dtype or get_default_dtype()), requires_grad)


def eye(n: int, m: int | None = None, dtype=None, requires_grad: bool = False) -> Tensor:
    """Identity matrix of shape (n, m) (m defaults to n)."""
    return _make(np.eye(n, m, dtype=dtype or get_default_dtype()), requires_grad)


def randn(*size, dtype=None, requires_grad: bool = False, generator=None) -> Tensor:
    """Samples from N(0, 1) (float32 by default)."""
    rng = generator or default_generator()
    return _make(rng.standard_normal(_shape(size)).astype(dtype or get_default_dtype()), requires_grad)


def rand(*size, dtype=None, requires_grad: bool = False, generator=None) -> Tensor:
    """Samples from U[0, 1) (float32 by default)."""
    rng = generator or default_generator()
    return _make(rng.random(_shape(size)).astype(dtype or get_default_dtype()), requires_grad)


def randint(low, high=None, size=(), dtype=None, generator=None) -> Tensor:
    """Integers uniform in [low, high) of shape `size` (int64)."""
    if high is None:
        low, high = 0, low
    rng = generator or default_generator()
    return _make(rng.integers(low, high, size=tuple(size)).astype(dtype or np.int64), False)


def randperm(n: int, dtype=None, generator=None) -> Tensor:
    """A random permutation of 0..n-1 (int64)."""
    rng = generator or default_generator()
    return _make(rng.permutation(n).astype(dtype or np.int64), False)


def zeros_like(input, dtype=None, requires_grad: bool = False) -> Tensor:
    """Zeros with the shape (and dtype) of `input`."""
    return zeros(tuple(input.shape), dtype=dtype or input.dtype, requires_grad=requires_grad)


def ones_like(input, dtype=None, requires_grad: bool = False) -> Tensor:
    """Ones with the shape (and dtype) of `input`."""
    return ones(tuple(input.shape), dtype=dtype or input.dtype, requires_grad=requires_grad)


def empty_like(input, dtype=None, requires_grad: bool = False) -> Tensor:
    """Uninitialized tensor with the shape (and dtype) of `input`."""
    return empty(tuple(input.shape), dtype=dtype or input.dtype, requires_grad=requires_grad)


def full_like(input, fill_value, dtype=None, requires_grad: bool = False) -> Tensor:
    """`fill_value` with the shape (and dtype) of `input`."""
    return full(tuple(input.shape), fill_value, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randn_like(input, dtype=None, requires_grad: bool = False) -> Tensor:
    """N(0, 1) samples with the shape (and dtype) of `input`."""
    return randn(tuple(input.shape), dtype=dtype or input.dtype, requires_grad=requires_grad)


def rand_like(input, dtype=None, requires_grad: bool = False) -> Tensor:
    """U[0, 1) samples with the shape (and dtype) of `input`."""
    return rand(tuple(input.shape), dtype=dtype or input.dtype, requires_grad=requires_grad)
