"""`ConversionMixin`: a tensor's values as Python and numpy objects (`item`, `tolist`, `numpy`,
`float(t)`, `len(t)`, iteration, printing) and its dtype casts (`float()`, `long()`, ...).

`Tensor` inherits it; the casts go through `Tensor.type`, the differentiable cast in tensor.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .printing import format_tensor

if TYPE_CHECKING:
    from .tensor import Tensor


class ConversionMixin:
    """`Tensor`'s conversions to Python numbers, lists, ndarrays and other dtypes."""

    __slots__ = ()

    def is_floating_point(self) -> bool:
        """True for float dtypes."""
        return self._data.dtype.kind == "f"

    def numpy(self) -> np.ndarray:
        """The data as an ndarray (shared, not copied); raises if the tensor requires grad."""
        if self.requires_grad:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."
            )
        return self._data

    def __array__(self, dtype=None, copy=None):
        if dtype is not None and dtype != self._data.dtype:
            return self._data.astype(dtype)
        return self._data.copy() if copy else self._data

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar"
            )
        return self._data.item()

    def tolist(self):
        """The data as (nested) Python lists."""
        return self._data.tolist()

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iu" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._data.item())

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(
                f"Boolean value of Tensor with {self._data.size} values is ambiguous; "
                "use .any() or .all()"
            )
        return bool(self._data.item())

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def float(self) -> Tensor:
        """Cast to float32."""
        return self.type(np.float32)

    def double(self) -> Tensor:
        """Cast to float64."""
        return self.type(np.float64)

    def half(self) -> Tensor:
        """Cast to float16."""
        return self.type(np.float16)

    def long(self) -> Tensor:
        """Cast to int64."""
        return self.type(np.int64)

    def int(self) -> Tensor:
        """Cast to int32."""
        return self.type(np.int32)

    def bool(self) -> Tensor:
        """Cast to bool."""
        return self.type(np.bool_)

    def byte(self) -> Tensor:
        """Cast to uint8."""
        return self.type(np.uint8)

    def char(self) -> Tensor:
        """Cast to int8."""
        return self.type(np.int8)

    def short(self) -> Tensor:
        """Cast to int16."""
        return self.type(np.int16)

    def type_as(self, other: Tensor) -> Tensor:
        """Cast to `other`'s dtype."""
        return self.type(other.dtype)

    def __repr__(self) -> str:
        return format_tensor(self)

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0 and spec:
            return format(self._data.item(), spec)
        return repr(self)


_LEGACY_NAMES = {
    "float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
    "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
}


def legacy_type(dtype: np.dtype, name: str | None):
    """`Tensor.type()` with no dtype: PyTorch's type name for `dtype` ('torch.FloatTensor');
    with a name such as 'torch.DoubleTensor' (or 'torch.cuda.DoubleTensor'), that dtype."""
    if name is None:
        return f"torch.{_LEGACY_NAMES.get(np.dtype(dtype).name, np.dtype(dtype).name)}Tensor"
    short = name.rsplit(".", 1)[-1]
    for numpy_name, legacy in _LEGACY_NAMES.items():
        if short == legacy + "Tensor":
            return np.dtype(numpy_name)
    raise ValueError(f"type(): invalid type {name!r}; expected a name such as 'torch.FloatTensor'")
