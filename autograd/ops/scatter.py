"""Writing by index: scatter, scatter_add, scatter_reduce (sum, prod, mean, amax, amin).

`index` addresses `input` as in `gather` (see gathering.flat_positions); `src` may be larger than
`index`, and only its leading `index.shape` block is used. Gradients follow PyTorch's
`scatter_reduce_backward`, including its rules for zeros (prod) and ties (amax, amin).
"""

from __future__ import annotations

import warnings

import numpy as np

from .gathering import GATHER_ELEMENTS, SCATTER_ADD_ZEROS, check_gather_index, flat_positions
from .registry import Const, Primitive, Sample, normalize_dim, register
from .shape import PAD
from .support import array_of, index_array

_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")
_UFUNCS = {"sum": np.add, "prod": np.multiply, "mean": np.add, "amax": np.maximum, "amin": np.minimum}


def _ndim(x) -> int:
    return x.ndim if hasattr(x, "ndim") else np.ndim(x)


def _shape(x) -> tuple:
    return tuple(x.shape) if hasattr(x, "shape") else np.shape(x)


def _positions(index, dim, shape):
    return flat_positions(index, dim, shape).ravel()


def _hit_mask(index, dim, shape):
    """Bool array of `shape`: True where some index entry writes."""
    size = int(np.prod(shape))
    return (np.bincount(_positions(index, dim, shape), minlength=size) > 0).reshape(shape)


def _gather(g, index, dim):
    return GATHER_ELEMENTS.apply_in_vjp(g, index=index, dim=dim)


def _scatter_add(src, index, dim, shape):
    return SCATTER_ADD_ZEROS.apply_in_vjp(src, index=index, dim=dim, shape=shape)


def _to_src_shape(gi, src):
    """The gradient of the used block of `src`, zero-padded to `src`'s shape."""
    if _ndim(src) == 0 or tuple(gi.shape) == tuple(_shape(src)):
        return gi
    width = tuple((0, n - k) for n, k in zip(_shape(src), gi.shape))
    return PAD.apply_in_vjp(gi, width=width, value=0)


def _block(src, index):
    return src[tuple(slice(0, n) for n in index.shape)] if _ndim(src) else src


def _scatter_forward(x, src, index, dim):
    out = x.copy()
    values = _block(np.asarray(src, dtype=x.dtype), index)
    out.reshape(-1)[_positions(index, dim, x.shape)] = np.broadcast_to(values, index.shape).ravel()
    return out


SCATTER = Primitive(
    "scatter", _scatter_forward,
    [lambda g, out, x, src, index, dim: np.where(_hit_mask(index, dim, x.shape), 0, g),
     lambda g, out, x, src, index, dim: _to_src_shape(_gather(g, index, dim), src)],
    "d scatter/dx = 1 where not overwritten; d/dsrc = gather(g)",
)


def _identity(reduce, dtype):
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    big = np.inf if dtype.kind == "f" else np.iinfo(dtype).max
    return -big if reduce == "amax" else big


def _counts(index, dim, shape, include_self):
    n = np.bincount(_positions(index, dim, shape), minlength=int(np.prod(shape))).reshape(shape)
    return n + 1 if include_self else n


def _scatter_reduce_forward(x, src, index, dim, reduce, include_self):
    pos = _positions(index, dim, x.shape)
    out = x.copy().reshape(-1)
    if not include_self:
        out[pos] = _identity(reduce, x.dtype)
    values = _block(src, index).ravel()
    if reduce in ("sum", "mean") and x.dtype.kind == "f":
        out += np.bincount(pos, weights=values, minlength=out.size).astype(x.dtype, copy=False)
    else:
        _UFUNCS[reduce].at(out, pos, values)
    out = out.reshape(x.shape)
    if reduce == "mean":
        n = np.maximum(_counts(index, dim, x.shape, include_self), 1)
        out = out // n if x.dtype.kind in "iu" else (out / n).astype(x.dtype, copy=False)
    return out


