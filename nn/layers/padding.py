"""Padding layers: ZeroPad, ConstantPad, ReflectionPad, ReplicationPad, CircularPad in 1, 2 and 3
dims, each `F.pad(input, padding, mode, value)` over the last 1, 2 or 3 dims, as PyTorch's.

`padding` is an int (the same on every side) or a tuple of 2·d ints ordered from the last dim
(left, right, top, bottom, front, back); negative amounts crop. Input: (C, *spatial) or
(N, C, *spatial); an output side is input + both paddings.
"""

from __future__ import annotations

from autograd import Tensor, pad

from ..module import Module

__all__ = [
    "CircularPad1d", "CircularPad2d", "CircularPad3d", "ConstantPad1d", "ConstantPad2d",
    "ConstantPad3d", "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d",
    "ReplicationPad2d", "ReplicationPad3d", "ZeroPad1d", "ZeroPad2d", "ZeroPad3d",
]


class _PadNd(Module):
    dims: int = 1
    mode: str = "constant"

    def __init__(self, padding: int | tuple[int, ...]) -> None:
        super().__init__()
        name = type(self).__name__
        if isinstance(padding, int):
            padding = (padding,) * (2 * self.dims)
        padding = tuple(padding)
        if len(padding) != 2 * self.dims or not all(isinstance(p, int) for p in padding):
            raise ValueError(
                f"{name}: padding must be an int or a tuple of {2 * self.dims} ints "
                f"(left, right, ... from the last dim), got {padding!r}"
            )
        self.padding = padding

    def forward(self, input: Tensor) -> Tensor:
        """`F.pad(input, self.padding, mode)` over the last `dims` dims."""
        if input.ndim not in (self.dims + 1, self.dims + 2):
            _wrong_dims(type(self).__name__, self.dims, self.mode, input)
        return pad(input, self.padding, self.mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


def _wrong_dims(name: str, dims: int, mode: str, input: Tensor) -> None:
    """Raise PyTorch's error for an input without (N,) C and `dims` spatial dims: ValueError
    from the circular layers, RuntimeError or NotImplementedError from F.pad for the others."""
    want = f"expected {dims + 1}D or {dims + 2}D input ((C, *spatial) or (N, C, *spatial))"
    got = f"got {input.ndim}D input of shape {tuple(input.shape)}"
    if mode == "circular":
        raise ValueError(f"{name}: {want}, {got}")
    if dims > input.ndim:
        raise RuntimeError(
            f"{name}: Padding length should be less than or equal to two times the input "
            f"dimension but got padding length {2 * dims} and input of dimension {input.ndim}"
        )
    raise NotImplementedError(f"{name}: padding size {2 * dims} is not supported: {want}, {got}")


class _ConstantPadNd(_PadNd):
    def __init__(self, padding: int | tuple[int, ...], value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        """`F.pad(input, self.padding, "constant", self.value)`."""
        return pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


def _constant(name: str, dims: int) -> type:
    doc = f"Pad the last {dims} dim(s) with the constant `value` (`F.pad(mode='constant')`)."
    return type(name, (_ConstantPadNd,), {"dims": dims, "__doc__": doc, "__module__": __name__})


def _zero(name: str, dims: int) -> type:
    def __init__(self, padding: int | tuple[int, ...]) -> None:
        _ConstantPadNd.__init__(self, padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"

    doc = f"Pad the last {dims} dim(s) with zeros (`ConstantPad{dims}d(padding, 0.0)`)."
    return type(name, (_ConstantPadNd,), {"dims": dims, "__init__": __init__, "extra_repr": extra_repr,
                                          "__doc__": doc, "__module__": __name__})


def _moded(name: str, dims: int, mode: str, what: str) -> type:
    doc = f"Pad the last {dims} dim(s) {what} (`F.pad(mode='{mode}')`)."
    return type(name, (_PadNd,), {"dims": dims, "mode": mode, "__doc__": doc, "__module__": __name__})


_REFLECT = "with the reflection of the input (the edge itself not repeated)"
_REPLICATE = "by repeating the edge values"
_CIRCULAR = "by wrapping around (the other end's values)"

ConstantPad1d = _constant("ConstantPad1d", 1)
ConstantPad2d = _constant("ConstantPad2d", 2)
ConstantPad3d = _constant("ConstantPad3d", 3)
ZeroPad1d = _zero("ZeroPad1d", 1)
ZeroPad2d = _zero("ZeroPad2d", 2)
ZeroPad3d = _zero("ZeroPad3d", 3)
ReflectionPad1d = _moded("ReflectionPad1d", 1, "reflect", _REFLECT)
ReflectionPad2d = _moded("ReflectionPad2d", 2, "reflect", _REFLECT)
ReflectionPad3d = _moded("ReflectionPad3d", 3, "reflect", _REFLECT)
ReplicationPad1d = _moded("ReplicationPad1d", 1, "replicate", _REPLICATE)
ReplicationPad2d = _moded("ReplicationPad2d", 2, "replicate", _REPLICATE)
ReplicationPad3d = _moded("ReplicationPad3d", 3, "replicate", _REPLICATE)
CircularPad1d = _moded("CircularPad1d", 1, "circular", _CIRCULAR)
CircularPad2d = _moded("CircularPad2d", 2, "circular", _CIRCULAR)
CircularPad3d = _moded("CircularPad3d", 3, "circular", _CIRCULAR)
