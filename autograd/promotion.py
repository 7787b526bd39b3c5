"""Type promotion as PyTorch's `torch.result_type`, and the default float dtype.

Categories are bool < integer < floating < complex. Operands come in three priorities:
tensors with dimensions (and numpy arrays with dimensions), 0-d tensors, and scalars (Python or
numpy numbers). Within the highest category present, the highest priority that holds it decides
the dtype; a category reached only by a scalar gives that category's default (the default float
dtype for floats, int64 for integers). So float32 stays float32 with ``2.5``,
``np.float64(2.0)``, a 0-d float64 tensor or an int64 tensor, and ``int_tensor * 0.5`` is float32.
"""

from __future__ import annotations

import numpy as np

_DEFAULT = [np.dtype(np.float32)]
_INT64 = np.dtype(np.int64)
_BOOL = np.dtype(np.bool_)
_ndarray = np.ndarray
_generic = np.generic


def get_default_dtype():
    """The dtype Python floats become (float32 unless `set_default_dtype` changed it)."""
    return _DEFAULT[0]


def set_default_dtype(d) -> None:
    """Set the dtype Python floats and float factories use: float32 or float64 (as PyTorch)."""
    d = np.dtype(d)
    if d.kind != "f" or d.itemsize < 4:
        raise TypeError(f"set_default_dtype: only float32 and float64 are supported, got {d}")
    _DEFAULT[0] = d


def promote_types(a, b):
    """PyTorch's `promote_types`: a float dtype wins over any integer or bool dtype whatever its
    width (numpy would widen int64 + float32 to float64)."""
    a, b = np.dtype(a), np.dtype(b)
    if a == b:
        return a
    fa, fb = a.kind in "fc", b.kind in "fc"
    if fa and not fb:
        return a
    if fb and not fa:
        return b
    return np.promote_types(a, b)


def _combine(higher, lower):
    """PyTorch's `combine_categories`: `higher` (a stronger priority) keeps its dtype unless
    `lower` brings a higher category."""
    if higher is None:
        return lower
    if lower is None:
        return higher
    kh, kl = higher.kind, lower.kind
    if kh == "c":
        return higher
    if kl == "c":
        return np.result_type(higher, np.complex64) if kh == "f" else lower
    if kh == "f":
        return higher
    if kh == "b" or kl == "f":
        return promote_types(higher, lower)
    return higher


def _scalar_dtype(x):
    if isinstance(x, bool) or isinstance(x, np.bool_):
        return _BOOL
    if isinstance(x, (int, np.integer)):
        return _INT64
    if isinstance(x, (float, np.floating)):
        return _DEFAULT[0]
    if isinstance(x, (complex, np.complexfloating)):
        return np.dtype(np.complex64 if _DEFAULT[0] == np.float32 else np.complex128)
    raise TypeError(f"unsupported operand type {type(x).__name__}: expected a tensor or a number")


def result_type(*operands):
    """The dtype PyTorch gives an elementwise op on `operands` (tensors, arrays, scalars)."""
    dim = zero = wrapped = None
    for x in operands:
        data = getattr(x, "_data", x)
        if type(data) is _ndarray:
            dt = data.dtype
            if data.ndim:
                dim = dt if dim is None else promote_types(dim, dt)
            else:
                zero = dt if zero is None else promote_types(zero, dt)
        elif x is None:
            continue
        else:
            dt = _scalar_dtype(data)
            wrapped = dt if wrapped is None else promote_types(wrapped, dt)
    return _combine(dim, _combine(zero, wrapped))


def wrap_int(value: int, dtype) -> int:
    """The Python int `value` as PyTorch converts it to the narrow integer `dtype`: wrapped
    modulo 2**bits (``uint8 + (-3)`` adds 253, ``uint8 < -3`` compares with 253), where numpy
    raises OverflowError. 64-bit dtypes are left alone (PyTorch raises on overflow there too)."""
    if dtype.kind not in "iu" or dtype.itemsize >= 8:
        return value
    info = np.iinfo(dtype)
    if info.min <= value <= info.max:
        return value
    span = 1 << (8 * dtype.itemsize)
    value %= span
    return value - span if value > info.max else value


_C_NAMES = {"int8": "int8_t", "int16": "int16_t", "int32": "int", "uint8": "uint8_t"}


def checked_int(value, dtype):
    """The Python int `value` converted to the narrow integer `dtype` where PyTorch checks it
    (fill values, where's and clamp's scalars, pow's exponent): wrapped as `wrap_int` when it is
    within [min, max] (for unsigned types within [-max, max]), else PyTorch's RuntimeError
    (numpy raises OverflowError). Anything else comes back unchanged."""
    dtype = np.dtype(dtype)
    if type(value) is not int or dtype.kind not in "iu" or dtype.itemsize >= 8:
        return value
    info = np.iinfo(dtype)
    low = -info.max if dtype.kind == "u" else info.min
    if not low <= value <= info.max:
        raise RuntimeError(
            f"value cannot be converted to type {_C_NAMES[dtype.name]} without overflow"
        )
    return wrap_int(value, dtype)


def wrap_int_operands(arrays) -> tuple:
    """`arrays` with each Python int wrapped into the narrow integer dtype the operation computes
    in (see `wrap_int`); unchanged when there is no Python int or the dtype is not integer."""
    if not any(type(a) is int for a in arrays):
        return tuple(arrays)
    dtype = result_type(*arrays)
    return tuple(wrap_int(a, dtype) if type(a) is int else a for a in arrays)


def cast_operands(arrays, dtype):
    """`arrays` (ndarrays and scalars) converted for a numpy op computing in `dtype`: arrays cast,
    numpy scalars turned into Python numbers (numpy keeps Python numbers weak, as PyTorch), Python
    ints wrapped into a narrow integer `dtype` as PyTorch does."""
    out = []
    for a in arrays:
        if type(a) is _ndarray:
            if a.dtype != dtype:
                a = a.astype(dtype)
        elif isinstance(a, _generic):
            a = a.item()
        elif type(a) is int:
            a = wrap_int(a, dtype)
        out.append(a)
    return tuple(out)


def sequence_dtype(items) -> np.dtype:
    """PyTorch's dtype for the (flattened) items of a nested list holding tensors, arrays or
    numpy scalars: every item counts with its own dtype (Python floats as the default float
    dtype, ints as int64), so ``[np.float64(1.0)]`` is float64 and a list of int32 tensors int32
    (numpy gives float64 or int64 for all of them, which the Python-number rule then narrows)."""
    dtype = None
    for item in items:
        data = getattr(item, "_data", item)  # (a Tensor's array)
        if isinstance(data, (np.ndarray, np.generic)):
            item_dtype = data.dtype
        elif isinstance(data, bool):
            item_dtype = np.dtype(np.bool_)
        elif isinstance(data, int):
            item_dtype = np.dtype(np.int64)
        else:
            item_dtype = get_default_dtype()
        dtype = item_dtype if dtype is None else promote_types(dtype, item_dtype)
    return dtype