def _reduce_grads(which, g, out, x, src, index, dim, reduce, include_self):
    xa = array_of(x)
    sa = _block(array_of(src), index)
    s = _block(src, index)
    if reduce == "sum":
        gx, gs = g, _gather(g, index, dim)
    elif reduce == "mean":
        n = np.maximum(_counts(index, dim, xa.shape, include_self), 1).astype(xa.dtype)
        gx = g / n
        gs = _gather(g, index, dim) / np.take(n.reshape(-1), _positions(index, dim, xa.shape)).reshape(index.shape)
    elif reduce == "prod":
        if which == 0:
            masked_self = np.where(xa == 0, 1, x)
            gx = g * SCATTER_REDUCE.apply_in_vjp(masked_self, s, index=index, dim=dim, reduce="prod",
                                                 include_self=include_self) / masked_self
        else:
            zero = sa == 0
            zeros_at = _scatter_add(zero.astype(np.int64), index, dim, xa.shape)
            single = zero & (np.take(zeros_at.reshape(-1), _positions(index, dim, xa.shape)).reshape(index.shape) == 1)
            # a lone zero's gradient is the product of the others: recompute it with the zero as 1
            others = SCATTER_REDUCE.apply_in_vjp(x, np.where(single, 1, s), index=index, dim=dim, reduce="prod",
                                                 include_self=include_self)
            gs = np.where(single, _gather(g * others, index, dim), _gather(g * out, index, dim) / np.where(zero, 1, s))
    else:
        oa = array_of(out)
        value = np.take(oa.reshape(-1), _positions(index, dim, xa.shape)).reshape(index.shape)
        self_is = (xa == oa).astype(xa.dtype)
        src_is = (sa == value).astype(xa.dtype)
        # ties share the gradient evenly; `self` counts as a tie even when include_self=False
        # (PyTorch's rule)
        shared = g / (self_is + _scatter_add(src_is, index, dim, xa.shape))
        gx, gs = self_is * shared, src_is * _gather(shared, index, dim)
    if which == 0:
        return gx if include_self else np.where(_hit_mask(index, dim, xa.shape), 0, gx)
    return _to_src_shape(gs, src)


SCATTER_REDUCE = Primitive(
    "scatter_reduce", _scatter_reduce_forward,
    [lambda g, out, x, src, **kw: _reduce_grads(0, g, out, x, src, **kw),
     lambda g, out, x, src, **kw: _reduce_grads(1, g, out, x, src, **kw)],
    "sum: 1; mean: 1/count; prod: product of the others; amax/amin: 1/ties at the extreme",
)


def _no_scatter_derivative(*_, **__):
    raise RuntimeError("derivative for aten::scatter is not implemented")


# scatter(..., reduce='add'|'multiply'): PyTorch records it but has no derivative for it (unlike
# scatter_reduce), so backward through it raises
SCATTER_LEGACY_REDUCE = Primitive(
    "scatter_legacy_reduce",
    lambda x, src, index, dim, reduce: _scatter_reduce_forward(x, src, index, dim, reduce, True),
    [_no_scatter_derivative] * 2, "no derivative (PyTorch raises in backward)",
)


_WARNED: list = []


def _scatter_with_reduce(input, dim, index, source, reduce):
    modes = {"add": "sum", "multiply": "prod"}
    if reduce not in modes:
        raise RuntimeError("reduce argument must be either add or multiply.")
    if hasattr(source, "_data"):
        if not _WARNED:  # (PyTorch warns once per process)
            _WARNED.append(True)
            warnings.warn(
                "The reduce argument of torch.scatter with Tensor src is deprecated and will be "
                "removed in a future PyTorch release. Use torch.scatter_reduce instead for more "
                "reduction options.", UserWarning, stacklevel=3,
            )
    else:
        source = np.full(_shape(index), source, dtype=input.dtype)
    idx, d = _prepare("scatter", input, dim, index, source)
    if input.ndim == 0:
        out = SCATTER_LEGACY_REDUCE(input.reshape(1), source.reshape(-1), index=idx.reshape(-1), dim=0,
                                    reduce=modes[reduce])
        return out.reshape(())
    return SCATTER_LEGACY_REDUCE(input, source, index=idx, dim=d, reduce=modes[reduce])


def _prepare(name, input, dim, index, src=None):
    idx = index_array(name, index)
    d = normalize_dim(dim, max(input.ndim, 1))
    src_shape = tuple(_shape(src)) if src is not None and _ndim(src) else None
    check_gather_index(name, tuple(input.shape) or (1,), d, idx, src_shape)
    if src is not None and _ndim(src) and np.asarray(array_of(src)).dtype != input.dtype and hasattr(src, "_data"):
        raise RuntimeError(f"{name}(): Expected self.dtype to be equal to src.dtype ({input.dtype} vs {src.dtype})")
    return idx, d


def _scatter_ref(x, dim, index, src=None, value=None):
    out = x.copy()
    moved = np.moveaxis(out, dim, 0)
    s = np.full(index.shape, value) if src is None else src
    s = np.moveaxis(s, dim, 0)
    idx = np.moveaxis(index, dim, 0)
    for pos in np.ndindex(*idx.shape):  # the definition, one element at a time
        moved[(idx[pos], *pos[1:])] = s[pos]
    return out


