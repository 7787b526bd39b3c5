"""unfold (im2col) and fold (col2im) as PyTorch's: sliding blocks of a (N, C, H, W) input as
the columns of a (N, C·kh·kw, L) tensor, and their sum back into an image.

Both are composites of differentiable ops (pad, index_select, index_add, slicing), so their
gradients (each is the other's adjoint) and higher-order gradients come from the engine; both are
in the op table as "nn.functional.<name>".
"""

from __future__ import annotations

import numpy as np

from autograd import Tensor, zeros
from autograd.inplace import torch_dtype_name
from autograd.ops.registry import REGISTRY, Const, Sample, register

__all__ = ["fold", "unfold"]


def _pair(value, what: str) -> tuple[int, int]:
    """An int or a 2-sequence -> (a, b), with PyTorch's error for a sequence of another length."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise RuntimeError(f"It is expected {what} equals to 2, but got size {len(value)}")
        return int(value[0]), int(value[1])
    return int(value), int(value)


def _geometry(kernel_size, dilation, padding, stride):
    """The four (height, width) pairs, checked as PyTorch checks them."""
    k = _pair(kernel_size, "kernel_size")
    d = _pair(dilation, "dilation")
    p = _pair(padding, "padding")
    s = _pair(stride, "stride")
    if min(k) <= 0:
        raise RuntimeError(
            f"kernel size should be greater than zero, but got kernel_height: {k[0]} "
            f"kernel_width: {k[1]}"
        )
    if min(d) <= 0:
        raise RuntimeError(
            f"dilation should be greater than zero, but got dilation_height: {d[0]} "
            f"dilation_width: {d[1]}"
        )
    if min(p) < 0:
        raise RuntimeError(
            f"padding should be non-negative, but got pad_height: {p[0]} pad_width: {p[1]}"
        )
    if min(s) <= 0:
        raise RuntimeError(
            f"stride should be greater than zero, but got stride_height: {s[0]} "
            f"stride_width: {s[1]}"
        )
    return k, d, p, s


def _blocks(size, k, d, p, s) -> tuple[int, int]:
    """The number of block positions along height and width."""
    return tuple((size[i] + 2 * p[i] - d[i] * (k[i] - 1) - 1) // s[i] + 1 for i in range(2))


def _positions(padded, k, d, s, blocks) -> Tensor:
    """The flat index (into a padded H·W plane) of every (kernel row, kernel col, block row,
    block col), in that order: the order of unfold's rows (c, i, j) and columns (l)."""
    rows = (np.arange(k[0]) * d[0])[:, None] + (np.arange(blocks[0]) * s[0])[None, :]
    cols = (np.arange(k[1]) * d[1])[:, None] + (np.arange(blocks[1]) * s[1])[None, :]
    flat = rows[:, None, :, None] * padded[1] + cols[None, :, None, :]
    return Tensor(flat.reshape(-1).astype(np.int64))


def _check_float(fn: str, x: Tensor) -> None:
    if x.dtype.kind not in "fc":
        raise NotImplementedError(f'"{fn}" not implemented for \'{torch_dtype_name(x.dtype)}\'')


def _unfold_ref(x, kernel_size, dilation=1, padding=0, stride=1):
    # independent of the implementation: a loop over block positions
    k, d, p, s = (np.broadcast_to(v, 2) for v in (kernel_size, dilation, padding, stride))
    x = np.pad(x, [(0, 0)] * (x.ndim - 2) + [(p[0], p[0]), (p[1], p[1])])
    lh = (x.shape[-2] - d[0] * (k[0] - 1) - 1) // s[0] + 1
    lw = (x.shape[-1] - d[1] * (k[1] - 1) - 1) // s[1] + 1
    cols = [
        x[..., r * s[0]: r * s[0] + d[0] * (k[0] - 1) + 1: d[0],
          c * s[1]: c * s[1] + d[1] * (k[1] - 1) + 1: d[1]].reshape(*x.shape[:-2], -1)
        for r in range(lh) for c in range(lw)
    ]
    lead = x.shape[:-3]
    return np.stack(cols, -1).reshape(*lead, -1, lh * lw)


