"""Reductions over dimensions: sum, mean, var/std, max/min, prod, argmax/argmin.

Public functions take PyTorch's `dim`/`keepdim` (and numpy's `axis`/`keepdims` as aliases).
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from ..inplace import torch_dtype_name
from .arithmetic import maximum, minimum
from .indexing import gather
from .registry import Primitive, Sample, Tensor, _new_tensor, normalize_dim, pick, register

REDUCE = [Sample((3, 4)), Sample((3, 4), dim=1), Sample((2, 3, 4), dim=(0, 2), keepdim=True),
          Sample((2, 3), dim=-1, keepdim=True), Sample(())]

MaxResult = namedtuple("MaxResult", ["values", "indices"])
_add_reduce = np.add.reduce


def unreduce(g, shape, axis, keepdims):
    """Broadcast a reduced gradient back to `shape` (inverse of a sum over `axis`)."""
    if not shape:  # a 0-d input (reduced over dim 0 or -1, as PyTorch allows): same shape
        return g.reshape(())
    if axis is None and type(g) is np.ndarray:
        # NOTE: a filled array is cheaper than np.broadcast_to's Python-level checks for a scalar
        out = np.empty(shape, dtype=g.dtype)
        out[...] = g
        return out
    if axis is not None and not keepdims:
        axes = (axis,) if isinstance(axis, int) else axis
        g = np.expand_dims(g, tuple(axes))
    elif axis is None and not keepdims:
        g = np.reshape(g, (1,) * len(shape))
    return np.broadcast_to(g, shape)


def _count(x, axis) -> int:
    if axis is None:
        return x.size if hasattr(x, "size") and not callable(x.size) else int(np.prod(x.shape))
    axes = (axis,) if isinstance(axis, int) else axis
    return int(np.prod([x.shape[a] for a in axes]))


def acc_dtype(x):
    """float32 for a float16 array (PyTorch accumulates float16 reductions in float32: squares
    of values past 256 overflow float16), else None (numpy's own)."""
    return _F32 if x.dtype == _F16 else None


def _in_dtype(out, x):
    return out if out.dtype == x.dtype else np.asarray(out).astype(x.dtype)


_F16, _F32 = np.dtype(np.float16), np.dtype(np.float32)


def _sum_dtype(x):
    # numpy sums unsigned integers as uint64; PyTorch sums every integer dtype as int64
    return _INT64 if x.dtype.kind == "u" else None


_INT64 = np.dtype(np.int64)


def _count_in(shape, axis) -> int:
    """How many elements of an array of `shape` one reduction over `axis` combines."""
    if axis is None:
        return int(np.prod(shape))
    axes = (axis,) if isinstance(axis, int) else axis
    return int(np.prod([shape[a] for a in axes]))


def _extreme_vjp(g, out, x, axis, keepdims):
    # gradient shared evenly between tied extremes, as PyTorch's amax/amin
    mask = x == unreduce(out, x.shape, axis, keepdims)
    mask = mask * 1.0 if hasattr(mask, "grad_fn") else mask.astype(x.dtype)
    return unreduce(g, x.shape, axis, keepdims) * mask / np.sum(mask, axis=axis, keepdims=True)


def _extreme_all_vjp(g, out, x, axis, keepdims):
    # max()/min() over every element, as PyTorch's evenly_distribute_backward: shared between
    # tied extremes, and a nan result sends it to the nan elements (amax/amin, which compare
    # with ==, give nan everywhere there, as PyTorch's do)
    hit = (x == out) | (np.isnan(x) & np.isnan(out))
    mask = hit * 1.0 if hasattr(hit, "grad_fn") else hit.astype(x.dtype)
    return g * mask / np.sum(mask)


def _prod_vjp(g, out, x, axis, keepdims):
    if isinstance(x, np.ndarray) and not np.all(x):
        return unreduce(g, x.shape, axis, keepdims) * _prod_of_others(x, axis)
    return unreduce(g * out, x.shape, axis, keepdims) / x


def _prod_of_others(x, axis):
    """Product of all other elements along `axis`, exact when x has zeros (exclusive cumprods)."""
    if axis is None:
        flat = x.reshape(-1)
        return _prod_of_others(flat, 0).reshape(x.shape)
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    moved = np.moveaxis(x, axes, tuple(range(-len(axes), 0)))
    shape = moved.shape
    flat = moved.reshape(*shape[: moved.ndim - len(axes)], -1)
    ones = np.ones_like(flat[..., :1])
    left = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    right = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    return np.moveaxis((left * right).reshape(shape), tuple(range(-len(axes), 0)), axes)


SUM = Primitive(
    # NOTE: the ufunc's reduce, which np.sum calls through three Python-level wrappers (same
    # dtype rules: small integers and bools sum as int64)
    "sum",
    lambda x, axis, keepdims: _add_reduce(x, axis=axis, keepdims=keepdims, dtype=_sum_dtype(x)),
    [lambda g, out, x, axis, keepdims: unreduce(g, x.shape, axis, keepdims)],
    "d sum(x)/dx_i = 1",
)
MEAN = Primitive(
    "mean", lambda x, axis, keepdims: np.mean(x, axis=axis, keepdims=keepdims),
    # (reads only x.shape: an in-place change to x after mean() is no error, as in PyTorch)
    [lambda g, out, x, axis, keepdims: unreduce(g, x.shape, axis, keepdims) / _count_in(x.shape, axis)],
    "d mean(x)/dx_i = 1 / n",
)
VAR = Primitive(
    "var", lambda x, axis, correction, keepdims: _in_dtype(
        np.var(x, axis=axis, ddof=correction, keepdims=keepdims, dtype=acc_dtype(x)), x),
    [
        lambda g, out, x, axis, correction, keepdims: unreduce(g, x.shape, axis, keepdims)
        * (2 * (x - np.mean(x, axis=axis, keepdims=True)) / (_count(x, axis) - correction))
    ],
    "d var(x)/dx_i = 2 (x_i - mean(x)) / (n - correction)",
)
def _std_vjp(g, out, x, axis, correction, keepdims):
    # d std/dx_i = (x_i - mean) / ((n - correction) std); 0 where std is 0 (a constant input),
    # as PyTorch, instead of 0/0
    safe = np.where(out == 0, 1, out)
    scale = np.where(out == 0, 0, g / ((_count(x, axis) - correction) * safe))
    return unreduce(scale, x.shape, axis, keepdims) * (x - np.mean(x, axis=axis, keepdims=True))


STD = Primitive(
    "std", lambda x, axis, correction, keepdims: _in_dtype(
        np.std(x, axis=axis, ddof=correction, keepdims=keepdims, dtype=acc_dtype(x)), x),
    [_std_vjp], "d std(x)/dx_i = (x_i - mean(x)) / ((n - correction) std(x)), 0 where std(x) = 0",
)
AMAX = Primitive(
    "amax", lambda x, axis, keepdims: np.amax(x, axis=axis, keepdims=keepdims), [_extreme_vjp],
    "d max(x)/dx_i = 1 at the maximum (shared evenly between ties), else 0",
)
MAX_ALL = Primitive(
    "max_all", lambda x, axis, keepdims: np.amax(x), [_extreme_all_vjp],
    "d max(x)/dx_i = 1/k for the k elements equal to the max (the nan elements if it is nan)",
)
MIN_ALL = Primitive(
    "min_all", lambda x, axis, keepdims: np.amin(x), [_extreme_all_vjp],
    "d min(x)/dx_i = 1/k for the k elements equal to the min (the nan elements if it is nan)",
)
AMIN = Primitive(
    "amin", lambda x, axis, keepdims: np.amin(x, axis=axis, keepdims=keepdims), [_extreme_vjp],
    "d min(x)/dx_i = 1 at the minimum (shared evenly between ties), else 0",
)
PROD = Primitive(
    "prod", lambda x, axis, keepdims: np.prod(x, axis=axis, keepdims=keepdims), [_prod_vjp],
    "d prod(x)/dx_i = product of the other elements",
)


def _reduce_args(input, dim, keepdim, axis, keepdims):
    if isinstance(dim, (tuple, list)) and not dim:
        dim = None  # PyTorch's rule: dim=() reduces every dim (numpy's axis=() reduces none)
    dim = pick(dim, axis)
    ax = normalize_dim(dim, input.ndim)
    if input.ndim == 0 and ax is not None:
        ax = None  # dim 0 or -1 of a 0-d tensor: the one element (PyTorch's rule)
    return ax, bool(pick(keepdim, keepdims, False))


@register("sum", ref=lambda x, dim=None, keepdim=False: np.sum(x, axis=dim, keepdims=keepdim),
          samples=REDUCE, numpy=(np.sum,))
def sum(input, dim=None, keepdim=None, *, axis=None, keepdims=None, dtype=None):
    """Sum over `dim` (all elements when None); `keepdim` keeps reduced dims as size 1."""
    if dim is None and axis is None and keepdim is None and keepdims is None and dtype is None:
        return SUM(input, axis=None, keepdims=False)  # (`loss.sum()`: no arguments to resolve)
    ax, kd = _reduce_args(input, dim, keepdim, axis, keepdims)
    # as PyTorch, `dtype` casts the input before summing (float16 summed to float32 does not
    # overflow at 65504)
    return SUM(input if dtype is None else input.to(dtype), axis=ax, keepdims=kd)


@register("mean", ref=lambda x, dim=None, keepdim=False: np.mean(x, axis=dim, keepdims=keepdim),
          samples=REDUCE, numpy=(np.mean,))
def mean(input, dim=None, keepdim=None, *, axis=None, keepdims=None, dtype=None):
    """Arithmetic mean over `dim` (all elements when None)."""
    ax, kd = _reduce_args(input, dim, keepdim, axis, keepdims)
    if dtype is None and np.dtype(input.dtype).kind not in "fc":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {torch_dtype_name(input.dtype)} (convert first, e.g. t.float().mean())"
        )
    out = MEAN(input if dtype is None else input.to(dtype), axis=ax, keepdims=kd)
    return out


