"""Shape ops: reshape/view/flatten, transpose/permute, squeeze/unsqueeze, expand, cat/stack,
pad, flip, repeat, and dtype casts. Gradients only move or sum values back."""

from __future__ import annotations

import numpy as np

from ..grad_mode import STATE
from ..promotion import promote_types
from .registry import (
    NUMPY_DISPATCH,
    Const,
    Primitive,
    Sample,
    Tensor,
    ViewPrimitive,
    normalize_dim,
    pick,
    register,
)


class VariadicVJPs:
    """`vjps[i]` for an op with any number of inputs: ``fn(i, g, out, *inputs, **kwargs)``."""

    def __init__(self, fn) -> None:
        self.fn = fn

    def __getitem__(self, i):
        fn = self.fn
        return lambda g, out, *inputs, **kwargs: fn(i, g, out, *inputs, **kwargs)

    def __iter__(self):
        raise TypeError("variadic VJPs are indexed, not iterated")


def _cast_back(g, dtype):
    # a VJP of 0-d arrays can hand back a numpy scalar (np.float64), not a 0-d ndarray
    if isinstance(g, (np.ndarray, np.generic)):
        return np.asarray(g).astype(dtype, copy=False)
    return g.to(dtype)


def _cat_vjp(i, g, out, *xs, axis):
    start = int(np.sum([x.shape[axis] for x in xs[:i]], dtype=np.int64))
    index = (slice(None),) * axis + (slice(start, start + xs[i].shape[axis]),)
    return g[index]


def _stack_vjp(i, g, out, *xs, axis):
    return g[(slice(None),) * axis + (i,)]


def _repeat_vjp(g, out, x, reps):
    # out has shape reps * padded x.shape; sum each tile back onto x
    padded = (1,) * (len(reps) - x.ndim) + tuple(x.shape)
    split = []
    for r, n in zip(reps, padded):
        split += [r, n]
    summed = np.sum(np.reshape(g, tuple(split)), axis=tuple(range(0, 2 * len(reps), 2)))
    return np.reshape(summed, x.shape)


RESHAPE = ViewPrimitive(
    "reshape", lambda x, shape: np.reshape(x, shape),
    [lambda g, out, x, shape: np.reshape(g, x.shape)], "reshape moves values; gradient reshaped back",
)
PERMUTE = ViewPrimitive(
    "permute", lambda x, axes: np.transpose(x, axes),
    [lambda g, out, x, axes: np.transpose(g, tuple(np.argsort(axes)))],
    "permute moves values; gradient permuted back",
)
EXPAND = ViewPrimitive(
    "expand", lambda x, shape: np.broadcast_to(x, shape),
    [lambda g, out, x, shape: g], "d expand(x)/dx: gradient summed over the broadcast dims",
)
CAT = Primitive(
    "cat", lambda *xs, axis: np.concatenate(xs, axis=axis), VariadicVJPs(_cat_vjp),
    "cat: each input gets its slice of the gradient",
)
STACK = Primitive(
    "stack", lambda *xs, axis: np.stack(xs, axis=axis), VariadicVJPs(_stack_vjp),
    "stack: each input gets its slice of the gradient",
)
# Their VJPs only slice the gradient (reading the inputs' shapes), but they are variadic, so
# `Primitive.reads` cannot find that from the bytecode: say it, so that an in-place change to an
# input or to the result after cat/stack is no error at backward, as in PyTorch
CAT._reads = STACK._reads = ((False, ()),)
FLIP = Primitive(
    # (a copy: np.flip is a view, and PyTorch's flip result does not share its input's memory)
    "flip", lambda x, axis: np.flip(x, axis).copy(), [lambda g, out, x, axis: np.flip(g, axis)],
    "flip moves values; gradient flipped back",
)
REPEAT = Primitive(
    "repeat", lambda x, reps: np.tile(x, reps), [_repeat_vjp],
    "repeat (tile): gradient summed over the copies",
)
PAD = Primitive(
    "constant_pad", lambda x, width, value: np.pad(x, width, constant_values=value),
    [lambda g, out, x, width, value: g[tuple(slice(lo, lo + n) for (lo, _), n in zip(width, x.shape))]],
    "constant pad: gradient is the unpadded slice",
)
CAST = Primitive(
    "to", lambda x, dtype: x.astype(dtype), [lambda g, out, x, dtype: _cast_back(g, x.dtype)],
    "d cast(x)/dx = 1 (gradient cast back to x's dtype)",
)
CLONE = Primitive("clone", np.copy, [lambda g, out, x: g], "d clone(x)/dx = 1")
# (clone keeps the memory layout, as PyTorch's preserve_format; contiguous() copies row-major)
CONTIGUOUS = Primitive(
    "contiguous", lambda x: np.array(x, order="C"), [lambda g, out, x: g], "d contiguous(x)/dx = 1",
)


