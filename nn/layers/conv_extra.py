"""Conv1d, ConvTranspose1d and ConvTranspose2d (PyTorch's arguments, shapes and initialization)."""

from __future__ import annotations

import math

import numpy as np

import autograd
from autograd import Tensor

from .. import init
from ..functional.conv_extra import _ints, conv1d, conv_transpose1d, conv_transpose2d
from ..module import Module, Parameter
from . import _args

__all__ = ["Conv1d", "ConvTranspose1d", "ConvTranspose2d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvBase(Module):
    """Channels, groups, parameters and PyTorch's default init, shared by the conv layers."""

    def _setup(self, owner, in_channels, out_channels, kernel_size, groups, bias, dtype, transposed):
        self.in_channels = _args.size(owner, "in_channels", in_channels)
        self.out_channels = _args.size(owner, "out_channels", out_channels)
        self.groups = _args.size(owner, "groups", groups)
        if self.in_channels % self.groups:
            raise ValueError("in_channels must be divisible by groups")
        if self.out_channels % self.groups:
            raise ValueError("out_channels must be divisible by groups")
        dtype = _args.param_dtype(owner, dtype)
        if transposed:
            shape = (self.in_channels, self.out_channels // self.groups, *self.kernel_size)
        else:
            shape = (self.out_channels, self.in_channels // self.groups, *self.kernel_size)
        self.weight = Parameter(np.empty(shape, dtype=dtype))
        if bias:
            self.bias = Parameter(np.empty((self.out_channels,), dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default init: weight kaiming_uniform_(a=sqrt(5)), bias U(±1/sqrt(fan_in)),
        fan_in = weight.shape[1] * prod(kernel_size)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight.shape[1] * math.prod(self.kernel_size)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def _check_input(self, input, spatial: int) -> None:
        if not isinstance(input, Tensor):
            raise TypeError(f"{self!r} expected a Tensor input, got {type(input).__name__}")
        if input.ndim not in (spatial + 1, spatial + 2) or input.shape[-spatial - 1] != self.in_channels:
            dims = "L" if spatial == 1 else "H, W"
            raise RuntimeError(
                f"{self!r} expected input of shape (N, {self.in_channels}, {dims}) or "
                f"({self.in_channels}, {dims}), got {tuple(input.shape)}"
            )

    def extra_repr(self) -> str:
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        zero = (0,) * len(self.kernel_size)
        if self.padding != zero:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * len(self.kernel_size):
            s += f", dilation={self.dilation}"
        if getattr(self, "output_padding", zero) != zero:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv1d(_ConvBase):
    """1-D convolution layer (cross-correlation): y = conv1d(x, weight, bias).

    Args:
        in_channels, out_channels: channels of input and output.
        kernel_size: int or 1-tuple.
        stride, dilation: int or 1-tuple.
        padding: int, 1-tuple, 'valid' or 'same' (stride 1 only).
        groups: independent groups of channels.
        bias: learn an additive bias per output channel.
        padding_mode: 'zeros', 'reflect', 'replicate' or 'circular'.
        device: accepted for PyTorch compatibility; dtype: parameter dtype (float32 by default).

    Shapes: (N, C_in, L) or (C_in, L) -> (N, C_out, L_out), L_out = (L + 2p - d(k - 1) - 1) // s + 1;
    weight (C_out, C_in / groups, k).
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device=None, dtype=None) -> None:
        super().__init__()
        self.kernel_size = _ints("Conv1d", "kernel_size", kernel_size, 1, 1)
        self.stride = _ints("Conv1d", "stride", stride, 1, 1)
        self.dilation = _ints("Conv1d", "dilation", dilation, 1, 1)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of ('valid', 'same')")
            if padding == "same" and self.stride != (1,):
                raise ValueError("padding='same' is not supported for strided convolutions")
            self.padding = padding
        else:
            self.padding = _ints("Conv1d", "padding", padding, 1, 0)
        if padding_mode not in _PADDING_MODES:
            raise ValueError(
                f"padding_mode must be one of {_PADDING_MODES}, but got padding_mode='{padding_mode}'"
            )
        self.padding_mode = padding_mode
        self._setup("Conv1d", in_channels, out_channels, kernel_size, groups, bias, dtype, False)

    def forward(self, input: Tensor) -> Tensor:
        """(N, C_in, L) -> (N, C_out, L_out)."""
        self._check_input(input, 1)
        if self.padding_mode == "zeros":
            return conv1d(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)
        if self.padding == "valid":
            left = right = 0
        elif self.padding == "same":
            total = self.dilation[0] * (self.kernel_size[0] - 1)
            left, right = total // 2, total - total // 2
        else:
            left = right = self.padding[0]
        padded = autograd.pad(input, (left, right), mode=self.padding_mode)
        return conv1d(padded, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)


class _ConvTransposeNd(_ConvBase):
    """Arguments, output_size handling and forward shared by the transposed convolutions."""

    _dims = 2

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 output_padding=0, groups: int = 1, bias: bool = True, dilation=1,
                 padding_mode: str = "zeros", device=None, dtype=None) -> None:
        super().__init__()
        name, n = type(self).__name__, self._dims
        self.kernel_size = _ints(name, "kernel_size", kernel_size, n, 1)
        self.stride = _ints(name, "stride", stride, n, 1)
        if isinstance(padding, str):
            raise ValueError(f"{name}: padding must be an int or a tuple, got {padding!r}")
        self.padding = _ints(name, "padding", padding, n, 0)
        self.output_padding = _ints(name, "output_padding", output_padding, n, 0)
        self.dilation = _ints(name, "dilation", dilation, n, 1)
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {name}')
        self.padding_mode = padding_mode
        self._setup(name, in_channels, out_channels, kernel_size, groups, bias, dtype, True)

    def _output_padding(self, input: Tensor, output_size) -> tuple[int, ...]:
        """PyTorch's rule: the output_padding that gives `output_size` (its last entries)."""
        if output_size is None:
            return self.output_padding
        n = self._dims
        size = [int(v) for v in output_size][-n:]
        if len(size) != n:
            raise ValueError(f"{type(self).__name__}: output_size must have {n} or more elements (got {len(size)})")
        pads = []
        for d in range(n):
            length = input.shape[input.ndim - n + d]
            smallest = ((length - 1) * self.stride[d] - 2 * self.padding[d]
                        + self.dilation[d] * (self.kernel_size[d] - 1) + 1)
            largest = smallest + self.stride[d] - 1
            if not smallest <= size[d] <= largest:
                raise ValueError(
                    f"requested an output size of {size}, but valid sizes range from "
                    f"{smallest} to {largest} (for an input of {list(input.shape[-n:])})"
                )
            pads.append(size[d] - smallest)
        return tuple(pads)

    def forward(self, input: Tensor, output_size=None) -> Tensor:
        """(N, C_in, *spatial) -> (N, C_out, *spatial_out)."""
        self._check_input(input, self._dims)
        fn = conv_transpose2d if self._dims == 2 else conv_transpose1d
        return fn(input, self.weight, self.bias, self.stride, self.padding,
                  self._output_padding(input, output_size), self.groups, self.dilation)


class ConvTranspose1d(_ConvTransposeNd):
    """1-D transposed convolution layer (the gradient of Conv1d with respect to its input).

    Args: as `ConvTranspose2d`, with ints or 1-tuples.

    Shapes: (N, C_in, L) or (C_in, L) -> (N, C_out, L_out),
    L_out = (L - 1) s - 2 p + d (k - 1) + output_padding + 1; weight (C_in, C_out / groups, k).
    `forward(input, output_size)` picks output_padding to reach `output_size` (as PyTorch).
    """

    _dims = 1


class ConvTranspose2d(_ConvTransposeNd):
    """2-D transposed convolution layer (the gradient of Conv2d with respect to its input).

    Args:
        in_channels, out_channels: channels of input and output.
        kernel_size: int or (kH, kW).
        stride, padding, dilation: int or pair (padding crops the full output on each side).
        output_padding: int or pair added to one side of the output (smaller than stride or
            dilation).
        groups: independent groups of channels.
        bias: learn an additive bias per output channel.
        padding_mode: only 'zeros' (as PyTorch).
        device: accepted for PyTorch compatibility; dtype: parameter dtype (float32 by default).

    Shapes: (N, C_in, H, W) or (C_in, H, W) -> (N, C_out, H_out, W_out) with
    H_out = (H - 1) sH - 2 pH + dH (kH - 1) + output_padding + 1; weight (C_in, C_out / groups, kH, kW).
    `forward(input, output_size)` picks output_padding to reach `output_size` (as PyTorch).
    """

    _dims = 2
