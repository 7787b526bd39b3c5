"""pixel_shuffle / pixel_unshuffle (sub-pixel convolution, Shi et al. 2016): channels <-> space
rearrangements as PyTorch's, composites of reshape and permute (so the gradient moves values
back), each in the op table as "nn.functional.<name>"."""

from __future__ import annotations

import numpy as np

from autograd import Tensor
from autograd.ops.registry import Sample, register

__all__ = ["pixel_shuffle", "pixel_unshuffle"]


def _shuffle_ref(x, r):
    # independent of the implementation: out[.., c, h·r + i, w·r + j] = x[.., c·r² + i·r + j, h, w]
    c, h, w = x.shape[-3:]
    oc, oh, ow = np.meshgrid(np.arange(c // (r * r)), np.arange(h * r), np.arange(w * r), indexing="ij")
    return x[..., oc * r * r + (oh % r) * r + ow % r, oh // r, ow // r]


def _unshuffle_ref(x, r):
    c, h, w = x.shape[-3:]
    oc, oh, ow = np.meshgrid(np.arange(c * r * r), np.arange(h // r), np.arange(w // r), indexing="ij")
    return x[..., oc // (r * r), oh * r + (oc % (r * r)) // r, ow * r + oc % r]


def _check(name: str, input: Tensor, factor: int, what: str) -> None:
    if input.ndim < 3:
        raise RuntimeError(
            f"{name} expects input to have at least 3 dimensions, but got input with {input.ndim} dimension(s)"
        )
    if factor <= 0:
        raise RuntimeError(f"{name} expects {what} to be greater than 0, but got: {factor}")


@register("nn.functional.pixel_shuffle", ref=lambda x, r: _shuffle_ref(x, r), method=False,
          samples=[Sample((1, 8, 2, 3), 2), Sample((2, 3, 9, 2, 2), 3), Sample((4, 1, 2), 1)])
def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """(*, C·r², H, W) -> (*, C, H·r, W·r) with r = upscale_factor: channel c·r² + i·r + j
    goes to pixel (h·r + i, w·r + j) of output channel c."""
    r = int(upscale_factor)
    _check("pixel_shuffle", input, r, "upscale_factor")
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(
            f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
            f"upscale_factor, but input.size(-3)={c} is not divisible by {r * r}"
        )
    n = len(lead)
    x = input.reshape(*lead, c // (r * r), r, r, h, w)
    x = x.permute(*range(n), n, n + 3, n + 1, n + 4, n + 2)
    return x.reshape(*lead, c // (r * r), h * r, w * r)


@register("nn.functional.pixel_unshuffle", ref=lambda x, r: _unshuffle_ref(x, r), method=False,
          samples=[Sample((1, 2, 4, 6), 2), Sample((2, 1, 3, 6, 3), 3), Sample((3, 2, 2), 1)])
def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """(*, C, H·r, W·r) -> (*, C·r², H, W), the inverse of `pixel_shuffle`."""
    r = int(downscale_factor)
    _check("pixel_unshuffle", input, r, "downscale_factor")
    *lead, c, h, w = input.shape
    if h % r or w % r:
        raise RuntimeError(
            f"pixel_unshuffle expects height and width to be divisible by downscale_factor, but got "
            f"height={h}, width={w}, downscale_factor={r}"
        )
    n = len(lead)
    x = input.reshape(*lead, c, h // r, r, w // r, r)
    x = x.permute(*range(n), n, n + 2, n + 4, n + 1, n + 3)
    return x.reshape(*lead, c * r * r, h // r, w // r)
