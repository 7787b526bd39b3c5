"""Indexing: `x[key]` (basic and advanced), gather, masked_fill, one_hot.

Gradients scatter back into zeros; repeated indices accumulate (advanced keys use `np.add.at`,
the one place where several outputs may read the same input element).
"""

from __future__ import annotations

import numpy as np

from ..inplace import index_key
from ..promotion import checked_int
from .arithmetic import WHERE
from .registry import (
    Const,
    Primitive,
    Sample,
    Tensor,
    ViewPrimitive,
    _new_tensor,
    normalize_dim,
    register,
)


def _is_advanced(key) -> bool:
    keys = key if isinstance(key, tuple) else (key,)
    return any(isinstance(k, (np.ndarray, list)) or (hasattr(k, "grad_fn")) for k in keys)


def _index_put_forward(g, key, shape):
    """zeros(shape) with g scattered (and summed over repeated indices) at `key`."""
    out = np.zeros(shape, dtype=g.dtype)
    if _is_advanced(key):
        np.add.at(out, key, g)
    else:
        out[key] = g
    return out


INDEX_PUT = Primitive(
    "index_backward", _index_put_forward, [lambda g, out, gy, key, shape: g[key]],
    "scatter of a gradient into zeros; its derivative reads back the indexed values",
)
def _getitem_forward(x, key):
    out = x[key]
    if type(out) is not np.ndarray:
        # a single element: numpy gives a scalar copy; PyTorch a 0-d view of the memory
        keys = key if isinstance(key, tuple) else (key,)
        out = x[(*keys, None)].reshape(())
    return out


GETITEM_OP = ViewPrimitive(
    "index", _getitem_forward, [lambda g, out, x, key: INDEX_PUT.apply_in_vjp(g, key=key, shape=x.shape)],
    "d x[key]/dx = 1 at the indexed positions (summed over repeats), else 0",
)


def _is_int(k) -> bool:
    return isinstance(k, (int, np.integer)) and not isinstance(k, (bool, np.bool_))


def torch_key_steps(key) -> tuple:
    """`key` as PyTorch applies it: integers remove their dims before any advanced index (tensor,
    list, mask) is applied, where numpy would treat the integers as advanced indices too (numpy
    gives (2, 5) for ``x[0, :, [1, 2]]`` on shape (3, 5, 4), PyTorch (5, 2)). Returns one key, or
    two (a basic one, then the advanced rest) where the two rules differ."""
    keys = key if isinstance(key, tuple) else (key,)
    advanced = [isinstance(k, np.ndarray) and k.ndim > 0 for k in keys]
    if not any(advanced) or not any(_is_int(k) or (isinstance(k, np.ndarray) and k.ndim == 0
                                                   and k.dtype.kind in "iu") for k in keys):
        return (key,)
    first, rest = [], []
    for k, adv in zip(keys, advanced):
        if adv:
            n = k.ndim if k.dtype == np.bool_ else 1
            first.extend([slice(None)] * n)
            rest.append(k)
        elif _is_int(k) or (isinstance(k, np.ndarray) and k.ndim == 0):
            first.append(k)
        elif k is None:
            first.append(None)
            rest.append(slice(None))
        else:
            first.append(k)
            rest.append(k if k is Ellipsis else slice(None))
    return (tuple(first), tuple(rest))


def torch_key_chain(t, key) -> tuple:
    """The view steps ``((GETITEM_OP, {"key": k}), ...)`` that reach ``t[key]`` (PyTorch's rule)."""
    return tuple((GETITEM_OP, {"key": k}) for k in torch_key_steps(key))


def _replay(x, chain):
    for op, kwargs in chain:
        x = op.apply_in_vjp(x, **kwargs)
    return x


def _copy_slices_forward(base, value, chain):
    out = np.array(base, copy=True)
    assign_region(out, chain, value)
    return out


def assign_region(out, chain, value) -> None:
    """Write `value` into the region of the array `out` that the view steps `chain` reach."""
    region = out
    for op, kwargs in chain[:-1]:
        region = op.forward(region, **kwargs)
    op, kwargs = chain[-1]
    if op is GETITEM_OP:
        region[kwargs["key"]] = value
    else:
        op.forward(region, **kwargs)[...] = value


