"""MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, AdaptiveMaxPool2d."""

from __future__ import annotations

from autograd import Tensor

from ..functional import _checks
from ..functional.pooling import adaptive_avg_pool2d, adaptive_max_pool2d, avg_pool2d, max_pool2d
from ..module import Module

__all__ = ["AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "AvgPool2d", "MaxPool2d"]


class MaxPool2d(Module):
    """Max over sliding windows (see `F.max_pool2d`); stride defaults to kernel_size.

    Args:
        kernel_size: int or (kH, kW).
        stride: int or (sH, sW); None means `kernel_size`.
        padding: int or pair, at most half the kernel (padded with -inf).
        dilation: int or pair: spacing between window taps.
        return_indices: forward returns (output, flat indices of the maxima).
        ceil_mode: round the output size up.

    Shapes: (N, C, H, W) -> (N, C, H_out, W_out), H_out = floor((H + 2p - d(k - 1) - 1) / s) + 1.
    """

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices: bool = False,
                 ceil_mode: bool = False) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def forward(self, input: Tensor):
        """(N, C, H, W) -> (N, C, H_out, W_out)."""
        _checks.tensor_input("MaxPool2d", input)
        return max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                          ceil_mode=self.ceil_mode, return_indices=self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool2d(Module):
    """Mean over sliding windows (see `F.avg_pool2d`); stride defaults to kernel_size.

    Args:
        kernel_size: int or (kH, kW).
        stride: int or (sH, sW); None means `kernel_size`.
        padding: int or pair, at most half the kernel (zeros).
        ceil_mode: round the output size up.
        count_include_pad: count padded zeros in the divisor.
        divisor_override: divide every window sum by this instead.

    Shapes: (N, C, H, W) -> (N, C, H_out, W_out), H_out = floor((H + 2p - k) / s) + 1.
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override=None) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input: Tensor) -> Tensor:
        """(N, C, H, W) -> (N, C, H_out, W_out)."""
        _checks.tensor_input("AvgPool2d", input)
        return avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                          self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average over adaptive bins to a fixed output size (see `F.adaptive_avg_pool2d`).

    Args:
        output_size: int, (Ho, Wo), or a pair with None to keep that input size.

    Shapes: (N, C, H, W) -> (N, C, Ho, Wo).
    """

    def __init__(self, output_size) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:
        """(N, C, H, W) -> (N, C, Ho, Wo)."""
        return adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool2d(Module):
    """Max over adaptive bins to a fixed output size (see `F.adaptive_max_pool2d`).

    Args:
        output_size: int, (Ho, Wo), or a pair with None to keep that input size.
        return_indices: forward returns (output, flat indices of the maxima).

    Shapes: (N, C, H, W) -> (N, C, Ho, Wo).
    """

    def __init__(self, output_size, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def forward(self, input: Tensor):
        """(N, C, H, W) -> (N, C, Ho, Wo)."""
        return adaptive_max_pool2d(input, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