def _var_samples():
    return [Sample((3, 4)), Sample((3, 4), dim=1), Sample((2, 3, 4), dim=(0, 2), keepdim=True),
            Sample((5,), unbiased=False), Sample((3, 4), dim=0, correction=0)]


def _var_ref(x, dim=None, unbiased=None, keepdim=False, correction=None):
    ddof = correction if correction is not None else (0 if unbiased is False else 1)
    return np.var(x, axis=dim, ddof=ddof, keepdims=keepdim)


def _correction(unbiased, correction) -> int:
    if correction is not None:
        return correction
    return 0 if unbiased is False else 1


@register("var", ref=_var_ref, samples=_var_samples())
def var(input, dim=None, unbiased=None, keepdim=None, *, correction=None, axis=None, keepdims=None):
    """Variance over `dim`: sum((x - mean)^2) / (n - correction); unbiased (correction=1) by default."""
    ax, kd = _reduce_args(input, dim, keepdim, axis, keepdims)
    return VAR(input, axis=ax, correction=_correction(unbiased, correction), keepdims=kd)


@register("std", ref=lambda *a, **k: np.sqrt(_var_ref(*a, **k)), samples=_var_samples())
def std(input, dim=None, unbiased=None, keepdim=None, *, correction=None, axis=None, keepdims=None):
    """Standard deviation over `dim`: sqrt(var); unbiased (correction=1) by default."""
    ax, kd = _reduce_args(input, dim, keepdim, axis, keepdims)
    return STD(input, axis=ax, correction=_correction(unbiased, correction), keepdims=kd)


