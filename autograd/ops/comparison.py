"""Tests and logic without gradients: isnan/isinf/isfinite, isclose/allclose/equal, the
logical_* functions, and any/all over dims. Results are bool tensors (or Python bools for
allclose/equal), as in PyTorch."""

from __future__ import annotations

import numpy as np

from .registry import NUMPY_DISPATCH, Sample, normalize_dim, register
from .support import array_of, new_tensor

UNARY = [Sample((3, 4)), Sample(()), Sample((2, 1, 3))]
BINARY = [Sample((3, 4), (3, 4)), Sample((2, 3, 4), (4,)), Sample((3, 1), (1, 4))]


def _broadcast_error(name, a, b):
    try:
        np.broadcast_shapes(np.shape(a), np.shape(b))
    except ValueError:
        raise RuntimeError(
            f"{name}: the size of tensor a {tuple(np.shape(a))} must match the size of tensor b "
            f"{tuple(np.shape(b))} at each non-singleton dimension (broadcasting)"
        ) from None


@register("isnan", ref=np.isnan, samples=UNARY, differentiable=False, numpy=(np.isnan,))
def isnan(input):
    """Bool tensor: True where the element is NaN."""
    return new_tensor(np.isnan(array_of(input)))


@register("isinf", ref=np.isinf, samples=UNARY, differentiable=False, numpy=(np.isinf,))
def isinf(input):
    """Bool tensor: True where the element is +inf or -inf."""
    return new_tensor(np.isinf(array_of(input)))


@register("isfinite", ref=np.isfinite, samples=UNARY, differentiable=False, numpy=(np.isfinite,))
def isfinite(input):
    """Bool tensor: True where the element is neither NaN nor infinite."""
    return new_tensor(np.isfinite(array_of(input)))


def _close(name, input, other, rtol, atol, equal_nan):
    a, b = array_of(input), array_of(other)
    if hasattr(input, "_data") and hasattr(other, "_data") and a.dtype != b.dtype:
        raise RuntimeError(
            f"{name}(): expected both inputs to have the same dtype, but got {a.dtype} and {b.dtype}"
        )
    if rtol < 0 or atol < 0:
        raise RuntimeError(f"{name}(): rtol and atol must be non-negative, got rtol={rtol}, atol={atol}")
    _broadcast_error(name, a, b)
    return np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)


def _isclose_ref(a, b, rtol=1e-5, atol=1e-8, equal_nan=False):
    return np.abs(a - b) <= atol + rtol * np.abs(b)


@register("isclose", ref=_isclose_ref, differentiable=False, numpy=(np.isclose,),
          samples=[*BINARY, Sample((3, 4), (3, 4), rtol=0.5, atol=0.1)])
def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Bool tensor: ``|input - other| <= atol + rtol * |other|`` elementwise (broadcasting);
    NaNs count as equal only with `equal_nan`."""
    return new_tensor(_close("isclose", input, other, rtol, atol, equal_nan))


@register("allclose", ref=lambda a, b, rtol=1e-5, atol=1e-8, equal_nan=False: bool(np.all(_isclose_ref(a, b, rtol, atol))),
          differentiable=False, numpy=(np.allclose,),
          samples=[Sample((3, 4), (3, 4)), Sample((3, 4), (4,), rtol=10.0, atol=5.0)])
def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Python bool: whether `isclose` holds for every element."""
    return bool(np.all(_close("allclose", input, other, rtol, atol, equal_nan)))


@register("equal", ref=lambda a, b: np.array_equal(a, b), differentiable=False,
          samples=[Sample((3, 4), (3, 4)), Sample((3,), (3, 1))])
def equal(input, other):
    """Python bool: True if both tensors have the same shape and the same elements."""
    a, b = array_of(input), array_of(other)
    return bool(a.shape == b.shape and np.array_equal(a, b))


def _logical(name, fn, *args):
    arrays = [array_of(a) for a in args]
    if len(arrays) == 2:
        _broadcast_error(name, *arrays)
    return new_tensor(fn(*arrays))


@register("logical_and", ref=np.logical_and, samples=BINARY, differentiable=False, numpy=(np.logical_and,))
def logical_and(input, other):
    """Bool tensor: both elements are nonzero (broadcasting)."""
    return _logical("logical_and", np.logical_and, input, other)


@register("logical_or", ref=np.logical_or, samples=BINARY, differentiable=False, numpy=(np.logical_or,))
def logical_or(input, other):
    """Bool tensor: either element is nonzero (broadcasting)."""
    return _logical("logical_or", np.logical_or, input, other)


@register("logical_xor", ref=np.logical_xor, samples=BINARY, differentiable=False, numpy=(np.logical_xor,))
def logical_xor(input, other):
    """Bool tensor: exactly one element is nonzero (broadcasting)."""
    return _logical("logical_xor", np.logical_xor, input, other)


@register("logical_not", ref=np.logical_not, samples=UNARY, differentiable=False, numpy=(np.logical_not,))
def logical_not(input):
    """Bool tensor: the element is zero."""
    return _logical("logical_not", np.logical_not, input)


def _test_over_dims(fn, input, dim, keepdim):
    x = array_of(input)
    axis = normalize_dim(tuple(dim) if isinstance(dim, list) else dim, x.ndim)
    if x.ndim == 0:
        axis = None  # dim 0 / -1 of a 0-d tensor is the tensor itself
    out = fn(x, axis=axis, keepdims=bool(keepdim))
    if x.ndim == 0 and not keepdim:
        out = np.reshape(out, ())
    # uint8 in, uint8 out (PyTorch's legacy rule); every other dtype gives bool
    return new_tensor(np.asarray(out).astype(np.uint8) if x.dtype == np.uint8 else np.asarray(out))


ANY_SAMPLES = [Sample((3, 4)), Sample((3, 4), 1), Sample((2, 3, 4), dim=(0, 2), keepdim=True), Sample(())]


@register("any", ref=lambda x, dim=None, keepdim=False: np.any(x, axis=dim, keepdims=keepdim),
          samples=ANY_SAMPLES, differentiable=False)
def any(input, dim=None, keepdim=False):
    """True where any element along `dim` (an int, a tuple, or None for all) is nonzero."""
    return _test_over_dims(np.any, input, dim, keepdim)


@register("all", ref=lambda x, dim=None, keepdim=False: np.all(x, axis=dim, keepdims=keepdim),
          samples=ANY_SAMPLES, differentiable=False)
def all(input, dim=None, keepdim=False):
    """True where every element along `dim` (an int, a tuple, or None for all) is nonzero."""
    return _test_over_dims(np.all, input, dim, keepdim)


# numpy's spelling (axis=, keepdims=) when np.any / np.all meet a Tensor
NUMPY_DISPATCH[np.any] = lambda a, axis=None, out=None, keepdims=False, **kw: any(a, axis, keepdims)
NUMPY_DISPATCH[np.all] = lambda a, axis=None, out=None, keepdims=False, **kw: all(a, axis, keepdims)
