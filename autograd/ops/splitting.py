"""Split a tensor into pieces: split, chunk, unbind. Each piece is a view of the input (a slice
along `dim`); backward writes the pieces' gradients side by side (zeros for pieces that got none).

The backward is one custom multi-output node (`autograd.Function`), so this module sits above the
op table's seam (tensor.py imports ops.shape at its end; ops.shape must not need `Function`)."""

from __future__ import annotations

import numpy as np

from ..function import Function
from .indexing import GETITEM_OP
from .registry import Sample, mark_view, normalize_dim, register
from .shape import cat


def _split_ref(x, size, dim=0):
    n = x.shape[dim]
    if isinstance(size, int):
        bounds = list(range(size, n, size))
    else:
        bounds = list(np.cumsum(size)[:-1])
    return tuple(np.split(x, bounds, axis=dim))


@register("split", ref=_split_ref,
          samples=[Sample((5, 3), 2), Sample((5, 3), [1, 4]), Sample((2, 6), 3, dim=1)])
def split(tensor, split_size_or_sections, dim=0):
    """Split into chunks of `split_size` (last may be smaller) or of the listed sizes."""
    d = normalize_dim(dim, tensor.ndim)
    n = tensor.shape[d]
    if isinstance(split_size_or_sections, int):
        size = split_size_or_sections
        if size <= 0:
            raise ValueError(f"split: split_size must be positive, got {size}")
        sizes = [min(size, n - start) for start in range(0, n, size)] or [0]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != n:
            raise RuntimeError(f"split: sizes {sizes} do not add up to {n} (dim {dim})")
    pieces = _Split.apply(tensor, tuple(sizes), d)
    start = 0
    for piece, n in zip(pieces, sizes):
        # each piece is a view of the input (a slice along dim): one memory, one version counter
        key = (slice(None),) * d + (slice(start, start + n),)
        mark_view(piece, tensor, ((GETITEM_OP, {"key": key}),), multi_output=True)
        start += n
    return pieces


class _Split(Function):
    """d split(x)/dx: the pieces' gradients side by side along dim (zeros for unused pieces)."""

    @staticmethod
    def forward(ctx, x, sizes, dim):
        ctx.dim, ctx.shape, ctx.dtype = dim, x.shape, x.dtype
        ctx.bounds = np.cumsum(sizes)
        ctx.set_materialize_grads(False)  # a piece without gradient is a zero slice, not a zeros
        return tuple(np.split(x._data, ctx.bounds[:-1], axis=dim))

    @staticmethod
    def backward(ctx, *grads):
        if any(g is not None and g.requires_grad for g in grads):  # create_graph: differentiable
            zeros = [np.zeros(_piece_shape(ctx, k), ctx.dtype) if g is None else g
                     for k, g in enumerate(grads)]
            return cat(zeros, dim=ctx.dim), None, None
        # NOTE: each gradient is copied once into its slice, and a piece without one is a zero
        # slice (was: a zeros array per such piece, then `cat`): W7's qkv split fwd+bwd 245 ->
        # 238 us, unbind of a (64, 32, 256) input with one piece used 1040 -> 765 us
        dx = np.empty(ctx.shape, ctx.dtype)
        start = 0
        for g, stop in zip(grads, ctx.bounds.tolist()):
            piece = dx[(slice(None),) * ctx.dim + (slice(start, stop),)]
            if g is None:
                piece.fill(0)
            else:
                np.copyto(piece, g._data)
            start = stop
        return dx, None, None


def _piece_shape(ctx, k: int) -> tuple:
    """The shape of piece k of the split input (its size along ctx.dim from ctx.bounds)."""
    start = ctx.bounds[k - 1] if k else 0
    shape = list(ctx.shape)
    shape[ctx.dim] = int(ctx.bounds[k] - start)
    return tuple(shape)


@register("unbind", ref=lambda x, dim=0: tuple(np.moveaxis(x, dim, 0)),
          samples=[Sample((3, 4)), Sample((2, 3, 4), dim=1)])
def unbind(input, dim=0):
    """The slices along `dim`, with that dim removed (as a tuple)."""
    d = normalize_dim(dim, input.ndim)
    return tuple(piece.squeeze(d) for piece in split(input, 1, d))


@register("chunk", ref=lambda x, chunks, dim=0: _split_ref(x, -(-x.shape[dim] // chunks), dim),
          samples=[Sample((6, 2), 3), Sample((5, 2), 2), Sample((2, 7), 3, dim=1)])
def chunk(input, chunks, dim=0):
    """Split into `chunks` nearly equal pieces (the last may be smaller), as PyTorch."""
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    n = input.shape[normalize_dim(dim, input.ndim)]
    if n == 0:  # PyTorch: `chunks` empty pieces
        return split(input, [0] * chunks, dim)
    return split(input, max(-(-n // chunks), 1), dim)