@register("amax", ref=lambda x, dim=None, keepdim=False: np.amax(x, axis=dim, keepdims=keepdim),
          samples=REDUCE, smooth=False, numpy=(np.amax, np.max))
def amax(input, dim=None, keepdim=None, *, axis=None, keepdims=None):
    """Maximum over `dim`; the gradient is shared evenly between tied maxima."""
    ax, kd = _reduce_args(input, dim, keepdim, axis, keepdims)
    return AMAX(input, axis=ax, keepdims=kd)


@register("amin", ref=lambda x, dim=None, keepdim=False: np.amin(x, axis=dim, keepdims=keepdim),
          samples=REDUCE, smooth=False, numpy=(np.amin, np.min))
def amin(input, dim=None, keepdim=None, *, axis=None, keepdims=None):
    """Minimum over `dim`; the gradient is shared evenly between tied minima."""
    ax, kd = _reduce_args(input, dim, keepdim, axis, keepdims)
    return AMIN(input, axis=ax, keepdims=kd)


def _extreme_with_indices(input, dim, keepdim, arg_fn, reduce_all):
    if dim is None:
        return reduce_all(input)
    d = normalize_dim(dim, input.ndim)
    if input.ndim == 0:  # (dim 0 or -1 of a scalar: itself at index 0, as PyTorch)
        return MaxResult(input.clone(), Tensor(np.zeros((), np.int64)))
    idx = np.expand_dims(arg_fn(input._data, axis=d), d)
    values = gather(input, d, Tensor(idx))
    idx_t = Tensor(idx)
    if not keepdim:
        values = values.squeeze(d)
        idx_t = Tensor(np.squeeze(idx, d))
    return MaxResult(values, idx_t)


