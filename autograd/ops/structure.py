"""Structural ops: triangles and diagonals (tril, triu, diag, diagonal, trace), outer, roll,
narrow, unflatten, movedim, swapaxes, repeat_interleave, tile, meshgrid; corrected `flatten`
(start_dim after end_dim raises) and `view(dtype)`. Gradients move values back."""

from __future__ import annotations

import numpy as np

from .arithmetic import MUL, WHERE
from .gathering import INDEX_SELECT
from .registry import Const, Primitive, Sample, ViewPrimitive, normalize_dim, register
from .shape import broadcast_to, permute, repeat, reshape, transpose
from .shape import flatten as _flatten
from .shape import view as _view
from .support import array_of, index_array, new_tensor, replace


def _diag_positions(shape, offset, a1, a2):
    n = min(shape[a1] - max(-offset, 0), shape[a2] - max(offset, 0))
    k = np.arange(max(n, 0))
    return k + max(-offset, 0), k + max(offset, 0)


def _diag_embed_forward(g, offset, a1, a2, shape):
    out = np.zeros(shape, dtype=g.dtype)
    rows, cols = _diag_positions(shape, offset, a1, a2)
    np.moveaxis(out, (a1, a2), (-2, -1))[..., rows, cols] = g
    return out


def _diagonal_view(x, offset, a1, a2):
    d = np.diagonal(x, offset, a1, a2)
    # (numpy's diagonal is a read-only view; PyTorch's is writable: it changes the base)
    if x.flags.writeable:
        d.flags.writeable = True
    return d


DIAGONAL = ViewPrimitive(
    "diagonal", _diagonal_view,
    [lambda g, out, x, offset, a1, a2: DIAG_EMBED.apply_in_vjp(g, offset=offset, a1=a1, a2=a2, shape=x.shape)],
    "diagonal reads values; its gradient writes them back on the diagonal of zeros",
)
DIAG_EMBED = Primitive(
    "diag_embed", _diag_embed_forward,
    [lambda g, out, x, offset, a1, a2, shape: DIAGONAL.apply_in_vjp(g, offset=offset, a1=a1, a2=a2)],
    "diag_embed writes values on a diagonal; its gradient reads them back",
)
ROLL = Primitive(
    "roll", lambda x, shifts, axis: np.roll(x, shifts, axis),
    [lambda g, out, x, shifts, axis: ROLL.apply_in_vjp(g, shifts=tuple(-s for s in shifts), axis=axis)],
    "roll moves values; the gradient is rolled back",
)


def _need_matrix(name, input):
    if input.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")


@register("tril", ref=lambda x, diagonal=0: np.tril(x, diagonal),
          samples=[Sample((3, 4)), Sample((4, 3), 1), Sample((2, 3, 3), diagonal=-1)])
def tril(input, diagonal=0):
    """Lower triangle of the last two dims: elements with column - row <= `diagonal`; others 0."""
    _need_matrix("tril", input)
    mask = np.tri(input.shape[-2], input.shape[-1], int(diagonal), dtype=np.bool_)
    return WHERE(mask, input, np.zeros((), dtype=input.dtype))


@register("triu", ref=lambda x, diagonal=0: np.triu(x, diagonal),
          samples=[Sample((3, 4)), Sample((4, 3), 1), Sample((2, 3, 3), diagonal=-1)])
def triu(input, diagonal=0):
    """Upper triangle of the last two dims: elements with column - row >= `diagonal`; others 0."""
    _need_matrix("triu", input)
    mask = ~np.tri(input.shape[-2], input.shape[-1], int(diagonal) - 1, dtype=np.bool_)
    return WHERE(mask, input, np.zeros((), dtype=input.dtype))


@register("diagonal", ref=lambda x, offset=0, dim1=0, dim2=1: np.diagonal(x, offset, dim1, dim2),
          samples=[Sample((3, 4)), Sample((4, 3), 1), Sample((2, 3, 4), -1, 1, 2), Sample((3, 3), offset=5)])
