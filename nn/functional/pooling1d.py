"""max_pool1d, avg_pool1d, adaptive_avg_pool1d, adaptive_max_pool1d: the 2-D pools of
`pooling.py` over a height-1 image ((N, C, L) -> (N, C, 1, L)), so their gradients, NaN handling
and output sizes are the 2-D ones."""

from __future__ import annotations

from autograd import Tensor

from .conv_extra import _ints
from .pooling import adaptive_avg_pool2d, adaptive_max_pool2d, avg_pool2d, max_pool2d

__all__ = ["adaptive_avg_pool1d", "adaptive_max_pool1d", "avg_pool1d", "max_pool1d"]

_TORCH_NAMES = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _lift(fn: str, input) -> Tensor:
    """(N, C, L) or (C, L) -> (N, C, 1, L) or (C, 1, L)."""
    x = input if isinstance(input, Tensor) else Tensor(input)
    if x.ndim not in (2, 3):
        raise RuntimeError(
            f"{fn}: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for input, "
            f"but got:{list(x.shape)}"
        )
    return x.unsqueeze(-2)


def _drop(out):
    if isinstance(out, tuple):
        return tuple(o.squeeze(-2) for o in out)
    return out.squeeze(-2)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """1-D max pooling: out[n, c, l] = max over the window of the (-inf padded) input.

    Args:
        input: (N, C, L) or (C, L), floating (integer only with return_indices, as PyTorch).
        kernel_size, stride (default kernel_size), padding (at most half the kernel), dilation:
            ints or 1-tuples.
        ceil_mode: round the output size up.
        return_indices: also return the int64 position of each maximum along L.
    Returns:
        (N, C, L_out), L_out = floor_or_ceil((L + 2p - d*(k - 1) - 1) / s) + 1.
    """
    fn = "max_pool1d"
    x = _lift(fn, input)
    if x.dtype.kind != "f" and not return_indices:
        # NOTE: as PyTorch, whose integer support goes through the with-indices kernel only
        name = _TORCH_NAMES.get(x.dtype.name, x.dtype.name)
        raise NotImplementedError(f'"max_pool1d_impl" not implemented for \'{name}\'')
    (k,) = _ints(fn, "kernel_size", kernel_size, 1, 1)
    s = k if stride is None or stride == () else _ints(fn, "stride", stride, 1, 1)[0]
    (p,) = _ints(fn, "padding", padding, 1, 0)
    (d,) = _ints(fn, "dilation", dilation, 1, 1)
    return _drop(max_pool2d(x, (1, k), (1, s), (0, p), (1, d), ceil_mode, return_indices))


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """1-D average pooling: out = (sum of the zero-padded window) / divisor (see `avg_pool2d`).

    Args:
        input: (N, C, L) or (C, L).
        kernel_size, stride (default kernel_size), padding: ints or 1-tuples.
        ceil_mode: round the output size up.
        count_include_pad: count padded positions in the divisor.
    Returns:
        (N, C, L_out).
    """
    fn = "avg_pool1d"
    x = _lift(fn, input)
    (k,) = _ints(fn, "kernel_size", kernel_size, 1, 1)
    s = k if stride is None or stride == () else _ints(fn, "stride", stride, 1, 1)[0]
    (p,) = _ints(fn, "padding", padding, 1, 0)
    return _drop(avg_pool2d(x, (1, k), (1, s), (0, p), ceil_mode, count_include_pad))


def adaptive_avg_pool1d(input, output_size) -> Tensor:
    """Mean over adaptive bins [floor(i L / out), ceil((i + 1) L / out)): (N, C, L) -> (N, C, out)."""
    (size,) = _ints("adaptive_avg_pool1d", "output_size", output_size, 1, 1)
    return _drop(adaptive_avg_pool2d(_lift("adaptive_avg_pool1d", input), (1, size)))


def adaptive_max_pool1d(input, output_size, return_indices: bool = False):
    """Max over adaptive bins (as `adaptive_avg_pool1d`); with `return_indices`, also the int64
    position of each maximum along L."""
    (size,) = _ints("adaptive_max_pool1d", "output_size", output_size, 1, 1)
    return _drop(adaptive_max_pool2d(_lift("adaptive_max_pool1d", input), (1, size), return_indices))
