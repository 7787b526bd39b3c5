"""More PyTorch functions programs use: `cdist`, `cross` / `linalg.cross`, `atleast_1d/2d/3d`,
`tensor_split`, `searchsorted`, `bucketize`, `tril_indices`, `triu_indices`.
Differentiable ones are composites of table entries (norms, narrow, cat, reshape), so their
gradients are those entries'; the index and factory functions have none."""

from __future__ import annotations

import itertools
import operator

import numpy as np

from .norms import vector_norm
from .registry import Const, Sample, normalize_dim, register
from .shape import cat
from .support import array_of, new_tensor


def _cdist_ref(a, b, p=2.0):
    d = np.abs(a[..., :, None, :] - b[..., None, :, :])
    if p == np.inf:
        return d.max(-1)
    if p == 0:
        return (d != 0).sum(-1).astype(a.dtype)
    return (d ** p).sum(-1) ** (1 / p)


@register("cdist", ref=_cdist_ref, method=False, smooth=False,
          samples=[Sample((4, 3), (5, 3)), Sample((2, 4, 3), (2, 2, 3), p=1.0), Sample((3, 2), (4, 2), p=3.0)])
def cdist(x1, x2, p: float = 2.0, compute_mode: str = "use_mm_for_euclid_dist_if_necessary"):
    """p-norm distance between each row of x1 (*, P, M) and each row of x2 (*, R, M):
    (*, P, R); batch dims broadcast. The gradient of a zero distance is 0 (as PyTorch)."""
    if x1.ndim < 2 or x2.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {x1.ndim}D, X2 got: {x2.ndim}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(
            f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}"
        )
    if p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values, got {p}")
    diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    return vector_norm(diff, p, -1)


def _cross_ref(a, b, dim=None):
    return np.cross(a, b, axis=-1 if dim is None else dim)


def _cross(name, input, other, d):
    if input.shape[d] != 3 or other.shape[d] != 3:
        raise RuntimeError(f"{name}: inputs dimension {d} must have length 3. Got {input.shape[d]} and {other.shape[d]}")
    a = [input.narrow(d, i, 1) for i in range(3)]
    b = [other.narrow(d, i, 1) for i in range(3)]
    return cat([a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]], dim=d)


@register("cross", ref=_cross_ref, broadcast=False,
          samples=[Sample((4, 3), (4, 3)), Sample((3, 2), (3, 2), dim=0), Sample((2, 4, 3), (1, 4, 3))])
def cross(input, other, dim: int | None = None):
    """Cross product of 3-vectors along `dim` (broadcasting the other dims). With dim=None,
    PyTorch's rule: the first dim of size 3. Both need the same number of dims."""
    if input.ndim != other.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    shape = np.broadcast_shapes(tuple(input.shape), tuple(other.shape))
    if dim is None:
        sizes = [i for i, n in enumerate(shape) if n == 3]
        if not sizes:
            raise RuntimeError(f"no dimension of size 3 in input {tuple(input.shape)}")
        d = sizes[0]
    else:
        d = normalize_dim(dim, len(shape))
    return _cross("cross", input.expand(shape), other.expand(shape), d)


@register("linalg_cross", ref=lambda a, b, dim=-1: np.cross(a, b, axis=dim), method=False,
          samples=[Sample((4, 3), (4, 3)), Sample((3, 2), (3, 2), dim=0)])
def linalg_cross(input, other, *, dim: int = -1):
    """`torch.linalg.cross`: the cross product along `dim` (default the last); the inputs need
    the same number of dims (their sizes broadcast)."""
    if input.ndim != other.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    shape = np.broadcast_shapes(tuple(input.shape), tuple(other.shape))
    return _cross("linalg.cross", input.expand(shape), other.expand(shape), normalize_dim(dim, len(shape)))


def _atleast(n, tensors, name):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
        out = tuple(_atleast(n, (t,), name) for t in tensors)
        return out
    if len(tensors) != 1:
        return tuple(_atleast(n, (t,), name) for t in tensors)
    t = tensors[0]
    if t.ndim >= n:
        return t
    if n == 3 and t.ndim == 2:
        return t.unsqueeze(-1)
    shape = {1: (1,), 2: (1, 1), 3: (1, 1, 1)}[n]
    if t.ndim == 1:
        shape = (1, t.shape[0]) + ((1,) if n == 3 else ())
    return t.reshape(shape)


@register("atleast_1d", ref=np.atleast_1d, method=False, samples=[Sample(()), Sample((3,)), Sample((2, 3))])
def atleast_1d(*tensors):
    """Each tensor with at least 1 dim (0-d becomes (1,)); a tuple when given several."""
    return _atleast(1, tensors, "atleast_1d")


@register("atleast_2d", ref=np.atleast_2d, method=False, samples=[Sample(()), Sample((3,)), Sample((2, 3))])
def atleast_2d(*tensors):
    """Each tensor with at least 2 dims ((n,) becomes (1, n)); a tuple when given several."""
    return _atleast(2, tensors, "atleast_2d")


@register("atleast_3d", ref=np.atleast_3d, method=False,
          samples=[Sample(()), Sample((3,)), Sample((2, 3)), Sample((2, 3, 4))])
def atleast_3d(*tensors):
    """Each tensor with at least 3 dims ((n,) -> (1, n, 1), (m, n) -> (m, n, 1)); a tuple when
    given several."""
    return _atleast(3, tensors, "atleast_3d")


def _tensor_split_ref(x, sections, dim=0):
    return tuple(np.array_split(x, sections, axis=dim))


@register("tensor_split", ref=_tensor_split_ref,
          samples=[Sample((7, 2), 3), Sample((3, 8), Const([1, 5]), dim=1), Sample((4,), Const((2, 2, 9)))])