def _copy_slices_base_vjp(g, out, base, value, chain):
    return COPY_SLICES.apply_in_vjp(g, 0.0, chain=chain) if hasattr(g, "grad_fn") else _copy_slices_forward(g, 0, chain)


COPY_SLICES = Primitive(
    "copy_slices", _copy_slices_forward,
    [_copy_slices_base_vjp, lambda g, out, base, value, chain: _replay(g, chain)],
    "base with a region (reached by view steps) replaced by value: d/dbase = 1 outside the region, "
    "d/dvalue = the region of the gradient",
)


def flat_positions(index, dim, shape):
    """Flat positions in an array of `shape` addressed by take_along_axis(., index, dim)."""
    grids = np.indices(index.shape, sparse=True)
    grids = [np.broadcast_to(g, index.shape) for g in grids]
    grids[dim] = index
    return np.ravel_multi_index(tuple(grids), shape)


def _scatter_add_forward(g, index, dim, shape):
    # bincount sums repeated positions without np.add.at's per-element overhead
    flat = flat_positions(index, dim, shape).ravel()
    summed = np.bincount(flat, weights=g.ravel(), minlength=int(np.prod(shape)))
    return summed.reshape(shape).astype(g.dtype, copy=False)


def leading_part(x, index, dim):
    """The part of `x` that `index` addresses off `dim` (PyTorch's gather never broadcasts)."""
    if index.shape[:dim] + index.shape[dim + 1:] == x.shape[:dim] + x.shape[dim + 1:]:
        return x
    return x[tuple(slice(None) if k == dim else slice(0, n) for k, n in enumerate(index.shape))]


SCATTER_ADD = Primitive(
    "scatter_add_backward", _scatter_add_forward,
    [lambda g, out, gy, index, dim, shape: GATHER.apply_in_vjp(g, index=index, dim=dim)],
    "scatter-add of a gradient; its derivative gathers",
)
def _scatter_put_forward(src, index, dim, shape):
    out = np.zeros(shape, dtype=src.dtype)
    # (where an index repeats, the last write wins; leading_part: a view, so the write lands in out)
    np.put_along_axis(leading_part(out, index, dim), index, src, axis=dim)
    return out


SCATTER_PUT = Primitive(
    "scatter_backward", _scatter_put_forward,
    [lambda g, out, src, index, dim, shape: GATHER.apply_in_vjp(g, index=index, dim=dim)],
    "src written into zeros at index along dim; d/dsrc gathers the gradient (every repeat gets it, "
    "as PyTorch's scatter)",
)
GATHER = Primitive(
    "gather", lambda x, index, dim: np.take_along_axis(leading_part(x, index, dim), index, axis=dim),
    [lambda g, out, x, index, dim: SCATTER_ADD.apply_in_vjp(g, index=index, dim=dim, shape=x.shape)],
    "d gather(x, dim, idx)/dx = 1 at the gathered positions (summed over repeats)",
)


def _getitem_samples():
    return [
        Sample((4, 5), Const((slice(1, 3), slice(None, None, 2)))),
        Sample((4, 5), Const(2)),
        Sample((4, 5), Const((Ellipsis, None, 1))),
        Sample((4, 5), Const(np.array([0, 2, 2, 3]))),
        Sample((4, 5), Const((np.array([1, 1, 0]), np.array([2, 2, 4])))),
        Sample((4, 5), Const(np.array([True, False, True, True]))),
        Sample((3, 4), Const(np.arange(12).reshape(3, 4) % 3 == 0)),
    ]


def _zero_d_ints(key):
    """0-d integer arrays in `key` as Python ints: PyTorch indexes with a 0-d integer tensor as
    with an int (the result is a view), numpy as with an integer array (a copy)."""
    if isinstance(key, np.ndarray):
        return int(key) if key.ndim == 0 and key.dtype.kind in "iu" else key
    if isinstance(key, tuple) and any(isinstance(k, np.ndarray) and k.ndim == 0 for k in key):
        return tuple(_zero_d_ints(k) for k in key)
    return key


