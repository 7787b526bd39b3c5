"""conv1d, conv_transpose1d and conv_transpose2d, all on the conv2d machinery of `conv.py`.

- conv1d is conv2d over a height-1 image: (N, C, L) -> (N, C, 1, L), kernel (O, C/g, 1, k);
  conv_transpose1d is conv_transpose2d over such an image.
- conv_transpose2d is the gradient of conv2d with respect to its input: the `CONV2D_INPUT_GRAD`
  primitive (col2im of Wᵀ @ g, or a correlation with the flipped kernel at stride 1), whose VJPs
  are conv2d and its weight gradient, so every order of gradient is exact and no Python loop
  runs over batch items or pixels.
"""

from __future__ import annotations

import numpy as np

import autograd
from autograd import Tensor

from .conv import CONV2D_INPUT_GRAD, Geometry, as_tensor, conv2d

__all__ = ["conv1d", "conv_transpose1d", "conv_transpose2d"]


def _ints(fn: str, name: str, value, n: int, minimum: int) -> tuple[int, ...]:
    """An int or an n-sequence of ints (each >= minimum) -> n-tuple; raise naming `fn` otherwise."""
    items = tuple(value) if isinstance(value, (tuple, list)) else (value,) * n
    ok = len(items) == n and all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= minimum for v in items
    )
    if not ok:
        kind = "positive" if minimum >= 1 else "non-negative"
        what = "an int" if n == 1 else f"an int or a {n}-tuple of ints"
        raise ValueError(f"{fn}: {name} must be {what}, each {kind}, got {value!r}")
    return tuple(int(v) for v in items)


