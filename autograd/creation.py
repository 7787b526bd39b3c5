"""Tensor constructors with PyTorch's names and arguments: tensor, as_tensor, from_numpy, zeros,
ones, empty, full, arange, linspace, eye and the `*_like` forms.

Each takes `dtype=`, `device=` (only the CPU exists: see `autograd.device`) and `requires_grad=`;
sizes are given as `zeros(2, 3)`, `zeros((2, 3))`, `zeros([2, 3])` or `zeros(size=(2, 3))`.
Random constructors are in `autograd.sampling`.
"""

from __future__ import annotations

import numpy as np

from .device import check_device
from .promotion import checked_int, get_default_dtype
from .tensor import Tensor, _to_array, make_tensor


def _shape(size, kw_size=None, where: str = "factory") -> tuple:
    """`size` as given positionally (ints, or one sequence) or as `size=`, as a tuple of ints."""
    if kw_size is not None:
        if size:
            raise TypeError(f"{where}() got the size both positionally and as size=")
        size = (kw_size,)
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    try:
        shape = tuple(int(s) if not isinstance(s, float) else _not_int(s, where) for s in size)
    except TypeError:
        raise TypeError(
            f"{where}(): size must be ints or one tuple of ints, got {size!r}"
        ) from None
    if any(s < 0 for s in shape):
        raise RuntimeError(f"{where}(): trying to create tensor with negative dimension: {shape}")
    return shape


def _not_int(value, where: str):
    raise TypeError(f"{where}(): size must be ints, got the float {value!r}")


def _make(array: np.ndarray, requires_grad: bool) -> Tensor:
    return make_tensor(array, requires_grad)


def _finish(array: np.ndarray, device, requires_grad: bool, where: str) -> Tensor:
    check_device(device, where)
    return _make(array, requires_grad)


