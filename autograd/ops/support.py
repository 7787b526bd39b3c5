"""Helpers shared by the op families added for PyTorch's everyday API (issue 15).

- `replace`: register a corrected public function under a name that an older file registered
  (the new entry replaces the old one, so the old file stays untouched).
- `result_dtype`: PyTorch's type promotion (`torch.result_type`) over raw forward arguments.
- `return_type`: the `(values, indices)` results, like `torch.return_types.sort`.
- `array_of` / `index_array`: the ndarray behind a Tensor, a list or a scalar.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from ..promotion import wrap_int
from .registry import NUMPY_DISPATCH, REGISTRY, _new_tensor, register

_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}
_DEFAULT = {0: np.dtype(np.bool_), 1: np.dtype(np.int64), 2: np.dtype(np.float32),
            3: np.dtype(np.complex64)}


def replace(name: str, **kwargs):
    """Like `register`, but first drop an existing entry of the same name (and its numpy hooks)."""
    old = REGISTRY.pop(name, None)
    if old is not None:
        for np_fn in old.numpy:
            if NUMPY_DISPATCH.get(np_fn) is old.fn:
                del NUMPY_DISPATCH[np_fn]
    return register(name, **kwargs)


def _category(x) -> int:
    if isinstance(x, (bool, np.bool_)):
        return 0
    if isinstance(x, (int, np.integer)):
        return 1
    if isinstance(x, (float, np.floating)):
        return 2
    if isinstance(x, np.ndarray):
        return _CATEGORY[x.dtype.kind]
    return 3


def result_dtype(*xs) -> np.dtype:
    """`torch.result_type` of arrays and Python scalars: the highest category (bool < int <
    float) wins; within it, arrays with dimensions decide over 0-d arrays and numpy scalars,
    which decide over Python scalars (those give the category's default: int64, float32)."""
    top = max(_category(x) for x in xs)
    dims = [x.dtype for x in xs if isinstance(x, np.ndarray) and x.ndim > 0 and _category(x) == top]
    if dims:
        return np.result_type(*dims)
    zero_d = [np.asarray(x).dtype for x in xs
              if isinstance(x, (np.ndarray, np.generic)) and _category(x) == top]
    if zero_d:
        return np.result_type(*zero_d)
    return _DEFAULT[top]


def float_dtype(*xs) -> np.dtype:
    """`result_dtype`, lifted to the default float (float32) when every input is bool or int."""
    dt = result_dtype(*xs)
    return dt if dt.kind in "fc" else np.dtype(np.float32)


def as_dtype(x, dtype):
    """`x` as an array of `dtype` (a Python scalar stays a scalar: numpy keeps `dtype` then; a
    Python int is wrapped into a narrow integer `dtype` as PyTorch does, see `wrap_int`)."""
    if isinstance(x, np.ndarray):
        return x if x.dtype == dtype else x.astype(dtype)
    if isinstance(x, np.generic):
        return x.astype(dtype)
    if type(x) is int:
        return wrap_int(x, np.dtype(dtype))
    return x


def array_of(x) -> np.ndarray:
    """The ndarray behind a Tensor (no copy), or `np.asarray(x)`."""
    data = getattr(x, "_data", None)
    return data if isinstance(data, np.ndarray) else np.asarray(x)


def index_array(name: str, index, what: str = "index") -> np.ndarray:
    """An int64 index array from a Tensor/list/array; a RuntimeError naming the op (as
    PyTorch's "Expected dtype int64 for index") when it is not integer."""
    idx = array_of(index)
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"{name}(): Expected dtype int64 for {what}, got {idx.dtype}")
    return idx.astype(np.int64, copy=False)


def check_bounds(name: str, idx: np.ndarray, size: int, dim: int | None = None) -> None:
    """Raise PyTorch's IndexError when an index falls outside [-size, size)."""
    if idx.size and (idx.min() < -size or idx.max() >= size):
        bad = int(idx.max()) if idx.max() >= size else int(idx.min())
        where = "" if dim is None else f" in dimension {dim}"
        raise IndexError(f"{name}(): index {bad} is out of bounds for size {size}{where}")


_RETURN_TYPES: dict = {}


def return_type(name: str):
    """A namedtuple class `name(values, indices)`, as `torch.return_types.<name>`."""
    cls = _RETURN_TYPES.get(name)
    if cls is None:
        cls = _RETURN_TYPES[name] = namedtuple(name, ["values", "indices"])
    return cls


def new_tensor(array):
    """A Tensor around `array` that needs no grad (integer and bool results)."""
    return _new_tensor(np.asarray(array))