def diagonal(input, offset=0, dim1=0, dim2=1):
    """The diagonal of the (dim1, dim2) planes, `offset` above (>0) or below (<0) the main one;
    those dims are removed and the diagonal becomes the last dim."""
    a1, a2 = normalize_dim(dim1, input.ndim), normalize_dim(dim2, input.ndim)
    if a1 == a2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return DIAGONAL(input, offset=int(offset), a1=a1, a2=a2)


def _diag_ref(x, diagonal=0):
    return np.diag(x, diagonal)


@register("diag", ref=_diag_ref, samples=[Sample((3,)), Sample((3,), 1), Sample((3, 4)), Sample((4, 3), -1)])
def diag(input, diagonal=0):
    """1-D input: a square matrix with `input` on diagonal `diagonal`; 2-D input: that diagonal."""
    k = int(diagonal)
    if input.ndim == 1:
        n = input.shape[0] + abs(k)
        return DIAG_EMBED(input, offset=k, a1=0, a2=1, shape=(n, n))
    if input.ndim == 2:  # (a copy, as in PyTorch: diagonal() is the view)
        return DIAGONAL(input, offset=k, a1=0, a2=1).clone()
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D")


@register("trace", ref=np.trace, samples=[Sample((3, 3)), Sample((3, 4))])
def trace(input):
    """Sum of the main diagonal of a 2-D tensor."""
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    return DIAGONAL(input, offset=0, a1=0, a2=1).sum()


@register("outer", ref=np.outer, samples=[Sample((3,), (4,)), Sample((1,), (2,))], aliases=("ger",))
def outer(input, vec2):
    """Outer product of two 1-D tensors: out[i, j] = input[i] * vec2[j]."""
    for name, t in (("self", input), ("vec2", vec2)):
        if t.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {t.ndim}-D")
    return MUL(reshape(input, (-1, 1)), reshape(vec2, (1, -1)))


def _as_tuple(v):
    return tuple(int(i) for i in v) if isinstance(v, (tuple, list)) else (int(v),)


def _roll_ref(x, shifts, dims=None):
    return np.roll(x, shifts, dims)


@register("roll", ref=_roll_ref,
          samples=[Sample((3, 4), 1), Sample((3, 4), -2, 1), Sample((2, 3, 4), Const((1, -1)), Const((0, 2))),
                   Sample((3, 4), 7, 0)])
def roll(input, shifts, dims=None):
    """Shift elements along `dims` by `shifts`, wrapping around; with dims None, the flattened
    tensor is rolled and reshaped back."""
    shifts = _as_tuple(shifts)
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"roll: shifts and dimensions must align. shifts: {len(shifts)}, dims: 0")
        return ROLL(input.reshape(-1), shifts=shifts, axis=(0,)).reshape(input.shape)
    dims = _as_tuple(dims)
    if input.ndim == 0:
        raise IndexError(f"Dimension specified as {dims[0]} but tensor has no dimensions")
    if len(dims) != len(shifts):
        raise RuntimeError(f"roll: shifts and dimensions must align. shifts: {len(shifts)}, dims: {len(dims)}")
    return ROLL(input, shifts=shifts, axis=tuple(normalize_dim(d, input.ndim) for d in dims))


def _narrow_ref(x, dim, start, length):
    return np.take(x, np.arange(start % x.shape[dim], start % x.shape[dim] + length), axis=dim)


@register("narrow", ref=_narrow_ref, samples=[Sample((4, 5), 0, 1, 2), Sample((4, 5), 1, -3, 3), Sample((2, 3, 4), 2, 0, 4)])
def narrow(input, dim, start, length):
    """The slice ``start:start + length`` of `dim` (a negative start counts from the end)."""
    d = normalize_dim(dim, input.ndim)
    n = input.shape[d]
    start, length = int(start), int(length)
    if not -n <= start <= n:
        raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but got {start})")
    start = start + n if start < 0 else start
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return input[(slice(None),) * d + (slice(start, start + length),)]


def _unflatten_ref(x, dim, sizes):
    d = dim % x.ndim
    return x.reshape(*x.shape[:d], *sizes, *x.shape[d + 1:])


