"""Cumulative ops along a dim: cumsum, cumprod, cummax, cummin, logcumsumexp (numpy's
accumulating kernels; no Python loop over elements)."""

from __future__ import annotations

import numpy as np

from .gathering import gather_elements
from .reduction import acc_dtype
from .registry import NUMPY_DISPATCH, Primitive, Sample, normalize_dim, register
from .support import array_of, new_tensor, return_type


def _along(values, axis, ndim):
    """A 1-D array shaped to broadcast along `axis` of an `ndim`-dim array."""
    shape = [1] * ndim
    shape[axis] = -1
    return np.reshape(values, shape)


def _flip(a, axis):
    return np.flip(a, axis)


def _rev_cumsum(g, axis):
    """sum_{j >= i} g_j along `axis` (the VJP of cumsum), on arrays or Tensors."""
    return _flip(CUMSUM.apply_in_vjp(_flip(g, axis), axis=axis), axis)


def _cumprod_vjp(g, out, x, axis):
    xa = array_of(x)
    is_zero = xa == 0
    if not is_zero.any():
        return _rev_cumsum(g * out, axis) / x
    # exact with zeros: before the first zero of a slice, the division formula holds (every
    # later product is 0 there); at the first zero, the products of the others; after it, 0
    n = xa.shape[axis]
    pos = _along(np.arange(n), axis, xa.ndim)
    first = np.where(is_zero.any(axis=axis, keepdims=True), np.argmax(is_zero, axis=axis, keepdims=True), n)
    before = pos < first
    at = pos == first
    part_before = _rev_cumsum(g * out, axis) / np.where(before, x, 1)
    others = CUMPROD.apply_in_vjp(np.where(at, 1, x), axis=axis)
    part_at = np.sum(np.where(pos >= first, g * others, 0), axis=axis, keepdims=True)
    return np.where(before, part_before, np.where(at, part_at, 0))


def _cumsum(x, axis):
    acc = acc_dtype(x)
    return np.cumsum(x, axis=axis) if acc is None else np.cumsum(x, axis=axis, dtype=acc).astype(x.dtype)


CUMSUM = Primitive(
    # (float16 accumulates in float32, as PyTorch: a float16 running sum stalls at 2048)
    "cumsum", lambda x, axis: _cumsum(x, axis),
    [lambda g, out, x, axis: _rev_cumsum(g, axis)],
    "d cumsum(x)_j/dx_i = 1 for i <= j: the gradient is the reversed cumsum of g",
)
CUMPROD = Primitive(
    "cumprod", lambda x, axis: np.cumprod(x, axis=axis), [_cumprod_vjp],
    "d cumprod(x)_j/dx_i = prod_{k <= j, k != i} x_k for i <= j",
)


def _rev_logcumsumexp(a, axis):
    return _flip(np.logaddexp.accumulate(_flip(a, axis), axis=axis), axis)


def _logcumsumexp_vjp(g, out, x, axis):
    if isinstance(g, np.ndarray) and isinstance(x, np.ndarray):
        # PyTorch's stable form: grad_i = sum_{j >= i} g_j exp(x_i - out_j), with the positive
        # and negative parts of g summed in log space (no overflow or underflow of exp(-out))
        with np.errstate(divide="ignore"):
            log_pos = np.log(np.maximum(g, 0))
            log_neg = np.log(np.maximum(-g, 0))
        return np.exp(_rev_logcumsumexp(log_pos - out, axis) + x) - np.exp(_rev_logcumsumexp(log_neg - out, axis) + x)
    return np.exp(x) * _rev_cumsum(g * np.exp(-out), axis)


LOGCUMSUMEXP = Primitive(
    "logcumsumexp", lambda x, axis: np.logaddexp.accumulate(x, axis=axis), [_logcumsumexp_vjp],
    "d logcumsumexp(x)_j/dx_i = exp(x_i - out_j) for i <= j",
)


def _scan(prim, input, dim, dtype):
    if dtype is not None:
        input = input.to(dtype)
    if input.ndim == 0:
        normalize_dim(dim, 0)
        return prim(input.reshape(1), axis=0).reshape(())
    out = prim(input, axis=normalize_dim(dim, input.ndim))
    return out