def _alias(input):
    """What a shape op that changes nothing returns: PyTorch's alias (a view). In grad mode that
    differs from `input` only by identity, so `input` itself saves an op; under no_grad the alias
    is a no_grad view, which behaves unlike its base (see inplace.no_grad_view), so make one."""
    if STATE.grad_enabled or not isinstance(input, Tensor):
        return input
    return RESHAPE(input, shape=tuple(input.shape))


def _shape_arg(shape) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(int(s) for s in shape)


@register("reshape", ref=lambda x, *shape: np.reshape(x, _shape_arg(shape)),
          samples=[Sample((3, 4), 2, 6), Sample((3, 4), Const((-1,))), Sample((2, 3, 4), 4, -1)],
          numpy=(np.reshape,))
def reshape(input, *shape):
    """Same data with a new shape (one dimension may be -1)."""
    shape = _shape_arg(shape)
    try:
        # a zero-stride dummy resolves -1 and validates the size without allocating
        resolved = np.broadcast_to(np.empty((), dtype=np.bool_), input.shape).reshape(shape).shape
    except ValueError:
        raise RuntimeError(
            f"reshape: shape {list(shape)} is invalid for input of shape {tuple(input.shape)} "
            f"({int(np.prod(input.shape))} elements)"
        ) from None
    return _alias(input) if resolved == tuple(input.shape) else RESHAPE(input, shape=resolved)


@register("view", ref=lambda x, *shape: np.reshape(x, _shape_arg(shape)),
          samples=[Sample((3, 4), 2, 6), Sample((3, 4), -1)])
def view(input, *shape):
    """Same data with a new shape (PyTorch's `view`; here identical to `reshape`)."""
    return reshape(input, *shape)


@register("flatten", ref=lambda x, start_dim=0, end_dim=-1: _flatten_ref(x, start_dim, end_dim),
          samples=[Sample((2, 3, 4)), Sample((2, 3, 4), start_dim=1), Sample((2, 3, 4, 5), 1, 2)])
def flatten(input, start_dim=0, end_dim=-1):
    """Merge dims `start_dim..end_dim` into one."""
    if input.ndim == 0:
        return reshape(input, 1)
    s = normalize_dim(start_dim, input.ndim)
    e = normalize_dim(end_dim, input.ndim)
    if s > e:
        raise RuntimeError(
            f"flatten() has invalid args: start_dim cannot come after end_dim (got start_dim="
            f"{start_dim}, end_dim={end_dim} for a tensor with {input.ndim} dims)"
        )
    shape = input.shape
    return reshape(input, (*shape[:s], -1, *shape[e + 1:]))


def _flatten_ref(x, s, e):
    s, e = s % x.ndim, e % x.ndim
    return x.reshape(*x.shape[:s], -1, *x.shape[e + 1:])


@register("transpose", ref=lambda x, d0, d1: np.swapaxes(x, d0, d1),
          samples=[Sample((3, 4), 0, 1), Sample((2, 3, 4), -1, 0)], numpy=(np.swapaxes,))
def transpose(input, dim0, dim1):
    """Swap dimensions `dim0` and `dim1`."""
    axes = list(range(input.ndim))
    d0, d1 = normalize_dim(dim0, input.ndim), normalize_dim(dim1, input.ndim)
    axes[d0], axes[d1] = axes[d1], axes[d0]
    return PERMUTE(input, axes=tuple(axes))


@register("permute", ref=lambda x, *dims: np.transpose(x, _shape_arg(dims)),
          samples=[Sample((2, 3, 4), 2, 0, 1), Sample((2, 3, 4), Const((1, 0, 2)))])
def permute(input, *dims):
    """Reorder dimensions: output dim i is input dim `dims[i]`."""
    dims = _shape_arg(dims)
    if sorted(d % max(input.ndim, 1) for d in dims) != list(range(input.ndim)):
        raise RuntimeError(f"permute: dims {list(dims)} do not match a tensor with {input.ndim} dims")
    return PERMUTE(input, axes=tuple(d % input.ndim for d in dims))


def _numpy_transpose(a, axes=None):
    if axes is None:
        axes = tuple(range(a.ndim - 1, -1, -1))
    return PERMUTE(a, axes=tuple(axes))