def _fold_ref(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    o, k, d, p, s = (np.broadcast_to(v, 2) for v in (output_size, kernel_size, dilation, padding,
                                                     stride))
    lead = x.shape[:-2]
    c = x.shape[-2] // (k[0] * k[1])
    lh = (o[0] + 2 * p[0] - d[0] * (k[0] - 1) - 1) // s[0] + 1
    lw = (o[1] + 2 * p[1] - d[1] * (k[1] - 1) - 1) // s[1] + 1
    out = np.zeros((*lead, c, o[0] + 2 * p[0], o[1] + 2 * p[1]), x.dtype)
    blocks = x.reshape(*lead, c, k[0], k[1], lh, lw)
    for r in range(lh):
        for q in range(lw):
            out[..., r * s[0]: r * s[0] + d[0] * (k[0] - 1) + 1: d[0],
                q * s[1]: q * s[1] + d[1] * (k[1] - 1) + 1: d[1]] += blocks[..., r, q]
    return out[..., p[0]: p[0] + o[0], p[1]: p[1] + o[1]]


@register("nn.functional.unfold", ref=_unfold_ref, method=False, samples=[
    Sample((2, 3, 4, 5), 2),
    Sample((1, 2, 5, 6), Const((2, 3)), dilation=(2, 1), padding=1, stride=(1, 2)),
    Sample((2, 4, 4), 3, padding=1, stride=2),
])
def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Extract sliding blocks: (N, C, H, W) -> (N, C·kh·kw, L), row c·kh·kw + i·kw + j holding
    input[n, c, r·sh + i·dh - ph, q·sw + j·dw - pw] (0 in the padding) at column l = r·Lw + q,
    with L = Lh·Lw and Lh = (H + 2ph - dh·(kh - 1) - 1) // sh + 1 (likewise Lw). An unbatched
    (C, H, W) input gives (C·kh·kw, L)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"unfold: input must be a Tensor, got {type(input).__name__}")
    if input.ndim < 3:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-input.ndim}, "
            f"{input.ndim - 1}], but got 2)"
        )
    if input.ndim > 4 or any(n == 0 for n in input.shape[-3:]):
        raise RuntimeError(
            "Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero "
            f"dimensions for input, but got: {list(input.shape)}"
        )
    _check_float("im2col_out_cpu", input)
    k, d, p, s = _geometry(kernel_size, dilation, padding, stride)
    size = input.shape[-2:]
    blocks = _blocks(size, k, d, p, s)
    if min(blocks) < 1:
        raise RuntimeError(
            f"Given input with spatial size {tuple(size)}, kernel_size={k}, dilation={d}, "
            f"padding={p}, calculated shape of the array of sliding blocks as {blocks}, but its "
            "components must be at least one."
        )
    x = input if input.ndim == 4 else input.unsqueeze(0)
    n, c = x.shape[:2]
    if p != (0, 0):
        x = REGISTRY["pad"].fn(x, (p[1], p[1], p[0], p[0]))
    padded = x.shape[-2:]
    cols = x.reshape(n, c, padded[0] * padded[1]).index_select(-1, _positions(padded, k, d, s, blocks))
    out = cols.reshape(n, c * k[0] * k[1], blocks[0] * blocks[1])
    return out if input.ndim == 4 else out.squeeze(0)


@register("nn.functional.fold", ref=_fold_ref, method=False, samples=[
    Sample((2, 12, 12), Const((4, 5)), 2),
    Sample((1, 12, 15), Const((5, 6)), Const((2, 3)), dilation=(2, 1), padding=1,
           stride=(1, 2)),
    Sample((9, 4), Const((3, 3)), 3, padding=1, stride=2),
])
def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Sum sliding blocks into an image, the adjoint of `unfold`: (N, C·kh·kw, L) ->
    (N, C, oH, oW), each column's values added at the positions `unfold` reads them from
    (overlapping blocks add up). An unbatched (C·kh·kw, L) input gives (C, oH, oW)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"fold: input must be a Tensor, got {type(input).__name__}")
    if input.ndim not in (2, 3) or any(n == 0 for n in input.shape[-2:]):
        raise RuntimeError(
            "Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and "
            f"non-zero dimensions for input, but got: {list(input.shape)}"
        )
    _check_float("col2im_out_cpu", input)
    o = _pair(output_size, "output_size")
    k, d, p, s = _geometry(kernel_size, dilation, padding, stride)
    x = input if input.ndim == 3 else input.unsqueeze(0)
    n, rows, length = x.shape
    if rows % (k[0] * k[1]):
        raise RuntimeError(
            "Expected size of input's dimension 1 to be divisible by the product of "
            f"kernel_size, but got input.size(1)={rows} and kernel_size={k}."
        )
    blocks = _blocks(o, k, d, p, s)
    if length != blocks[0] * blocks[1] or min(blocks) < 1:
        raise RuntimeError(
            f"Given output_size={o}, kernel_size={k}, dilation={d}, padding={p}, stride={s}, "
            "expected size of input's dimension 2 to match the calculated number of sliding "
            f"blocks {blocks[0]} * {blocks[1]} = {blocks[0] * blocks[1]}, but got "
            f"input.size(2)={length}."
        )
    c = rows // (k[0] * k[1])
    padded = (o[0] + 2 * p[0], o[1] + 2 * p[1])
    plane = zeros(n, c, padded[0] * padded[1], dtype=x.dtype)
    # NOTE: index_add sums the entries that land on one pixel (overlapping blocks)
    plane = plane.index_add_(-1, _positions(padded, k, d, s, blocks), x.reshape(n, c, -1))
    out = plane.reshape(n, c, *padded)[:, :, p[0]: p[0] + o[0], p[1]: p[1] + o[1]]
    return out if input.ndim == 3 else out.squeeze(0)
