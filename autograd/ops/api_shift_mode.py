"""Integer bit shifts (`bitwise_left_shift`, `bitwise_right_shift`, the ``<<`` and ``>>``
operators) and `mode`, as PyTorch computes them (shifts past the width included)."""

from __future__ import annotations

import numpy as np

from ..promotion import result_type, wrap_int
from .reduction import _extreme_with_indices
from .registry import Const, Sample, register
from .support import array_of, new_tensor, return_type

_FLOAT_NAMES = {"float16": "Half", "float32": "Float", "float64": "Double", "bool": "Bool"}


def _shift(name, input, other, left: bool):
    a, b = array_of(input), other if type(other) is int else array_of(other)
    dtype = result_type(a, b)
    if dtype.kind not in "iu":
        shown = _FLOAT_NAMES.get(dtype.name, dtype.name)
        raise NotImplementedError(f'"{name}_cpu" not implemented for \'{shown}\'')
    if isinstance(a, np.ndarray):
        a = a.astype(dtype, copy=False)
    else:
        a = np.asarray(wrap_int(a, dtype), dtype)
    b = np.asarray(wrap_int(b, dtype) if type(b) is int else b).astype(dtype, copy=False)
    bits = 8 * dtype.itemsize
    # a shift by a negative amount or by the width or more: PyTorch gives 0 (left) or the sign
    # fill (right), where C (and numpy) leave it undefined
    over = (b < 0) | (b >= bits)
    safe = np.where(over, 0, b)
    if left:
        out = np.where(over, 0, np.left_shift(a, safe))
    else:
        out = np.where(over, np.where(a < 0, -1, 0), np.right_shift(a, safe))
    return new_tensor(np.asarray(out).astype(dtype, copy=False))


@register("bitwise_left_shift", ref=lambda a, b: np.left_shift(a, b), differentiable=False,
          samples=[Sample(Const(np.array([1, -8, 3])), Const(np.array([2, 1, 70])))])
def bitwise_left_shift(input, other):
    """``input << other`` for integer tensors (0 where the shift is negative or at least the
    width, as PyTorch); no gradient."""
    return _shift("lshift", input, other, True)


@register("bitwise_right_shift", ref=lambda a, b: np.right_shift(a, b), differentiable=False,
          samples=[Sample(Const(np.array([1, -8, 3])), Const(np.array([2, 1, 1])))])
def bitwise_right_shift(input, other):
    """``input >> other`` for integer tensors (the sign fill where the shift is negative or at
    least the width, as PyTorch); no gradient."""
    return _shift("rshift", input, other, False)


def _mode_indices(data, axis):
    """Per slice along `axis`: the index of the last occurrence of the most frequent value
    (the smallest one among equally frequent values), as PyTorch's mode."""
    moved = np.moveaxis(data, axis, -1)
    rows = moved.reshape(-1, moved.shape[-1])
    out = np.empty(rows.shape[0], dtype=np.int64)
    for r, row in enumerate(rows):
        values, counts = np.unique(row, return_counts=True)
        best = values[np.argmax(counts)]  # (np.unique sorts: the first maximum is the smallest)
        if best != best:  # NaNs count as one value (PyTorch's [nan, 1, nan] gives nan at 0)
            out[r] = np.flatnonzero(np.isnan(row))[0]
        else:
            out[r] = np.flatnonzero(row == best)[-1]
    return out.reshape(moved.shape[:-1])


def _mode_ref(x, dim=-1, keepdim=False):
    idx = np.expand_dims(_mode_indices(x, dim), dim)
    values = np.take_along_axis(x, idx, axis=dim)
    return (values, idx) if keepdim else (values.squeeze(dim), idx.squeeze(dim))


@register("mode", ref=_mode_ref, smooth=False,
          samples=[Sample((3, 5)), Sample((4, 2), 0, keepdim=True)])
def mode(input, dim: int = -1, keepdim: bool = False):
    """The most frequent value along `dim` (the smallest among ties) and the index of its last
    occurrence, as a ``(values, indices)`` pair; the gradient flows to that element."""
    result = _extreme_with_indices(input, dim, keepdim, _mode_indices, None)
    return return_type("mode")(*result)