def _check_groups(fn: str, groups) -> int:
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups < 1:
        raise ValueError(f"{fn}: groups must be a positive int, got {groups!r}")
    return int(groups)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups: int = 1) -> Tensor:
    """1-D cross-correlation: out[n, o, l] = b[o] + sum_{c, k} w[o, c, k] * xp[n, c, s*l + d*k].

    Args:
        input: (N, C_in, L), or (C_in, L) for a single sequence.
        weight: (C_out, C_in / groups, k).
        bias: (C_out,) or None.
        stride, dilation: int or 1-tuple.
        padding: int, 1-tuple, 'valid' or 'same' (stride 1 only; an odd total pads one more on
            the right, as PyTorch).
        groups: split input and output channels into this many independent convolutions.
    Returns:
        (N, C_out, L_out) with L_out = (L + 2p - d*(k - 1) - 1) // s + 1 ((C_out, L_out) unbatched).
    """
    x = as_tensor("conv1d", "input", input)
    weight = as_tensor("conv1d", "weight", weight)
    if x.ndim not in (2, 3):
        raise RuntimeError(
            f"conv1d: expected 2-D (C, L) or 3-D (N, C, L) input, got shape {tuple(x.shape)}"
        )
    if weight.ndim != 3:
        raise RuntimeError(
            f"conv1d: weight must be 3-D (out_channels, in_channels/groups, k), got shape "
            f"{tuple(weight.shape)}"
        )
    groups = _check_groups("conv1d", groups)
    unbatched = x.ndim == 2
    if unbatched:
        x = x.unsqueeze(0)
    if x.shape[1] != weight.shape[1] * groups:
        raise RuntimeError(
            f"conv1d: given groups={groups}, weight of size {list(weight.shape)}, expected "
            f"input{list(x.shape)} to have {weight.shape[1] * groups} channels, but got "
            f"{x.shape[1]} channels instead"
        )
    (s,) = _ints("conv1d", "stride", stride, 1, 1)
    (d,) = _ints("conv1d", "dilation", dilation, 1, 1)
    if isinstance(padding, str):
        pad2 = padding
    else:
        pad2 = (0, _ints("conv1d", "padding", padding, 1, 0)[0])
    out = conv2d(x.unsqueeze(2), weight.unsqueeze(2), bias, (1, s), pad2, (1, d), groups)
    out = out.squeeze(2)
    return out.squeeze(0) if unbatched else out


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups: int = 1, dilation=1) -> Tensor:
    """2-D transposed convolution (the gradient of conv2d with respect to its input).

    out[n, c, s*h + d*i - p, s*w + d*j - p] += x[n, o, h, w] * weight[o, c, i, j] (per group),
    plus bias[c]; positions outside [0, H_out) x [0, W_out) are dropped.

    Args:
        input: (N, C_in, H, W), or (C_in, H, W) for a single image.
        weight: (C_in, C_out / groups, kH, kW).
        bias: (C_out,) or None.
        stride, dilation: int or pair.
        padding: int or pair: the padding of the conv2d this transposes, so `padding` rows and
            columns are cropped from each border of the full transposed output.
        output_padding: int or pair added to one side of the output size; each must be smaller
            than the stride or the dilation of its dimension.
        groups: independent groups of channels.
    Returns:
        (N, C_out, H_out, W_out), H_out = (H - 1)*sH - 2 pH + dH*(kH - 1) + output_padding + 1.
    """
    fn = "conv_transpose2d"
    x = as_tensor(fn, "input", input)
    weight = as_tensor(fn, "weight", weight)
    bias = None if bias is None else as_tensor(fn, "bias", bias)
    if x.ndim not in (3, 4):
        raise RuntimeError(f"{fn}: expected 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape {tuple(x.shape)}")
    if weight.ndim != 4:
        raise RuntimeError(
            f"{fn}: weight must be 4-D (in_channels, out_channels/groups, kH, kW), got shape "
            f"{tuple(weight.shape)}"
        )
    groups = _check_groups(fn, groups)
    unbatched = x.ndim == 3
    if unbatched:
        x = x.unsqueeze(0)
    n, c_in, h, w = x.shape
    if c_in != weight.shape[0] or c_in % groups:
        raise RuntimeError(
            f"{fn}: given transposed=1, weight of size {list(weight.shape)}, expected input"
            f"{list(x.shape)} to have {weight.shape[0]} channels, but got {c_in} channels instead"
            + (f" (and in_channels must be divisible by groups={groups})" if c_in % groups else "")
        )
    if x.dtype != weight.dtype or (bias is not None and bias.dtype != weight.dtype):
        raise TypeError(f"{fn}: input, weight and bias must share one dtype, got {x.dtype} and {weight.dtype}")
    c_out = weight.shape[1] * groups
    if bias is not None and tuple(bias.shape) != (c_out,):
        raise RuntimeError(f"{fn}: bias must have shape ({c_out},), got {tuple(bias.shape)}")
    s = _ints(fn, "stride", stride, 2, 1)
    p = _ints(fn, "padding", padding, 2, 0)
    op = _ints(fn, "output_padding", output_padding, 2, 0)
    d = _ints(fn, "dilation", dilation, 2, 1)
    if any(o >= ss and o >= dd for o, ss, dd in zip(op, s, d)):
        raise RuntimeError(
            f"output padding must be smaller than either stride or dilation, but got "
            f"output_padding_height: {op[0]} output_padding_width: {op[1]} stride_height: {s[0]} "
            f"stride_width: {s[1]} dilation_height: {d[0]} dilation_width: {d[1]}"
        )
    kh, kw = weight.shape[2:]
    size = [(length - 1) * ss - 2 * pp + dd * (k - 1) + oo + 1
            for length, ss, pp, dd, k, oo in ((h, s[0], p[0], d[0], kh, op[0]), (w, s[1], p[1], d[1], kw, op[1]))]
    if min(size) < 1:
        raise RuntimeError(f"{fn}: output size {tuple(size)} is too small (input shape {tuple(x.shape)})")
    # NOTE: the conv2d being transposed pads p before and p - output_padding after, so that it
    # maps the (H_out, W_out) output back to exactly (H, W); where that is negative, it reads a
    # cropped image, and the cropped rows (which no input reaches) are zeros
    crop = (max(op[0] - p[0], 0), max(op[1] - p[1], 0))
    geom = Geometry(n, c_out, size[0] - crop[0], size[1] - crop[1], kh, kw, s[0], s[1], d[0], d[1],
                    p[0], p[0] - op[0] + crop[0], p[1], p[1] - op[1] + crop[1], groups)
    out = CONV2D_INPUT_GRAD(x, weight, geom=geom)
    if crop != (0, 0):
        out = autograd.pad(out, (0, crop[1], 0, crop[0]))
    if bias is not None:
        out = out + bias.reshape(c_out, 1, 1)
    return out.squeeze(0) if unbatched else out


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups: int = 1, dilation=1) -> Tensor:
    """1-D transposed convolution (the gradient of conv1d with respect to its input).

    Args:
        input: (N, C_in, L), or (C_in, L) for a single sequence.
        weight: (C_in, C_out / groups, k).
        bias: (C_out,) or None.
        stride, padding, output_padding, dilation: int or 1-tuple (as `conv_transpose2d`).
        groups: independent groups of channels.
    Returns:
        (N, C_out, L_out), L_out = (L - 1)*s - 2p + d*(k - 1) + output_padding + 1.
    """
    fn = "conv_transpose1d"
    x = as_tensor(fn, "input", input)
    weight = as_tensor(fn, "weight", weight)
    if x.ndim not in (2, 3):
        raise RuntimeError(f"{fn}: expected 2-D (C, L) or 3-D (N, C, L) input, got shape {tuple(x.shape)}")
    if weight.ndim != 3:
        raise RuntimeError(
            f"{fn}: weight must be 3-D (in_channels, out_channels/groups, k), got shape {tuple(weight.shape)}"
        )
    (s,) = _ints(fn, "stride", stride, 1, 1)
    (p,) = _ints(fn, "padding", padding, 1, 0)
    (op,) = _ints(fn, "output_padding", output_padding, 1, 0)
    (d,) = _ints(fn, "dilation", dilation, 1, 1)
    out = conv_transpose2d(x.unsqueeze(-2), weight.unsqueeze(2), bias, (1, s), (0, p), (0, op), groups, (1, d))
    return out.squeeze(-2)
