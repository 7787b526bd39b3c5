"""`finfo` and `iinfo`: the numeric limits of a dtype, as `torch.finfo` / `torch.iinfo`
(Python float / int attributes, `dtype` as its name, TypeError for the wrong kind)."""

from __future__ import annotations

import numpy as np

from .promotion import get_default_dtype

__all__ = ["finfo", "iinfo"]


def _dtype(value, fn: str) -> np.dtype:
    try:
        return np.dtype(value)
    except TypeError:
        raise TypeError(f"{fn}(): expected a dtype such as autograd.float32, got {type(value).__name__}") from None


class finfo:
    """Limits of a floating dtype (default: the default dtype): `bits`, `eps` (1 ulp at 1.0),
    `max`, `min` (= -max), `tiny` / `smallest_normal` (smallest positive normal), `resolution`
    (10**-precision) and `dtype` (its name)."""

    def __init__(self, type=None) -> None:
        if type is None:
            type = get_default_dtype()
        d = _dtype(type, "finfo")
        if d.kind != "f":
            raise TypeError(
                f"finfo() requires a floating point input type ({d} is not); use autograd.iinfo "
                "for integer types"
            )
        info = np.finfo(d)
        self.bits = int(info.bits)
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = float(info.min)
        self.tiny = self.smallest_normal = float(info.smallest_normal)
        self.resolution = 10.0 ** -int(info.precision)  # (exact: numpy rounds it to the dtype)
        self.dtype = d.name

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, "
                f"dtype={self.dtype})")


class iinfo:
    """Limits of an integer dtype: `bits`, `max`, `min` (Python ints) and `dtype` (its name);
    bool has none (TypeError, as PyTorch)."""

    def __init__(self, type) -> None:
        d = _dtype(type, "iinfo")
        if d.kind == "b":
            raise TypeError("bool is not supported by iinfo")
        if d.kind not in "iu":
            raise TypeError(
                f"iinfo() requires an integer input type ({d} is not); use autograd.finfo for "
                "floating point types"
            )
        info = np.iinfo(d)
        self.bits = int(info.bits)
        self.max = int(info.max)
        self.min = int(info.min)
        self.dtype = d.name

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
