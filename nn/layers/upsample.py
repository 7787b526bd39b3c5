"""Upsample, UpsamplingNearest2d, UpsamplingBilinear2d: layers over `F.interpolate`."""

from __future__ import annotations

from autograd import Tensor

from ..functional.interpolate import interpolate
from ..module import Module

__all__ = ["Upsample", "UpsamplingBilinear2d", "UpsamplingNearest2d"]


class Upsample(Module):
    """Resample (N, C, L) or (N, C, H, W) input to `size` or by `scale_factor` (see `F.interpolate`).

    Args:
        size: output spatial size (int or tuple); exclusive with scale_factor.
        scale_factor: multiplier (float or tuple); output = floor(in * scale_factor).
        mode: "nearest" (default), "nearest-exact", "linear" or "bilinear".
        align_corners: linear modes only (see `F.interpolate`).
        recompute_scale_factor: recompute the scale from the output size.
    """

    def __init__(self, size=None, scale_factor=None, mode: str = "nearest", align_corners=None,
                 recompute_scale_factor=None) -> None:
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, tuple):
            self.scale_factor = tuple(float(f) for f in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor is not None else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:
        """(N, C, *spatial) -> (N, C, *out_size)."""
        return interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                           recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self) -> str:
        info = f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None else f"size={self.size!r}"
        return info + f", mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """2-D nearest-neighbour upsampling: `Upsample(size, scale_factor, mode="nearest")`."""

    def __init__(self, size=None, scale_factor=None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """2-D bilinear upsampling with align_corners=True (PyTorch's definition of this layer)."""

    def __init__(self, size=None, scale_factor=None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