def _max_ref(x, dim=None, keepdim=False):
    if dim is None:
        return np.amax(x)
    return np.amax(x, axis=dim, keepdims=keepdim), np.argmax(x, axis=dim, keepdims=keepdim)


def _min_ref(x, dim=None, keepdim=False):
    if dim is None:
        return np.amin(x)
    return np.amin(x, axis=dim, keepdims=keepdim), np.argmin(x, axis=dim, keepdims=keepdim)


MAX_SAMPLES = [Sample((3, 4)), Sample((3, 4), dim=1), Sample((2, 3, 4), dim=0, keepdim=True)]


@register("max", ref=_max_ref, samples=MAX_SAMPLES, smooth=False)
def max(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Largest element; with `dim`, a `(values, indices)` pair; with a tensor, `maximum`.

    With `dim`, the gradient flows to the element at `indices` only (PyTorch's rule).
    """
    if hasattr(dim, "grad_fn"):
        return maximum(input, dim)
    dim = pick(dim, axis)
    keepdim = bool(pick(keepdims, None, keepdim))
    return _extreme_with_indices(input, dim, keepdim, np.argmax, lambda t: MAX_ALL(t, axis=None, keepdims=False))


@register("min", ref=_min_ref, samples=MAX_SAMPLES, smooth=False)
def min(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Smallest element; with `dim`, a `(values, indices)` pair; with a tensor, `minimum`."""
    if hasattr(dim, "grad_fn"):
        return minimum(input, dim)
    dim = pick(dim, axis)
    keepdim = bool(pick(keepdims, None, keepdim))
    return _extreme_with_indices(input, dim, keepdim, np.argmin, lambda t: MIN_ALL(t, axis=None, keepdims=False))


def _arg_reduce(fn, input, dim, keepdim):
    if dim is None:
        out = fn(input._data.reshape(-1))
        if keepdim:
            out = np.reshape(out, (1,) * input.ndim)
        return _new_tensor(np.asarray(out, dtype=np.int64))
    d = normalize_dim(dim, input.ndim)
    return _new_tensor(np.asarray(fn(input._data, axis=d, keepdims=keepdim), dtype=np.int64))


@register("argmax", ref=lambda x, dim=None, keepdim=False: np.argmax(x, axis=dim, keepdims=keepdim),
          samples=[Sample((3, 4)), Sample((3, 4), dim=1), Sample((3, 4), dim=0, keepdim=True)],
          differentiable=False, numpy=(np.argmax,))
def argmax(input, dim=None, keepdim=False, *, axis=None):
    """Index of the largest element (over the flattened tensor when `dim` is None); int64."""
    return _arg_reduce(np.argmax, input, pick(dim, axis), keepdim)


@register("argmin", ref=lambda x, dim=None, keepdim=False: np.argmin(x, axis=dim, keepdims=keepdim),
          samples=[Sample((3, 4)), Sample((3, 4), dim=1), Sample((3, 4), dim=0, keepdim=True)],
          differentiable=False, numpy=(np.argmin,))
def argmin(input, dim=None, keepdim=False, *, axis=None):
    """Index of the smallest element (over the flattened tensor when `dim` is None); int64."""
    return _arg_reduce(np.argmin, input, pick(dim, axis), keepdim)


@register("prod", ref=lambda x, dim=None, keepdim=False: np.prod(x, axis=dim, keepdims=keepdim),
          samples=[Sample((3, 4)), Sample((3, 4), dim=1), Sample((2, 3), dim=0, keepdim=True)],
          domain=(0.5, 1.5), numpy=(np.prod,))
def prod(input, dim=None, keepdim=None, *, axis=None, keepdims=None, dtype=None):
    """Product of elements over `dim` (all when None); exact gradient also with zeros.
    `dtype` casts the input first, as PyTorch; integers multiply as int64."""
    ax, kd = _reduce_args(input, dim, keepdim, axis, keepdims)
    if dtype is None and np.dtype(input.dtype).kind == "u":
        dtype = _INT64
    return PROD(input if dtype is None else input.to(dtype), axis=ax, keepdims=kd)