@register("getitem", ref=lambda x, key: x[key], samples=_getitem_samples(), method=False)
def getitem(input, key):
    """``input[key]``: slices, ints, None, Ellipsis, integer arrays, boolean masks (PyTorch's rule:
    integers are applied before the advanced indices; repeated indices accumulate gradient)."""
    steps = torch_key_steps(_zero_d_ints(index_key(key)))
    out = GETITEM_OP(input, key=steps[0])
    return out if len(steps) == 1 else GETITEM_OP(out, key=steps[1])


def _gather_samples():
    idx = np.array([[0, 2, 2], [1, 0, 1], [3, 3, 0]])
    return [Sample((3, 4), 1, Const(idx)), Sample((4, 3), 0, Const(idx.T.copy() % 4))]


@register("gather", ref=lambda x, dim, index: np.take_along_axis(x, index, axis=dim),
          samples=_gather_samples(), numpy=(np.take_along_axis,))
def gather(input, dim, index):
    """out[i][j] = input[index[i][j]][j] (dim 0) or input[i][index[i][j]] (dim 1), etc."""
    idx = index._data if hasattr(index, "grad_fn") else np.asarray(index)
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"gather(): Expected dtype int64 for index, got {idx.dtype}")
    d = normalize_dim(dim, input.ndim)
    check_gather_index("gather", input.shape, d, idx)
    return GATHER(input, index=idx, dim=d)


def check_gather_index(name: str, shape, d: int, idx) -> None:
    """PyTorch's index rule for gather/scatter: same number of dims, ``index.size(k) <=
    input.size(k)`` for k != dim (no broadcasting), and every index in [0, input.size(dim))."""
    ndim = max(len(shape), 1)
    if max(idx.ndim, 1) != ndim:
        raise RuntimeError(
            f"{name}: Index tensor must have the same number of dimensions as input tensor "
            f"(index has {idx.ndim}, input {len(shape)})"
        )
    for k, (i, n) in enumerate(zip(idx.shape, shape)):
        if k != d and i > n:
            raise RuntimeError(
                f"{name}: Size does not match at dimension {k} expected index {list(idx.shape)} to be "
                f"no larger than self {list(shape)} apart from dimension {d}"
            )
    n = shape[d] if len(shape) else 1
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = idx.min() if idx.min() < 0 else idx.max()
        raise RuntimeError(f"{name}: index {bad} is out of bounds for dimension {d} with size {n}")


def _masked_fill_samples():
    mask = np.array([[True, False, False, True], [False, True, False, False], [True, True, False, False]])
    return [Sample((3, 4), Const(mask), -1.5), Sample((3, 4), Const(mask[0]), 2.0)]


@register("masked_fill", ref=lambda x, mask, value: np.where(mask, value, x), samples=_masked_fill_samples())
def masked_fill(input, mask, value):
    """Replace elements where `mask` is True by `value` (mask broadcasts); no gradient there."""
    m = mask._data if hasattr(mask, "grad_fn") else np.asarray(mask)
    if m.dtype != np.bool_:
        raise TypeError(f"masked_fill: mask must be a bool tensor, got dtype {m.dtype}")
    if not hasattr(value, "grad_fn"):
        value = np.asarray(checked_int(value, input.dtype), dtype=input.dtype)
    return WHERE(m, value, input)


def _one_hot_ref(x, num_classes=-1):
    n = int(x.max()) + 1 if num_classes == -1 else num_classes
    return (x[..., None] == np.arange(n)).astype(np.int64)


@register("one_hot", ref=_one_hot_ref, differentiable=False, method=False,
          samples=[Sample(Const(np.array([0, 2, 1, 2]))), Sample(Const(np.array([[1], [3]])), num_classes=5)])
def one_hot(tensor, num_classes=-1):
    """int64 tensor of shape (*tensor.shape, num_classes) with 1 at each class index."""
    idx = tensor._data if isinstance(tensor, Tensor) else np.asarray(tensor)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"one_hot: expected an integer tensor of class indices, got dtype {idx.dtype}")
    n = int(idx.max()) + 1 if num_classes == -1 else int(num_classes)
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise RuntimeError(f"one_hot: class values must be in [0, {n}), got [{idx.min()}, {idx.max()}]")
    out = np.zeros((*idx.shape, n), dtype=np.int64)
    np.put_along_axis(out, idx[..., None], 1, axis=-1)
    return _new_tensor(out)
