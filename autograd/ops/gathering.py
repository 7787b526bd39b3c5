"""Reading by index: gather with PyTorch's index rule (the index may be smaller than the input
outside `dim`), index_select, take, take_along_dim, masked_select, nonzero.

The gradients scatter-add into zeros with `np.bincount` over flat positions (repeated indices
accumulate) instead of `np.add.at`.
"""

from __future__ import annotations

import numpy as np

from .indexing import getitem
from .registry import NUMPY_DISPATCH, Const, Primitive, Sample, normalize_dim, register
from .shape import broadcast_to
from .support import array_of, check_bounds, index_array, new_tensor


def flat_positions(index: np.ndarray, dim: int, shape: tuple) -> np.ndarray:
    """Flat position in an array of `shape` of each element that `gather(., dim, index)` reads:
    coordinates are the element's own, except along `dim`, where they are the index value."""
    strides = np.ones(len(shape), dtype=np.int64)
    for d in range(len(shape) - 2, -1, -1):
        strides[d] = strides[d + 1] * shape[d + 1]
    pos = np.where(index < 0, index + shape[dim], index) * strides[dim]
    for d in range(index.ndim):
        if d != dim:
            along = [1] * index.ndim
            along[d] = -1
            pos = pos + np.arange(index.shape[d], dtype=np.int64).reshape(along) * strides[d]
    return pos


def scatter_add_into_zeros(src, index, dim, shape):
    """zeros(shape) with src[i...] added at the gather positions of `index` (repeats sum)."""
    flat = flat_positions(index, dim, shape).ravel()
    size = int(np.prod(shape))
    if src.dtype.kind == "f":
        out = np.bincount(flat, weights=src.ravel(), minlength=size)
        return out.reshape(shape).astype(src.dtype, copy=False)
    out = np.zeros(size, dtype=src.dtype)
    np.add.at(out, flat, src.ravel())  # (integers: bincount's float64 weights would round)
    return out.reshape(shape)


SCATTER_ADD_ZEROS = Primitive(
    "scatter_add_zeros", lambda src, index, dim, shape: scatter_add_into_zeros(src, index, dim, shape),
    [lambda g, out, src, index, dim, shape: GATHER_ELEMENTS.apply_in_vjp(g, index=index, dim=dim)],
    "scatter-add into zeros; its derivative gathers",
)
GATHER_ELEMENTS = Primitive(
    "gather_elements", lambda x, index, dim: x.reshape(-1)[flat_positions(index, dim, x.shape)],
    [lambda g, out, x, index, dim: SCATTER_ADD_ZEROS.apply_in_vjp(g, index=index, dim=dim, shape=x.shape)],
    "d gather(x, dim, idx)/dx = 1 at the read positions (summed over repeats)",
)


def check_gather_index(name: str, input_shape: tuple, dim: int, idx: np.ndarray, src_shape=None) -> None:
    """PyTorch's checks for gather/scatter indices (RuntimeError on every failure)."""
    if idx.ndim != len(input_shape) and idx.size:
        raise RuntimeError(f"{name}(): Index tensor must have the same number of dimensions as input tensor")
    for d in range(idx.ndim):
        if d != dim and idx.shape[d] > input_shape[d]:
            raise RuntimeError(
                f"{name}(): Size does not match at dimension {d} expected index {list(idx.shape)} to be "
                f"no larger than self {list(input_shape)} apart from dimension {dim}"
            )
        if src_shape is not None and idx.shape[d] > src_shape[d]:
            raise RuntimeError(
                f"{name}(): Expected index {list(idx.shape)} to be no larger than src {list(src_shape)} at dimension {d}"
            )
    n = input_shape[dim] if input_shape else 1
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = int(idx.max()) if idx.max() >= n else int(idx.min())
        raise RuntimeError(f"{name}(): index {bad} is out of bounds for dimension {dim} with size {n}")


def gather_elements(input, dim, index):
    """`gather` with PyTorch's index rule: out[i][j] = input[index[i][j]][j] (dim 0), for every
    position of `index`, which may be smaller than `input` outside `dim`."""
    idx = index_array("gather", index)
    d = normalize_dim(dim, max(input.ndim, 1))
    if input.ndim == 0:
        check_gather_index("gather", (1,), 0, idx.reshape(-1))
        return GATHER_ELEMENTS(input.reshape(1), index=idx.reshape(-1), dim=0).reshape(idx.shape)
    check_gather_index("gather", input.shape, d, idx)
    return GATHER_ELEMENTS(input, index=idx, dim=d)


def _index_add_zeros(g, index, axis, shape):
    """zeros(shape) with the slices of g added at `index` along `axis` (repeats sum)."""
    moved = np.moveaxis(g, axis, 0)
    rows = moved.reshape(len(index), -1)
    width = rows.shape[1]
    out_shape = (shape[axis], *moved.shape[1:])
    if g.dtype.kind == "f" and width:
        # each slice element's flat position in the output; bincount sums the repeats
        flat = (index[:, None] * width + np.arange(width)).ravel()
        out = np.bincount(flat, weights=rows.ravel(), minlength=shape[axis] * width)
        return np.moveaxis(out.reshape(out_shape).astype(g.dtype, copy=False), 0, axis)
    out = np.zeros(out_shape, dtype=g.dtype)
    np.add.at(out, index, moved)
    return np.moveaxis(out, 0, axis)


