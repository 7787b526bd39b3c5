"""The hypothesis strategies users get from autograd.testing, used as a user would."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
from autograd import Tensor
from autograd.testing import (
    assert_grad_matches_numeric,
    assert_gradgrad_matches_numeric,
    basic_indices,
    broadcastable_shapes,
    index_expressions,
    shapes,
    tensors,
    valid_axes,
)


def softplus(t):
    return (1 + t.exp()).log()


@given(tensors(shape=shapes(max_dims=2)))
def test_user_style_property_test_of_softplus(x):
    assert x.dtype == np.float64 and x.requires_grad
    assert_grad_matches_numeric(softplus, x)


@given(tensors(shape=(3,), min_value=-1, max_value=1))
def test_second_order_assertion(x):
    assert_gradgrad_matches_numeric(lambda t: (t * t).sin(), x)


def test_assertion_fails_for_a_wrong_gradient():
    class Wrong(autograd.Function):
        @staticmethod
        def forward(ctx, t):
            return t * 3

        @staticmethod
        def backward(ctx, g):
            return g * 2

    with pytest.raises(AssertionError, match="numerical 3 vs analytic 2"):
        assert_grad_matches_numeric(Wrong.apply, Tensor(np.ones(2), requires_grad=True))


@given(broadcastable_shapes(num_shapes=3))
def test_broadcastable_shapes_broadcast(shapes_):
    assert len(shapes_) == 3
    np.broadcast_shapes(*shapes_)


@given(st.data())
def test_valid_axes_reduce(data):
    shape = data.draw(shapes(min_dims=1))
    axes = data.draw(valid_axes(len(shape)))
    x = data.draw(tensors(shape=shape))
    # (PyTorch's rule: dim=() reduces every dim, where numpy's axis=() reduces none)
    np.testing.assert_allclose(x.sum(dim=axes)._data, x._data.sum(axis=axes or None))
    single = data.draw(valid_axes(len(shape), single=True))
    assert x.mean(dim=single).shape == np.mean(x._data, axis=single).shape


@given(st.data())
def test_index_expressions_match_numpy_and_gradients_scatter(data):
    shape = data.draw(shapes(min_dims=1, max_dims=3))
    x = data.draw(tensors(shape=shape))
    key = data.draw(index_expressions(shape))
    y = x[key]
    np.testing.assert_array_equal(y._data, x._data[key])
    y.sum().backward()
    expected = np.zeros(shape)
    np.add.at(expected, key, 1.0)
    np.testing.assert_array_equal(x.grad._data, expected)


@given(st.data())
def test_basic_indices_gradcheck(data):
    shape = data.draw(shapes(min_dims=1, max_dims=2, max_side=3))
    key = data.draw(basic_indices(shape))
    x = data.draw(tensors(shape=shape))
    assert_grad_matches_numeric(lambda t: t[key] * 2, x)


@given(tensors(shape=(4,), away_from=0.2))
def test_away_from_keeps_values_off_zero(x):
    assert np.all(np.abs(x._data) >= 0.2)