@register("cumsum", ref=lambda x, dim: np.cumsum(x, axis=dim),
          samples=[Sample((3, 4), 1), Sample((3, 4), 0), Sample((2, 3, 4), -1), Sample((5,), 0)],
          )
def cumsum(input, dim, *, dtype=None):
    """Running sum along `dim`: out_j = x_0 + ... + x_j (integers and bools sum as int64)."""
    return _scan(CUMSUM, input, dim, dtype)


@register("cumprod", ref=lambda x, dim: np.cumprod(x, axis=dim),
          samples=[Sample((3, 4), 1), Sample((3, 4), 0), Sample((2, 3, 4), -1)], domain=(0.5, 1.5),
          )
def cumprod(input, dim, *, dtype=None):
    """Running product along `dim`: out_j = x_0 * ... * x_j (exact gradient also with zeros)."""
    return _scan(CUMPROD, input, dim, dtype)


@register("logcumsumexp", ref=lambda x, dim: np.log(np.cumsum(np.exp(x), axis=dim)),
          samples=[Sample((3, 4), 1), Sample((3, 4), 0), Sample((2, 3, 4), -1)])
def logcumsumexp(input, dim):
    """log(cumsum(exp(x))) along `dim`, computed pairwise as logaddexp (stable for large x)."""
    if input.dtype.kind not in "fc":
        raise RuntimeError(f"logcumsumexp: expected a floating point tensor, got {input.dtype}")
    return _scan(LOGCUMSUMEXP, input, dim, None)


def _running_extreme(name, ufunc, input, dim):
    x = array_of(input)
    if x.ndim == 0:
        normalize_dim(dim, 0)
        return return_type(name)(input * 1, new_tensor(np.zeros((), dtype=np.int64)))
    axis = normalize_dim(dim, x.ndim)
    values = ufunc.accumulate(x, axis=axis)
    # the index moves to i wherever x_i reaches the running extreme (ties take the later
    # index, as PyTorch); a NaN becomes the extreme and keeps it until the next NaN
    pos = _along(np.arange(x.shape[axis]), axis, x.ndim)
    hit = (x == values) | np.isnan(x) if x.dtype.kind in "fc" else x == values
    idx = np.maximum.accumulate(np.where(hit, pos, 0), axis=axis).astype(np.int64)
    return return_type(name)(gather_elements(input, axis, idx), new_tensor(idx))


def _cummax_ref(x, dim):
    v = np.maximum.accumulate(x, axis=dim)
    return v, _ref_index(x, v, dim, np.greater_equal)


def _cummin_ref(x, dim):
    v = np.minimum.accumulate(x, axis=dim)
    return v, _ref_index(x, v, dim, np.less_equal)


def _ref_index(x, v, dim, cmp):
    moved = np.moveaxis(x, dim, -1)
    idx = np.zeros(moved.shape, dtype=np.int64)
    best = moved[..., 0].copy()
    for i in range(moved.shape[-1]):  # a plain scan: the definition, independent of the op
        take = cmp(moved[..., i], best)
        best = np.where(take, moved[..., i], best)
        idx[..., i] = np.where(take, i, idx[..., i - 1] if i else 0)
    return np.moveaxis(idx, -1, dim)


CUM_SAMPLES = [Sample((3, 4), 1), Sample((3, 4), 0), Sample((2, 3, 4), -1)]


@register("cummax", ref=_cummax_ref, samples=CUM_SAMPLES, smooth=False)
def cummax(input, dim):
    """Running maximum along `dim` as ``(values, indices)``; the gradient goes to the element
    at each index (int64 indices; ties take the later index)."""
    return _running_extreme("cummax", np.maximum, input, dim)


@register("cummin", ref=_cummin_ref, samples=CUM_SAMPLES, smooth=False)
def cummin(input, dim):
    """Running minimum along `dim` as ``(values, indices)`` (see `cummax`)."""
    return _running_extreme("cummin", np.minimum, input, dim)


def _numpy_scan(fn):
    # numpy's spelling: axis=None scans the flattened array
    def scan(a, axis=None, dtype=None, out=None):
        return fn(a.reshape(-1), 0, dtype=dtype) if axis is None else fn(a, axis, dtype=dtype)
    return scan


NUMPY_DISPATCH[np.cumsum] = _numpy_scan(cumsum)
NUMPY_DISPATCH[np.cumprod] = _numpy_scan(cumprod)
