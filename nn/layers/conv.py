"""Conv2d."""

from __future__ import annotations

import math

import numpy as np

import autograd
from autograd import Tensor

from .. import init
from ..functional import _checks
from ..functional.conv import conv2d, pair
from ..module import Module, Parameter

__all__ = ["Conv2d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _channels(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"Conv2d: {name} must be a positive int, got {value!r}")
    return int(value)


class Conv2d(Module):
    """2-D convolution layer (cross-correlation, as PyTorch): y = conv2d(x, weight, bias).

    Args:
        in_channels: channels C_in of the input.
        out_channels: channels C_out of the output.
        kernel_size: int or (kH, kW).
        stride: int or (sH, sW).
        padding: int, (pH, pW), 'valid' or 'same' (stride 1 only).
        dilation: int or (dH, dW).
        groups: connect input and output channels in this many independent groups.
        bias: learn an additive bias per output channel.
        padding_mode: 'zeros', 'reflect', 'replicate' or 'circular'.
        device: accepted for PyTorch compatibility (tapegrad runs on numpy).
        dtype: parameter dtype (float32 by default).

    Shapes: input (N, C_in, H, W) or (C_in, H, W) -> (N, C_out, H_out, W_out) with
    H_out = (H + 2 pH - dH (kH - 1) - 1) // sH + 1. weight (C_out, C_in / groups, kH, kW) is
    initialized by kaiming_uniform_(a=sqrt(5)) and bias by U(±1/sqrt(fan_in)), with
    fan_in = C_in / groups * kH * kW (PyTorch's `reset_parameters`).
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device=None, dtype=None) -> None:
        super().__init__()
        self.in_channels = _channels("in_channels", in_channels)
        self.out_channels = _channels("out_channels", out_channels)
        self.groups = _channels("groups", groups)
        if self.in_channels % self.groups or self.out_channels % self.groups:
            raise ValueError(
                f"Conv2d: in_channels={in_channels} and out_channels={out_channels} must both be "
                f"divisible by groups={groups}"
            )
        self.kernel_size = pair("Conv2d", "kernel_size", kernel_size)
        self.stride = pair("Conv2d", "stride", stride)
        self.dilation = pair("Conv2d", "dilation", dilation)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Conv2d: padding must be an int, a pair, 'same' or 'valid', got {padding!r}")
            if padding == "same" and self.stride != (1, 1):
                raise ValueError("Conv2d: padding='same' is not supported for strided convolutions")
            self.padding = padding
        else:
            self.padding = pair("Conv2d", "padding", padding, minimum=0)
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"Conv2d: padding_mode must be one of {_PADDING_MODES}, got {padding_mode!r}")
        self.padding_mode = padding_mode
        dtype = np.dtype(np.float32 if dtype is None else dtype)
        if dtype.kind != "f":
            raise TypeError(f"Conv2d: parameters need a floating point dtype, got {dtype}")
        shape = (self.out_channels, self.in_channels // self.groups, *self.kernel_size)
        self.weight = Parameter(np.empty(shape, dtype=dtype))
        if bias:
            self.bias = Parameter(np.empty((self.out_channels,), dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default init: weight kaiming_uniform_(a=sqrt(5)), bias U(±1/sqrt(fan_in))."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.in_channels // self.groups * self.kernel_size[0] * self.kernel_size[1]
            bound = 1 / math.sqrt(fan_in)
            init.uniform_(self.bias, -bound, bound)

    def _explicit_padding(self) -> tuple[int, int, int, int]:
        """(left, right, top, bottom) for F.pad, as PyTorch's _reversed_padding_repeated_twice."""
        if self.padding == "valid":
            return 0, 0, 0, 0
        if self.padding == "same":
            th = self.dilation[0] * (self.kernel_size[0] - 1)
            tw = self.dilation[1] * (self.kernel_size[1] - 1)
            return tw // 2, tw - tw // 2, th // 2, th - th // 2
        ph, pw = self.padding
        return pw, pw, ph, ph

    def forward(self, input: Tensor) -> Tensor:
        """(N, C_in, H, W) -> (N, C_out, H_out, W_out)."""
        _checks.tensor_input(type(self).__name__, input)
        if input.ndim not in (3, 4) or input.shape[-3] != self.in_channels:
            raise _checks.ShapeError(
                f"{self!r} expected input of shape (N, {self.in_channels}, H, W) or "
                f"({self.in_channels}, H, W), got {tuple(input.shape)}"
            )
        if self.padding_mode == "zeros":
            return conv2d(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)
        padded = autograd.pad(input, self._explicit_padding(), mode=self.padding_mode)
        return conv2d(padded, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)

    def extra_repr(self) -> str:
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0, 0):
            s += f", padding={self.padding}"
        if self.dilation != (1, 1):
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s