def tensor(data, dtype=None, device=None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    """A new leaf tensor copying `data` (floats -> float32, ints -> int64, arrays keep dtype;
    tensors inside a list count as numbers, as PyTorch)."""
    return _finish(_to_array(_tensors_as_numbers(data), dtype), device, requires_grad, "tensor")


def _tensors_as_numbers(data):
    """`data` with each tensor inside a (nested) list or tuple as a 0-d array of its dtype:
    PyTorch's tensor() takes such a tensor as one number (``[tensor([1.]), tensor([2.])]`` has
    shape (2,), not (2, 1)), and raises when it has more than one element."""
    if not isinstance(data, (list, tuple)):
        return data
    out = []
    for item in data:
        if isinstance(item, Tensor):
            if item._data.size != 1:
                raise ValueError("only one element tensors can be converted to Python scalars")
            item = item._data.reshape(())
        elif isinstance(item, (list, tuple)):
            item = _tensors_as_numbers(item)
        out.append(item)
    return out


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with `array` (dtype kept)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy expects an np.ndarray, got {type(array).__name__}")
    return _make(array, False)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """`data` as a tensor, sharing memory when it already is a tensor or array of that dtype."""
    check_device(device, "as_tensor")
    if isinstance(data, Tensor) and (dtype is None or data.dtype == dtype):
        return data
    if isinstance(data, Tensor):
        return data.to(dtype)
    if isinstance(data, np.ndarray) and (dtype is None or data.dtype == dtype):
        return _make(data, False)
    return _make(_to_array(_tensors_as_numbers(data), dtype, copy=False), False)


def zeros(*size, dtype=None, device=None, requires_grad: bool = False, **kw) -> Tensor:
    """Tensor of zeros of the given size (float32 by default)."""
    shape = _shape(size, kw.pop("size", None), "zeros")
    _no_extra(kw, "zeros")
    return _finish(np.zeros(shape, dtype=dtype or get_default_dtype()), device, requires_grad, "zeros")


def ones(*size, dtype=None, device=None, requires_grad: bool = False, **kw) -> Tensor:
    """Tensor of ones of the given size (float32 by default)."""
    shape = _shape(size, kw.pop("size", None), "ones")
    _no_extra(kw, "ones")
    return _finish(np.ones(shape, dtype=dtype or get_default_dtype()), device, requires_grad, "ones")


def empty(*size, dtype=None, device=None, requires_grad: bool = False, **kw) -> Tensor:
    """Uninitialized tensor of the given size (float32 by default)."""
    shape = _shape(size, kw.pop("size", None), "empty")
    _no_extra(kw, "empty")
    return _finish(np.empty(shape, dtype=dtype or get_default_dtype()), device, requires_grad, "empty")


def _no_extra(kw: dict, where: str) -> None:
    # layout, memory_format and pin_memory have one meaning on the CPU; anything else is a typo
    for name in ("layout", "memory_format", "pin_memory", "out"):
        value = kw.pop(name, None)
        if name == "out" and value is not None:
            raise TypeError(f"{where}(): out= is not supported; assign the result instead")
    if kw:
        raise TypeError(f"{where}() got an unexpected keyword argument '{next(iter(kw))}'")


def full(size, fill_value, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Tensor of `size` filled with `fill_value` (dtype inferred as PyTorch: float -> float32); a
    0-d tensor not requiring grad counts as its Python number, as in PyTorch."""
    fill_value = _fill_number(fill_value, "full")
    if dtype is None:
        dtype = _to_array(fill_value).dtype
    shape = _shape((size,), None, "full")
    fill_value = checked_int(fill_value, dtype)
    return _finish(np.full(shape, fill_value, dtype=dtype), device, requires_grad, "full")


def _fill_number(fill_value, name: str):
    """`fill_value` as a number: a 0-d tensor that does not require grad gives its item (so a
    float64 one fills the default float dtype, as a Python float would); other tensors raise
    PyTorch's TypeError."""
    if isinstance(fill_value, Tensor):
        if fill_value.ndim or fill_value.requires_grad:
            raise TypeError(
                f"{name}(): argument 'fill_value' (position 2) must be Number, not Tensor"
            )
        return fill_value.item()
    return fill_value


def arange(start, end=None, step=1, dtype=None, device=None,
           requires_grad: bool = False) -> Tensor:
    """Values from `start` to `end` (exclusive) by `step`; int64 for integer arguments."""
    if end is None:
        start, end = 0, start
    start, end, step = (v.item() if isinstance(v, Tensor) else v for v in (start, end, step))
    if dtype is None:
        is_int = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = np.int64 if is_int else get_default_dtype()
    return _finish(np.arange(start, end, step).astype(dtype), device, requires_grad, "arange")


def linspace(start, end, steps: int, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """`steps` evenly spaced values from `start` to `end` inclusive (float32 by default)."""
    array = np.linspace(start, end, steps).astype(dtype or get_default_dtype())
    return _finish(array, device, requires_grad, "linspace")


def eye(n: int, m: int | None = None, dtype=None, device=None,
        requires_grad: bool = False) -> Tensor:
    """Identity matrix of shape (n, m) (m defaults to n)."""
    return _finish(np.eye(n, m, dtype=dtype or get_default_dtype()), device, requires_grad, "eye")


def zeros_like(input, dtype=None, device=None, requires_grad: bool = False, **kw) -> Tensor:
    """Zeros with the shape (and dtype) of `input`."""
    return zeros(tuple(input.shape), dtype=dtype or input.dtype, device=device,
                 requires_grad=requires_grad, **kw)


def ones_like(input, dtype=None, device=None, requires_grad: bool = False, **kw) -> Tensor:
    """Ones with the shape (and dtype) of `input`."""
    return ones(tuple(input.shape), dtype=dtype or input.dtype, device=device,
                requires_grad=requires_grad, **kw)


def empty_like(input, dtype=None, device=None, requires_grad: bool = False, **kw) -> Tensor:
    """Uninitialized tensor with the shape (and dtype) of `input`."""
    return empty(tuple(input.shape), dtype=dtype or input.dtype, device=device,
                 requires_grad=requires_grad, **kw)


def full_like(input, fill_value, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """`fill_value` with the shape (and dtype) of `input`."""
    fill_value = _fill_number(fill_value, "full_like")
    return full(tuple(input.shape), fill_value, dtype=dtype or input.dtype, device=device,
                requires_grad=requires_grad)


def numel(input) -> int:
    """Number of elements of `input`."""
    if not isinstance(input, Tensor):
        raise TypeError(f"numel(): argument 'input' must be Tensor, not {type(input).__name__}")
    return input._data.size