INDEX_ADD_ZEROS = Primitive(
    "index_add_zeros", _index_add_zeros,
    [lambda g, out, gy, index, axis, shape: INDEX_SELECT.apply_in_vjp(g, index=index, axis=axis)],
    "index-add into zeros; its derivative selects",
)
INDEX_SELECT = Primitive(
    "index_select", lambda x, index, axis: np.take(x, index, axis=axis),
    [lambda g, out, x, index, axis: INDEX_ADD_ZEROS.apply_in_vjp(g, index=index, axis=axis, shape=x.shape)],
    "d index_select(x)/dx = 1 at the selected slices (summed over repeats)",
)


@register("index_select", ref=lambda x, dim, index: np.take(x, index, axis=dim),
          samples=[Sample((4, 3), 0, Const(np.array([0, 2, 2, 3]))), Sample((2, 5), 1, Const(np.array([4, 0]))),
                   Sample((5,), 0, Const(np.array([1])))])
def index_select(input, dim, index):
    """The slices of `input` along `dim` at the positions in the 1-D `index` (repeats allowed)."""
    idx = index_array("index_select", index)
    if idx.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    d = normalize_dim(dim, max(input.ndim, 1))
    n = input.shape[d] if input.ndim else 1
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = int(idx.max()) if idx.max() >= n else int(idx.min())
        raise RuntimeError(f"index_select(): INDICES element is out of DATA bounds, id={bad} axis_dim={n}")
    if input.ndim == 0:
        return INDEX_SELECT(input.reshape(1), index=idx.reshape(-1), axis=0).reshape(idx.shape)
    return INDEX_SELECT(input, index=idx.reshape(-1), axis=d)


@register("take", ref=lambda x, index: np.take(x.ravel(), index),
          samples=[Sample((3, 4), Const(np.array([[0, 11], [5, -1]]))), Sample((5,), Const(np.array([2, 2, 0])))])
def take(input, index):
    """`input` read as 1-D at `index` (any shape; negative indices count from the end)."""
    idx = index_array("take", index)
    n = int(np.prod(input.shape))
    if idx.size and (idx.min() < -n or idx.max() >= n):
        bad = int(idx.max()) if idx.max() >= n else int(idx.min())
        raise IndexError(f"take(): out of range: tried to access index {bad} on a tensor of {n} elements.")
    flat = input.reshape(-1)
    return INDEX_SELECT(flat, index=np.where(idx < 0, idx + n, idx).reshape(-1), axis=0).reshape(idx.shape)


def _take_along_ref(x, indices, dim=None):
    if dim is None:
        return np.take(x.ravel(), indices.ravel())
    return np.take_along_axis(x, indices, axis=dim)


@register("take_along_dim", ref=_take_along_ref,
          samples=[Sample((3, 4), Const(np.array([[0, 3], [2, 2], [1, 0]])), 1),
                   Sample((3, 4), Const(np.array([[1, 0, 2, 2]])), 0), Sample((3, 4), Const(np.array([5, 0, 11])))])
def take_along_dim(input, indices, dim=None):
    """Values at `indices` along `dim` (numpy's take_along_axis: the other dims broadcast);
    with dim None, both are read as 1-D."""
    idx = index_array("take_along_dim", indices)
    if dim is None:
        return take(input, idx.reshape(-1))
    d = normalize_dim(dim, input.ndim)
    if idx.ndim != input.ndim:
        raise RuntimeError(
            f"take_along_dim(): input and indices should have the same number of dimensions, "
            f"but got {input.ndim} dimensions for input, and {idx.ndim} dimensions for indices"
        )
    n = input.shape[d]
    check_bounds("take_along_dim", idx, n, d)
    shape_in = list(np.broadcast_shapes(tuple(np.delete(input.shape, d)), tuple(np.delete(idx.shape, d))))
    x_shape = tuple([*shape_in[:d], n, *shape_in[d:]])
    i_shape = tuple([*shape_in[:d], idx.shape[d], *shape_in[d:]])
    idx = np.broadcast_to(np.where(idx < 0, idx + n, idx), i_shape)
    return GATHER_ELEMENTS(broadcast_to(input, x_shape), index=idx, dim=d)


def _mask_samples():
    mask = np.array([[True, False, True, False], [False, False, True, True], [True, True, False, True]])
    return [Sample((3, 4), Const(mask)), Sample((4,), Const(mask)), Sample((3, 4), Const(mask[0]))]


@register("masked_select", ref=lambda x, m: np.broadcast_to(x, np.broadcast_shapes(x.shape, m.shape))[
    np.broadcast_to(m, np.broadcast_shapes(x.shape, m.shape))], samples=_mask_samples())
def masked_select(input, mask):
    """1-D tensor of the elements of `input` where the bool `mask` is True (both broadcast)."""
    m = array_of(mask)
    if m.dtype != np.bool_:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    shape = np.broadcast_shapes(tuple(input.shape), m.shape)
    return getitem(broadcast_to(input, shape), np.broadcast_to(m, shape))


def _nonzero_ref(x, as_tuple=False):
    return np.nonzero(x) if as_tuple else np.argwhere(x)


@register("nonzero", ref=_nonzero_ref, differentiable=False,
          samples=[Sample(Const(np.array([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]]))), Sample(Const(np.array([0, 3, 0, 1]))),
                   Sample(Const(np.array([[0, 1], [1, 1]])), as_tuple=True)])
def nonzero(input, *, as_tuple=False):
    """int64 indices of the nonzero elements: an (n, ndim) tensor, or with `as_tuple` one 1-D
    tensor per dim (a 0-d input counts as 1-D there)."""
    x = array_of(input)
    if as_tuple:
        return tuple(new_tensor(i.astype(np.int64)) for i in np.nonzero(np.atleast_1d(x)))
    return new_tensor(np.argwhere(x).astype(np.int64))


NUMPY_DISPATCH[np.nonzero] = lambda a: nonzero(a, as_tuple=True)  # numpy's form: one array per dim