@register("unflatten", ref=_unflatten_ref,
          samples=[Sample((4, 6), 1, Const((2, 3))), Sample((6, 2), 0, Const((3, -1))), Sample((2, 12), -1, Const((2, 2, 3)))])
def unflatten(input, dim, sizes):
    """Split dim `dim` into `sizes` (one entry may be -1)."""
    d = normalize_dim(dim, input.ndim)
    sizes = tuple(int(s) for s in sizes)
    n = input.shape[d]
    known = int(np.prod([s for s in sizes if s != -1]))
    if sizes.count(-1) > 1 or (-1 not in sizes and known != n) or (-1 in sizes and (known == 0 or n % known)):
        raise RuntimeError(
            f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {dim} ({n}) in the input tensor"
        )
    return reshape(input, (*input.shape[:d], *sizes, *input.shape[d + 1:]))


def _movedim_ref(x, source, destination):
    return np.moveaxis(x, source, destination)


@register("movedim", ref=_movedim_ref, aliases=("moveaxis",),
          samples=[Sample((2, 3, 4), 0, 2), Sample((2, 3, 4), Const((0, 1)), Const((2, 0))), Sample((2, 3), -1, 0)])
def movedim(input, source, destination):
    """Move dims `source` to positions `destination` (ints or sequences); the others keep
    their order."""
    src = [normalize_dim(s, input.ndim) for s in _as_tuple(source)]
    dst = [normalize_dim(s, input.ndim) for s in _as_tuple(destination)]
    if len(src) != len(dst):
        raise RuntimeError(
            f"movedim: Invalid source or destination dims: source ({list(_as_tuple(source))} dims) should contain "
            f"the same number of dims as destination ({list(_as_tuple(destination))} dims)"
        )
    for name, dims, given in (("source", src, source), ("destination", dst, destination)):
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({list(_as_tuple(given))})")
    rest = iter(d for d in range(input.ndim) if d not in src)
    placed = dict(zip(dst, src))
    order = [placed[i] if i in placed else next(rest) for i in range(input.ndim)]
    return permute(input, *order) if input.ndim else input


@register("swapaxes", ref=np.swapaxes, aliases=("swapdims",),
          samples=[Sample((3, 4), 0, 1), Sample((2, 3, 4), -1, 0)])
def swapaxes(input, axis0, axis1):
    """Swap two dims (PyTorch's alias of transpose)."""
    return transpose(input, axis0, axis1)


def _repeat_interleave_ref(x, repeats, dim=None):
    return np.repeat(x, repeats, axis=dim)


@register("repeat_interleave", ref=_repeat_interleave_ref,
          samples=[Sample((3, 4), 2), Sample((3, 4), Const(np.array([1, 0, 3])), 0), Sample((2, 3), 2, dim=1)])
