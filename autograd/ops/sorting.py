"""Order statistics: sort, argsort, topk, kthvalue, median. Values are gathered from the input
(so the gradient flows to the chosen elements); indices are int64 and need no grad.

numpy's kernels do the work: a stable argsort for sort (NaN counts as the largest value, as in
PyTorch), `np.argpartition` then a sort of the k chosen for topk and kthvalue.
"""

from __future__ import annotations

import numpy as np

from .gathering import gather_elements
from .registry import Primitive, Sample, normalize_dim, register
from .support import array_of, new_tensor, return_type


def _axis(input, dim):
    return normalize_dim(dim, max(input.ndim, 1))


def argsort_array(x: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    """Stable order along `axis`: ties keep their input order, in both directions."""
    if not descending:
        return np.argsort(x, axis=axis, kind="stable")
    n = x.shape[axis]
    # a stable ascending sort of the reversed slice, reversed, is descending with ties in input order
    order = np.argsort(np.flip(x, axis), axis=axis, kind="stable")
    return np.flip(n - 1 - order, axis)


def _with_values(name, input, idx, axis, keepdim=True):
    values = gather_elements(input, axis, idx)
    if not keepdim:
        values = values.squeeze(axis)
        idx = np.squeeze(idx, axis)
    return return_type(name)(values, new_tensor(idx.astype(np.int64, copy=False)))


def _scalar_input(name, input, dim):
    normalize_dim(dim, 1)
    return return_type(name)(input * 1, new_tensor(np.zeros((), dtype=np.int64)))


def _sort_ref(x, dim=-1, descending=False, stable=False):
    idx = np.argsort(-x if descending else x, axis=dim, kind="stable")
    return np.take_along_axis(x, idx, axis=dim), idx


SORT_SAMPLES = [Sample((3, 4)), Sample((3, 4), 0), Sample((2, 3, 4), 1, True), Sample((5,), descending=True, stable=True)]


@register("sort", ref=_sort_ref, samples=SORT_SAMPLES, smooth=False)
def sort(input, dim=-1, descending=False, stable=False):
    """``(values, indices)`` of `input` sorted along `dim`. The sort is always stable (equal
    values keep their input order, also when descending), so `stable=True` holds as documented."""
    if input.ndim == 0:
        return _scalar_input("sort", input, dim)
    axis = _axis(input, dim)
    return _with_values("sort", input, argsort_array(array_of(input), axis, bool(descending)), axis)


@register("argsort", ref=lambda x, dim=-1, descending=False, stable=False: _sort_ref(x, dim, descending)[1],
          samples=SORT_SAMPLES, differentiable=False)
def argsort(input, dim=-1, descending=False, stable=False):
    """int64 indices that sort `input` along `dim` (stable; see `sort`)."""
    if input.ndim == 0:
        normalize_dim(dim, 1)
        return new_tensor(np.zeros((), dtype=np.int64))
    return new_tensor(argsort_array(array_of(input), _axis(input, dim), bool(descending)).astype(np.int64))


def _topk_ref(x, k, dim=-1, largest=True, sorted=True):
    values, idx = _sort_ref(x, dim, descending=largest)
    sl = [slice(None)] * x.ndim
    sl[dim] = slice(0, k)
    return values[tuple(sl)], idx[tuple(sl)]


@register("topk", ref=_topk_ref, smooth=False,
          samples=[Sample((3, 5), 2), Sample((3, 5), 3, 0), Sample((2, 3, 4), 2, largest=False), Sample((6,), 6)])
def topk(input, k, dim=-1, largest=True, sorted=True):
    """``(values, indices)`` of the `k` largest (or smallest) elements along `dim`, in sorted
    order. Costs O(n) to select (np.argpartition) plus O(k log k) to sort the k."""
    if input.ndim == 0:
        if k not in (0, 1):
            raise RuntimeError("topk(): selected index k out of range")
        return _scalar_input("topk", input, dim)
    axis = _axis(input, dim)
    x = array_of(input)
    n = x.shape[axis]
    k = int(k)
    if not 0 <= k <= n:
        raise RuntimeError("topk(): selected index k out of range")
    if 0 < k < n:
        part = np.argpartition(x, n - k if largest else k - 1, axis=axis)
        part = np.take(part, np.arange(n - k, n) if largest else np.arange(k), axis=axis)
        chosen = np.take_along_axis(x, part, axis=axis)
        order = argsort_array(chosen, axis, bool(largest))
        idx = np.take_along_axis(part, order, axis=axis)
    else:
        idx = np.take(argsort_array(x, axis, bool(largest)), np.arange(k), axis=axis)
    return _with_values("topk", input, idx, axis)


def _kth_ref(x, k, dim=-1, keepdim=False):
    idx = np.take(np.argsort(x, axis=dim, kind="stable"), [k - 1], axis=dim)
    values = np.take_along_axis(x, idx, axis=dim)
    if not keepdim:
        values, idx = np.squeeze(values, dim), np.squeeze(idx, dim)
    return values, idx


@register("kthvalue", ref=_kth_ref, smooth=False,
          samples=[Sample((3, 5), 2), Sample((3, 5), 3, 0), Sample((2, 3, 4), 4, keepdim=True)])
def kthvalue(input, k, dim=-1, keepdim=False):
    """``(values, indices)`` of the k-th smallest element (k from 1) along `dim`."""
    if input.ndim == 0:
        if k != 1:
            raise RuntimeError("kthvalue(): selected number k out of range for dimension 0")
        return _scalar_input("kthvalue", input, dim)
    axis = _axis(input, dim)
    x = array_of(input)
    n = x.shape[axis]
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {axis}")
    idx = np.take(np.argpartition(x, k - 1, axis=axis), [k - 1], axis=axis)
    return _with_values("kthvalue", input, idx, axis, bool(keepdim))


def _median_index(x, axis):
    """Index of the lower median along `axis` (among equal values, the one a stable sort puts
    there, as PyTorch picks); of the first NaN where a slice has one."""
    k = (x.shape[axis] - 1) // 2
    value = np.take_along_axis(x, np.take(np.argpartition(x, k, axis=axis), [k], axis=axis), axis=axis)
    # O(n) stable pick: among the elements equal to the median, the (k - #smaller + 1)-th in
    # input order
    equal = x == value
    rank = k - np.sum(x < value, axis=axis, keepdims=True) + 1
    idx = np.argmax(equal & (np.cumsum(equal, axis=axis) == rank), axis=axis, keepdims=True)
    if x.dtype.kind == "f":
        nan = np.isnan(x)
        has_nan = nan.any(axis=axis, keepdims=True)
        idx = np.where(has_nan, np.argmax(nan, axis=axis, keepdims=True), idx)
    return idx


def _median_all(x):
    flat = x.reshape(-1)
    if np.isnan(flat).any():
        return np.asarray(np.nan, dtype=x.dtype)
    return np.partition(flat, (flat.size - 1) // 2)[(flat.size - 1) // 2]


def _median_all_vjp(g, out, x):
    # shared evenly between every element equal to the median (NaNs, if it is NaN), as PyTorch
    xa, oa = array_of(x), array_of(out)
    hit = (xa == oa) | (np.isnan(xa) & np.isnan(oa))
    return g * hit / np.sum(hit)


MEDIAN_ALL = Primitive(
    "median", _median_all, [_median_all_vjp],
    "d median(x)/dx_i = 1/k for the k elements equal to the median, else 0",
)


def _median_ref(x, dim=None, keepdim=False):
    if dim is None:
        return np.sort(x.ravel())[(x.size - 1) // 2]
    return _kth_ref(x, (x.shape[dim] + 1) // 2, dim, keepdim)


@register("median", ref=_median_ref, smooth=False,
          samples=[Sample((3, 5)), Sample((4,)), Sample((3, 5), 1), Sample((3, 4), 0, True)])
def median(input, dim=None, keepdim=False):
    """The lower median (element (n - 1) // 2 in sorted order; NaN if any element is NaN).
    Without `dim`, over all elements (a 0-d tensor; the gradient is shared by the elements equal
    to it); with `dim`, ``(values, indices)`` (the gradient goes to the element at the index)."""
    x = array_of(input)
    if dim is None:
        if x.size == 0:
            return (input.reshape(-1).sum() * np.nan).reshape(())
        return MEDIAN_ALL(input)
    if input.ndim == 0:
        return _scalar_input("median", input, dim)
    axis = _axis(input, dim)
    return _with_values("median", input, _median_index(x, axis), axis, bool(keepdim))
