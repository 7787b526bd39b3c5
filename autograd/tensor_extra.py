"""`ExtraMixin`: more `Tensor` methods programs use: `stride`, and the in-place `tril_ triu_
fill_diagonal_ floor_ round_ sign_ reciprocal_ square_ floor_divide_`, and the shift operators
(``<<``, ``>>``, ``<<=``, ``>>=``).

Each in-place method states its change out of place for `inplace.apply_inplace` to write,
count and, when needed, record (so gradients are those of the out-of-place op).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .inplace import _ops, apply_inplace

if TYPE_CHECKING:
    from .tensor import Tensor


class ExtraMixin:
    """More of PyTorch's Tensor methods (see the module docstring)."""

    __slots__ = ()

    def stride(self, dim: int | None = None):
        """The step, in elements, between neighbours along each dim (a tuple), or along `dim`:
        as PyTorch reports for contiguous tensors and views (transposes, slices, expands)."""
        data = self._data
        if data.size:
            steps = tuple(s // data.itemsize for s in data.strides)
        else:  # (numpy may give an empty array any strides; PyTorch reports contiguous ones)
            sizes = [max(n, 1) for n in data.shape]
            steps = tuple(int(np.prod(sizes[i + 1:], dtype=np.int64)) for i in range(data.ndim))
        if dim is None:
            return steps
        ops = _ops()
        d = ops.registry.normalize_dim(dim, max(data.ndim, 1))
        if data.ndim == 0:
            raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
        return steps[d]

    def tril_(self, diagonal: int = 0) -> Tensor:
        """Zero the elements above the `diagonal`-th diagonal, in place."""
        return apply_inplace(self, "tril_", lambda x: x.tril(diagonal))

    def triu_(self, diagonal: int = 0) -> Tensor:
        """Zero the elements below the `diagonal`-th diagonal, in place."""
        return apply_inplace(self, "triu_", lambda x: x.triu(diagonal))

    def fill_diagonal_(self, fill_value, wrap: bool = False) -> Tensor:
        """Set the main diagonal to `fill_value`, in place (all dims equal for more than 2 dims;
        a tall matrix restarts the diagonal every ncols + 1 rows with `wrap`)."""
        if self.ndim < 2:
            raise RuntimeError("dimensions must larger than 1")
        if self.ndim > 2 and len(set(self.shape)) != 1:
            raise RuntimeError("all dimensions of input must be of equal length")
        mask = np.zeros(self.shape, dtype=np.bool_)
        np.fill_diagonal(mask, True, wrap=wrap)
        ops = _ops()
        def fill(x):
            return ops.indexing.masked_fill(x, mask, fill_value)

        return apply_inplace(self, "fill_diagonal_", fill, reads_self=False)

    def floor_(self) -> Tensor:
        """self = floor(self), in place."""
        return apply_inplace(self, "floor_", lambda x: x.floor())

    def round_(self, decimals: int = 0) -> Tensor:
        """self = round(self, decimals) (halves to even), in place."""
        return apply_inplace(self, "round_", lambda x: x.round(decimals=decimals))

    def sign_(self) -> Tensor:
        """self = sign(self), in place."""
        return apply_inplace(self, "sign_", lambda x: x.sign())

    def reciprocal_(self) -> Tensor:
        """self = 1 / self, in place."""
        return apply_inplace(self, "reciprocal_", lambda x: x.reciprocal())

    def square_(self) -> Tensor:
        """self = self * self, in place."""
        return apply_inplace(self, "square_", lambda x: x.square())

    def floor_divide_(self, other) -> Tensor:
        """self = self // other, in place (backward through it raises, as PyTorch)."""
        return apply_inplace(self, "floor_divide_", lambda x: x.floor_divide(other), (other,))

    def __lshift__(self, other):
        """self << other (bitwise_left_shift)."""
        return _ops().api_shift_mode.bitwise_left_shift(self, other)

    def __rlshift__(self, other):
        """other << self."""
        return _ops().api_shift_mode.bitwise_left_shift(other, self)

    def __rshift__(self, other):
        """self >> other (bitwise_right_shift)."""
        return _ops().api_shift_mode.bitwise_right_shift(self, other)

    def __rrshift__(self, other):
        """other >> self."""
        return _ops().api_shift_mode.bitwise_right_shift(other, self)

    def __ilshift__(self, other):
        """self <<= other, in place."""
        return apply_inplace(self, "bitwise_left_shift_", lambda x: x << other, (other,))

    def __irshift__(self, other):
        """self >>= other, in place."""
        return apply_inplace(self, "bitwise_right_shift_", lambda x: x >> other, (other,))