def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Repeat each element (dim None: of the flattened tensor) or each slice along `dim`
    `repeats` times (an int, or one count per slice). ``repeat_interleave(counts)`` alone gives
    ``[0]*counts[0] + [1]*counts[1] + ...``."""
    if repeats is None:
        counts = index_array("repeat_interleave", input, "repeats")
        return new_tensor(np.repeat(np.arange(counts.size, dtype=np.int64), counts))
    x = input.reshape(-1) if dim is None else input
    d = 0 if dim is None else normalize_dim(dim, input.ndim)
    n = x.shape[d] if x.ndim else 1
    reps = index_array("repeat_interleave", repeats, "repeats") if hasattr(repeats, "_data") else np.asarray(repeats)
    reps = reps.reshape(-1)
    if reps.size not in (1, n):
        raise RuntimeError(
            f"repeats must have the same size as input along dim, but got repeats.size(0) = {reps.size} "
            f"and input.size({d}) = {n}"
        )
    if (reps < 0).any():
        raise RuntimeError("repeats can not be negative")
    idx = np.repeat(np.arange(n, dtype=np.int64), np.broadcast_to(reps, (n,)))
    if output_size is not None and idx.size != output_size:
        raise RuntimeError(f"repeat_interleave: allocated size does not match required size ({output_size} vs {idx.size})")
    return INDEX_SELECT(x, index=idx, axis=d)


@register("tile", ref=lambda x, dims: np.tile(x, dims),
          samples=[Sample((2, 3), Const((2, 1))), Sample((2, 3), Const((2,))), Sample((3,), Const((2, 2)))])
def tile(input, dims):
    """Repeat the tensor `dims[i]` times along dim i; missing leading entries of `dims` are 1."""
    dims = _as_tuple(dims)
    dims = (1,) * (input.ndim - len(dims)) + dims
    return repeat(input, *dims)


def _meshgrid_ref(*xs, indexing="ij"):
    return tuple(np.meshgrid(*xs, indexing=indexing))


@register("meshgrid", ref=_meshgrid_ref, method=False,
          samples=[Sample((3,), (4,)), Sample((3,), (4,), indexing="xy"), Sample((2,), (3,), (4,))])
def meshgrid(*tensors, indexing="ij"):
    """Coordinate grids from 1-D tensors: with 'ij', output i has shape (len0, len1, ...) and
    varies along dim i; 'xy' swaps the first two dims (Cartesian indexing)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    for t in tensors:
        if t.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got shape {tuple(t.shape)}")
    sizes = [int(np.prod(t.shape)) for t in tensors]
    swap = indexing == "xy" and len(tensors) >= 2
    if swap:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    out = []
    for i, t in enumerate(tensors):
        pos = {0: 1, 1: 0}.get(i, i) if swap else i
        shape = [1] * len(tensors)
        shape[pos] = -1
        out.append(broadcast_to(reshape(t, tuple(shape)), tuple(sizes)))
    return tuple(out)


@replace("flatten", ref=lambda x, start_dim=0, end_dim=-1: _flatten_ref(x, start_dim, end_dim),
         samples=[Sample((2, 3, 4)), Sample((2, 3, 4), start_dim=1), Sample((2, 3, 4, 5), 1, 2), Sample(())])
def flatten(input, start_dim=0, end_dim=-1):
    """Merge dims `start_dim..end_dim` into one (a 0-d tensor becomes 1-D)."""
    n = max(input.ndim, 1)
    if normalize_dim(start_dim, n) > normalize_dim(end_dim, n):
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    return _flatten(input, start_dim, end_dim)


def _flatten_ref(x, s, e):
    if x.ndim == 0:
        return x.reshape(1)
    s, e = s % x.ndim, e % x.ndim
    return x.reshape(*x.shape[:s], -1, *x.shape[e + 1:])


def _is_dtype(arg) -> bool:
    if isinstance(arg, (int, np.integer, tuple, list)) or hasattr(arg, "_data"):
        return False
    try:
        np.dtype(arg)
    except TypeError:
        return False
    return True


@replace("view", ref=lambda x, *shape: np.reshape(x, shape[0] if len(shape) == 1 and isinstance(shape[0], tuple) else shape),
         samples=[Sample((3, 4), 2, 6), Sample((3, 4), -1), Sample((2, 6), Const((3, 4)))])
def view(input, *shape):
    """Same data with a new shape (as `reshape`); ``view(dtype)`` reinterprets the bytes as
    another dtype (the last dim scales by the ratio of item sizes; no gradient)."""
    if len(shape) == 1 and _is_dtype(shape[0]):
        dtype = np.dtype(shape[0])
        if dtype == input.dtype:
            return input
        x = array_of(input)
        if dtype.itemsize != x.dtype.itemsize and (x.ndim == 0 or (x.shape[-1] * x.dtype.itemsize) % dtype.itemsize):
            raise RuntimeError(
                f"view(dtype): self.size(-1) must be divisible by {dtype.itemsize // x.dtype.itemsize or 1} "
                f"to view {x.dtype} as {dtype} (different element sizes), but got shape {tuple(x.shape)}"
            )
        return new_tensor(np.ascontiguousarray(x).view(dtype))
    return _view(input, *shape)
