"""Hypothesis strategies and assertions for property-based gradient tests of your own functions.

    from hypothesis import given
    from autograd.testing import tensors, assert_grad_matches_numeric

    @given(tensors(shape=(3, 4)))
    def test_my_softplus(x):
        assert_grad_matches_numeric(lambda t: (1 + t.exp()).log(), x)
"""

from __future__ import annotations

import numpy as np

try:
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp
except ImportError as _error:
    raise ImportError(
        "autograd.testing needs hypothesis: install the testing extra, "
        'pip install "tapegrad[testing]" (in a checkout: pip install -e ".[testing]")'
    ) from _error

from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .tensor import Tensor

__all__ = [
    "assert_grad_matches_numeric",
    "assert_gradgrad_matches_numeric",
    "basic_indices",
    "broadcastable_shapes",
    "index_expressions",
    "integer_array_indices",
    "shapes",
    "tensors",
    "valid_axes",
]


def shapes(min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 4):
    """Strategy for array shapes (tuples of ints)."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def broadcastable_shapes(num_shapes: int = 2, min_dims: int = 0, max_dims: int = 3,
                         min_side: int = 1, max_side: int = 4):
    """Strategy for `num_shapes` shapes that broadcast together (numpy rules)."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=num_shapes, min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    ).map(lambda b: b.input_shapes)


@st.composite
def tensors(draw, shape=None, dtype=np.float64, min_value: float = -2.0, max_value: float = 2.0,
            requires_grad: bool = True, away_from: float | None = None):
    """Strategy for Tensors with finite values in [min_value, max_value].

    Args:
        shape: a shape tuple, a shape strategy, or None (any small shape).
        dtype: float64 by default (gradient checks need it).
        requires_grad: whether the drawn tensor requires grad.
        away_from: keep values at least this far from 0 (for kinks such as relu or abs).
    """
    if shape is None:
        shape = shapes()
    if not isinstance(shape, tuple):
        shape = draw(shape)
    elements = st.floats(min_value, max_value, allow_nan=False, allow_infinity=False, width=64)
    data = draw(hnp.arrays(np.float64, shape, elements=elements))
    if away_from is not None:
        data = np.where(np.abs(data) < away_from, np.copysign(away_from, data) + data, data)
    return Tensor(data.astype(dtype), requires_grad=requires_grad)


def valid_axes(ndim: int, min_size: int = 0, max_size: int | None = None, single: bool = False):
    """Strategy for a `dim` argument: a tuple of distinct axes (or one int with `single`)."""
    if single:
        if ndim == 0:
            return st.just(0)
        return st.integers(-ndim, ndim - 1)
    return hnp.valid_tuple_axes(ndim, min_size=min_size, max_size=max_size)


def basic_indices(shape: tuple, allow_newaxis: bool = True, allow_ellipsis: bool = True):
    """Strategy for basic index expressions (ints, slices, None, Ellipsis) into `shape`."""
    return hnp.basic_indices(shape, allow_newaxis=allow_newaxis, allow_ellipsis=allow_ellipsis)


def integer_array_indices(shape: tuple, result_shape=None):
    """Strategy for tuples of integer index arrays into `shape` (repeats allowed)."""
    if result_shape is None:
        result_shape = shapes(min_dims=1, max_dims=2, max_side=5)
    return hnp.integer_array_indices(shape, result_shape=result_shape)


def index_expressions(shape: tuple):
    """Strategy for any supported index into `shape`: basic, integer arrays, or a boolean mask."""
    masks = hnp.arrays(np.bool_, shape) if shape else st.nothing()
    choices = [basic_indices(shape)]
    if shape and all(n > 0 for n in shape):
        choices.append(integer_array_indices(shape))
        choices.append(masks)
    return st.one_of(*choices)


def assert_grad_matches_numeric(fn, *inputs, eps: float = 1e-6, atol: float = 1e-5,
                                rtol: float = 1e-3, fast_mode: bool = False) -> None:
    """Assert that backprop through `fn(*inputs)` matches central finite differences (float64).

    Raises AssertionError naming the input, the worst element, and both values.
    """
    try:
        gradcheck(fn, inputs, eps=eps, atol=atol, rtol=rtol, fast_mode=fast_mode)
    except GradcheckError as exc:
        raise AssertionError(str(exc)) from None


def assert_gradgrad_matches_numeric(fn, *inputs, eps: float = 1e-6, atol: float = 1e-5,
                                    rtol: float = 1e-3) -> None:
    """Assert that second derivatives of `fn` match finite differences of its gradient."""
    try:
        gradgradcheck(fn, inputs, eps=eps, atol=atol, rtol=rtol)
    except GradcheckError as exc:
        raise AssertionError(str(exc)) from None