def tensor_split(input, indices_or_sections, dim: int = 0):
    """Split along `dim` into n nearly equal pieces (the first size % n one longer) when given
    an int n, or at the given indices (views; pieces past the end are empty)."""
    d = normalize_dim(dim, input.ndim)
    size = input.shape[d]
    if isinstance(indices_or_sections, (int, np.integer)):
        n = operator.index(indices_or_sections)
        if n <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {n}")
        q, r = divmod(size, n)
        bounds = np.cumsum([0] + [q + 1] * r + [q] * (n - r))
    else:
        idx = [operator.index(int(i)) for i in np.asarray(array_of(indices_or_sections)).reshape(-1)]
        bounds = [0, *idx, size]
    pieces = []
    for lo, hi in itertools.pairwise(bounds):
        lo, hi = min(max(int(lo), 0), size), min(max(int(hi), 0), size)
        pieces.append(input.narrow(d, lo, max(hi - lo, 0)))
    return tuple(pieces)


def _side(right, side):
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError("side and right can't be set to opposites, got side of left while right was True")
        return side
    return "right" if right else "left"


def _searchsorted_ref(seq, values, right=False):
    if seq.ndim == 1:
        return np.searchsorted(seq, values, side="right" if right else "left")
    flat_s = seq.reshape(-1, seq.shape[-1])
    flat_v = np.asarray(values).reshape(flat_s.shape[0], -1)
    out = [np.searchsorted(s, v, side="right" if right else "left") for s, v in zip(flat_s, flat_v)]
    return np.array(out).reshape(np.shape(values))


_SORTED = Const(np.array([-1.0, 0.0, 0.5, 2.0]))


@register("searchsorted", ref=_searchsorted_ref, method=False, differentiable=False,
          samples=[Sample(_SORTED, (3, 2)), Sample(_SORTED, (5,), right=True),
                   Sample(Const(np.sort(np.arange(6.0).reshape(2, 3) * 0.7 - 1, axis=1)), (2, 4))])
def searchsorted(sorted_sequence, values, *, out_int32: bool = False, right: bool = False, side=None,
                 sorter=None):
    """For each value, the index where it would be inserted into `sorted_sequence` (its last
    dim) keeping it sorted: the first such index (side="left") or the last (right=True /
    side="right"). An N-D sequence searches row by row (values' leading dims match). int64
    (int32 with out_int32)."""
    seq = array_of(sorted_sequence)
    vals = array_of(values)
    how = _side(right, side)
    if sorter is not None:
        seq = np.take_along_axis(seq, array_of(sorter).astype(np.int64), axis=-1)
    if seq.ndim == 1:
        out = np.searchsorted(seq, vals, side=how)
    else:
        if seq.shape[:-1] != vals.shape[:-1]:
            raise RuntimeError(
                "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions of "
                f"boundaries tensor and input value tensor must match, but we got boundaries tensor "
                f"{list(seq.shape)} and input value tensor {list(vals.shape)}"
            )
        rows = seq.reshape(-1, seq.shape[-1])
        wanted = vals.reshape(rows.shape[0], -1)
        both = np.concatenate([rows.reshape(-1), wanted.reshape(-1)]).astype(np.float64)
        span = np.abs(both).max(initial=0.0) * 2 + 1
        if np.isfinite(span):
            # NOTE: one searchsorted over all rows: offset each row into its own disjoint range
            offsets = np.arange(rows.shape[0])[:, None] * span
            flat = (rows + offsets).reshape(-1)
            pos = np.searchsorted(flat, (wanted + offsets).reshape(-1), side=how)
            pos = pos.reshape(rows.shape[0], -1) - np.arange(rows.shape[0])[:, None] * rows.shape[1]
        else:  # (infinities or NaNs: no finite offset separates the rows)
            pos = np.stack([np.searchsorted(r, v, side=how) for r, v in zip(rows, wanted)])
        out = pos.reshape(vals.shape)
    return new_tensor(out.astype(np.int32 if out_int32 else np.int64))


@register("bucketize", ref=lambda x, b, right=False: np.searchsorted(b, x, side="right" if right else "left"),
          differentiable=False, samples=[Sample((3, 4), _SORTED), Sample((5,), _SORTED, right=True)])
def bucketize(input, boundaries, *, out_int32: bool = False, right: bool = False):
    """The bucket of each element of `input` given 1-D sorted `boundaries`: i with
    boundaries[i-1] < x <= boundaries[i] (right=False) or boundaries[i-1] <= x < boundaries[i]."""
    b = array_of(boundaries)
    if b.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({b.ndim})")
    out = np.searchsorted(b, array_of(input), side="right" if right else "left")
    return new_tensor(np.asarray(out).astype(np.int32 if out_int32 else np.int64))


def _tri_indices(row, col, offset, lower):
    r, c = np.tril_indices(row, offset, col) if lower else np.triu_indices(row, offset, col)
    return new_tensor(np.stack([r, c]).astype(np.int64))


@register("tril_indices", ref=lambda row, col, offset=0: np.stack(np.tril_indices(row, offset, col)),
          method=False, differentiable=False, samples=[Sample(Const(3), Const(4)), Sample(Const(4), Const(3), -1)])
def tril_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None, layout=None):
    """(2, N) int64 row and column indices of the lower triangle (col - row <= offset) of a
    row x col matrix, in row-major order."""
    return _tri_indices(row, col, offset, True)


@register("triu_indices", ref=lambda row, col, offset=0: np.stack(np.triu_indices(row, offset, col)),
          method=False, differentiable=False, samples=[Sample(Const(3), Const(4)), Sample(Const(4), Const(3), 1)])
def triu_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None, layout=None):
    """(2, N) int64 indices of the upper triangle (col - row >= offset), in row-major order."""
    return _tri_indices(row, col, offset, False)