NUMPY_DISPATCH[np.transpose] = _numpy_transpose


@register("squeeze", ref=lambda x, dim=None: np.squeeze(x, dim) if dim is None or x.shape[dim] == 1 else x,
          samples=[Sample((1, 3, 1)), Sample((1, 3, 1), 0), Sample((2, 3), 1)], numpy=(np.squeeze,))
def squeeze(input, dim=None, *, axis=None):
    """Remove size-1 dims (only `dim`, if given and of size 1)."""
    dim = pick(dim, axis)
    shape = input.shape
    if dim is None:
        new = tuple(n for n in shape if n != 1)
    else:
        dims = normalize_dim(dim if isinstance(dim, (tuple, list)) else (dim,), input.ndim)
        new = tuple(n for i, n in enumerate(shape) if not (i in dims and n == 1))
    return _alias(input) if new == shape else RESHAPE(input, shape=new)


@register("unsqueeze", ref=lambda x, dim: np.expand_dims(x, dim),
          samples=[Sample((3, 4), 0), Sample((3, 4), -1), Sample((3,), 1)], numpy=(np.expand_dims,))
def unsqueeze(input, dim):
    """Insert a size-1 dim at position `dim`."""
    if isinstance(dim, (tuple, list)):
        shape = np.expand_dims(np.empty(input.shape, dtype=np.bool_), tuple(dim)).shape
        return RESHAPE(input, shape=shape)
    d = normalize_dim(dim, input.ndim + 1)
    shape = input.shape
    return RESHAPE(input, shape=(*shape[:d], 1, *shape[d:]))


def _expand_shape(input, sizes) -> tuple:
    sizes = _shape_arg(sizes)
    lead = len(sizes) - input.ndim
    if lead < 0:
        raise RuntimeError(f"expand: the number of sizes {list(sizes)} must be >= the tensor's dims {input.ndim}")
    return tuple(input.shape[i - lead] if s == -1 else s for i, s in enumerate(sizes))


@register("expand", ref=lambda x, *sizes: np.broadcast_to(x, _expand_ref_shape(x, sizes)),
          samples=[Sample((3, 1), 3, 4), Sample((1, 4), 2, -1, 4)])
def expand(input, *sizes):
    """Broadcast size-1 dims to `sizes` without copying (-1 keeps a dim)."""
    shape = _expand_shape(input, sizes)
    return broadcast_to(input, shape)


def _expand_ref_shape(x, sizes):
    lead = len(sizes) - x.ndim
    return tuple(x.shape[i - lead] if s == -1 else s for i, s in enumerate(sizes))


@register("broadcast_to", ref=np.broadcast_to, samples=[Sample((3, 1), Const((3, 4))), Sample((4,), Const((2, 3, 4)))],
          numpy=(np.broadcast_to,))
def broadcast_to(input, shape):
    """Broadcast to `shape` (numpy rules); the gradient is summed back."""
    shape = tuple(shape)
    if tuple(input.shape) == shape:
        return _alias(input)
    try:
        np.broadcast_shapes(input.shape, shape)
    except ValueError:
        raise RuntimeError(f"broadcast_to: cannot broadcast shape {tuple(input.shape)} to {shape}") from None
    return EXPAND(input, shape=shape)


def _check_same_ranks(name, tensors, dim):
    if not tensors:
        raise RuntimeError(f"{name} expects a non-empty list of tensors, got an empty one")
    first = tensors[0].shape
    for t in tensors[1:]:
        ok = len(t.shape) == len(first) and all(
            a == b for i, (a, b) in enumerate(zip(t.shape, first)) if i != dim or name == "stack"
        )
        if not ok:
            raise RuntimeError(
                f"{name}: sizes of tensors must match except in dimension {dim}; "
                f"got shapes {tuple(first)} and {tuple(t.shape)}"
            )


def _as_tensors(tensors):
    return [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]


def _promoted(tensors):
    """`tensors` cast to the dtype PyTorch's cat/stack give them all (float32 with int64 is
    float32; numpy's concatenate would give float64)."""
    dtype = tensors[0].dtype
    for t in tensors[1:]:
        dtype = promote_types(dtype, t.dtype)
    return [t if t.dtype == dtype else t.type(dtype) for t in tensors]


@register("cat", ref=lambda xs, dim=0: np.concatenate(xs, axis=dim),
          samples=[Sample([(2, 3), (4, 3)]), Sample([(2, 3), (2, 1), (2, 2)], dim=1)],
          aliases=("concatenate", "concat"), method=False, numpy=(np.concatenate,))