def _scatter_samples():
    idx = np.array([[0, 1, 2, 0], [1, 2, 0, 1]])
    return [Sample((3, 4), 0, Const(np.array([[0, 1, 2, 0]])), (1, 4)), Sample((3, 5), 1, Const(idx[:, :3] + 1), (2, 4)),
            Sample((3, 4), 0, Const(idx[:1]), value=-2.0)]


@register("scatter", ref=_scatter_ref, samples=_scatter_samples(), smooth=True)
def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    """A copy of `input` with ``out[index[i][j]][j] = src[i][j]`` (dim 0; likewise for other
    dims); `src` may be a number (or give `value=`). `reduce='add'|'multiply'` accumulates."""
    if src is None and value is None:
        raise TypeError("scatter(): expected a src tensor or a value")
    source = value if src is None else src
    if reduce is not None:  # (no gradient: backward raises, as in PyTorch)
        return _scatter_with_reduce(input, dim, index, source, reduce)
    idx, d = _prepare("scatter", input, dim, index, source)
    if input.ndim == 0:
        return SCATTER(input.reshape(1), source, index=idx.reshape(-1), dim=0).reshape(())
    return SCATTER(input, source, index=idx, dim=d)


def _scatter_add_ref(x, dim, index, src):
    out = x.copy()
    moved = np.moveaxis(out, dim, 0)
    s, idx = np.moveaxis(src, dim, 0), np.moveaxis(index, dim, 0)
    for pos in np.ndindex(*idx.shape):
        moved[(idx[pos], *pos[1:])] += s[pos]
    return out


def _scatter_add_samples():
    idx = np.array([[0, 1, 2, 0], [1, 2, 0, 0]])
    return [Sample((3, 4), 0, Const(idx), (2, 4)), Sample((3, 5), 1, Const(idx[:, :3] + 1), (3, 4)),
            Sample((4,), 0, Const(np.array([3, 3, 0])), (3,))]


@register("scatter_add", ref=_scatter_add_ref, samples=_scatter_add_samples())
def scatter_add(input, dim, index, src):
    """A copy of `input` with ``out[index[i][j]][j] += src[i][j]`` (dim 0); repeats accumulate."""
    idx, d = _prepare("scatter_add", input, dim, index, src)
    block = src[tuple(slice(0, n) for n in idx.shape)] if tuple(src.shape) != idx.shape else src
    return input + SCATTER_ADD_ZEROS(block, index=idx, dim=d, shape=tuple(input.shape))


def _scatter_reduce_ref(x, dim, index, src, reduce, include_self=True):
    out = x.copy()
    moved = np.moveaxis(out, dim, 0)
    s, idx = np.moveaxis(src, dim, 0), np.moveaxis(index, dim, 0)
    groups: dict = {}
    for pos in np.ndindex(*idx.shape):
        groups.setdefault((idx[pos], *pos[1:]), []).append(s[pos])
    fns = {"sum": np.sum, "prod": np.prod, "mean": np.mean, "amax": np.max, "amin": np.min}
    for target, values in groups.items():
        moved[target] = fns[reduce](values + ([moved[target]] if include_self else []))
    return out


def _scatter_reduce_samples():
    idx = np.array([[0, 1, 2, 0], [1, 2, 0, 0]])
    out = []
    for reduce in _REDUCTIONS:
        out.append(Sample((3, 4), 0, Const(idx), (2, 4), reduce))
        out.append(Sample((3, 5), 1, Const(idx[:, :3] + 1), (3, 4), reduce, include_self=False))
    return out


@register("scatter_reduce", ref=_scatter_reduce_ref, samples=_scatter_reduce_samples(), smooth=False,
          domain=(0.5, 2.0))
def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """A copy of `input` where each position that `index` addresses (as in `scatter`) becomes
    the `reduce` ('sum', 'prod', 'mean', 'amax', 'amin') of the src values sent there, and of
    its own value when `include_self`. Integer 'mean' rounds down."""
    if reduce not in _REDUCTIONS:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    idx, d = _prepare("scatter_reduce", input, dim, index, src)
    if input.ndim == 0:
        return SCATTER_REDUCE(input.reshape(1), src.reshape(-1), index=idx.reshape(-1), dim=0, reduce=reduce,
                              include_self=bool(include_self)).reshape(())
    return SCATTER_REDUCE(input, src, index=idx, dim=d, reduce=reduce, include_self=bool(include_self))