def cat(tensors, dim=0, *, axis=None):
    """Concatenate tensors along an existing dim."""
    if not len(tensors):
        raise ValueError("cat(): expected a non-empty list of Tensors")
    tensors = _as_tensors(tensors)
    if not tensors:
        raise ValueError("cat(): expected a non-empty list of Tensors")
    tensors = _promoted(tensors)
    # PyTorch's legacy rule: a 1-D empty tensor (`torch.tensor([])`, the usual start of a
    # `out = torch.cat([out, x])` loop) is skipped whatever the others' shapes
    tensors = [t for t in tensors if t.shape != (0,)] or tensors[:1]
    d = normalize_dim(pick(dim, axis, 0), tensors[0].ndim)
    _check_same_ranks("cat", tensors, d)
    return CAT(*tensors, axis=d)


@register("stack", ref=lambda xs, dim=0: np.stack(xs, axis=dim),
          samples=[Sample([(2, 3), (2, 3)]), Sample([(2, 3), (2, 3), (2, 3)], dim=2)],
          method=False, numpy=(np.stack,))
def stack(tensors, dim=0, *, axis=None):
    """Stack same-shaped tensors along a new dim."""
    if not len(tensors):
        raise RuntimeError("stack(): expected a non-empty list of Tensors")
    tensors = _as_tensors(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    tensors = _promoted(tensors)
    d = normalize_dim(pick(dim, axis, 0), tensors[0].ndim + 1)
    _check_same_ranks("stack", tensors, d)
    return STACK(*tensors, axis=d)


_PAD_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _pad_width(ndim, pad):
    if len(pad) % 2 or len(pad) // 2 > ndim:
        raise ValueError(f"pad: expected an even number of pads for at most {ndim} dims, got {pad}")
    width = [(0, 0)] * ndim
    for i in range(len(pad) // 2):
        width[ndim - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    return width


def _pad_ref(x, pad, mode="constant", value=0.0):
    width = _pad_width(x.ndim, pad)
    if mode == "constant":
        return np.pad(x, width, constant_values=value)
    return np.pad(x, width, mode=_PAD_MODES[mode])


@register("pad", ref=_pad_ref, method=False,
          samples=[Sample((2, 3), Const((1, 2))), Sample((2, 3, 4), Const((1, 1, 2, 0)), value=0.5),
                   Sample((1, 2, 4, 5), Const((2, 1, 1, 2)), mode="reflect"),
                   Sample((2, 4), Const((1, 2)), mode="replicate"), Sample((2, 4), Const((2, 1)), mode="circular")])
def pad(input, pad, mode="constant", value=0.0):
    """Pad the last dims: `pad` = (left, right, top, bottom, ...) as PyTorch's F.pad.

    Modes: 'constant' (with `value`), 'reflect', 'replicate', 'circular'.
    """
    width = _pad_width(input.ndim, pad)
    if mode == "constant":
        return PAD(input, width=tuple(width), value=value)
    if mode not in _PAD_MODES:
        raise ValueError(f"pad: mode must be one of constant, {', '.join(_PAD_MODES)}; got {mode!r}")
    out = input
    for d, (lo, hi) in enumerate(width):
        if lo or hi:
            # the padded positions read from source indices; indexing accumulates the gradient
            source = np.pad(np.arange(input.shape[d]), (lo, hi), mode=_PAD_MODES[mode])
            out = out[(slice(None),) * d + (source,)]
    return out


@register("flip", ref=lambda x, dims: np.flip(x, dims),
          samples=[Sample((3, 4), Const((0,))), Sample((2, 3, 4), Const((0, 2)))], numpy=(np.flip,))
def flip(input, dims=None, *, axis=None):
    """Reverse the order of elements along `dims`."""
    dims = pick(dims, axis)
    if isinstance(dims, int):
        dims = (dims,)
    return FLIP(input, axis=normalize_dim(tuple(dims) if dims is not None else None, input.ndim))


@register("repeat", ref=lambda x, *reps: np.tile(x, _shape_arg(reps)),
          samples=[Sample((2, 3), 2, 1), Sample((2, 3), 1, 2, 2), Sample((3,), Const((2,)))])
def repeat(input, *repeats):
    """Tile the tensor `repeats[i]` times along dim i (PyTorch's `repeat`, numpy's `tile`)."""
    reps = _shape_arg(repeats)
    if len(reps) < input.ndim:
        raise RuntimeError(
            f"repeat: number of repeat dims ({len(reps)}) can not be smaller than the tensor's dims ({input.ndim})"
        )
    return REPEAT(input, reps=reps)

