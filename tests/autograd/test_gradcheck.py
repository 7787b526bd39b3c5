"""numerical_grad, gradcheck (full and fast), gradgradcheck."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
from autograd import Tensor, gradcheck, gradgradcheck, numerical_grad


def test_numerical_grad_of_a_known_function():
    x = Tensor(np.array([0.3, -0.2, 1.0]))
    g = numerical_grad(lambda t: (t * t * t).sum(), x)
    np.testing.assert_allclose(g, 3 * x._data**2, rtol=1e-6)


def test_numerical_grad_several_inputs_and_grad_output():
    a = Tensor(np.array([1.0, 2.0]))
    b = Tensor(np.array([3.0, -1.0]))
    ga, gb = numerical_grad(lambda x, y: x * y, (a, b), grad_output=np.array([1.0, 2.0]))
    np.testing.assert_allclose(ga, b._data * [1, 2], rtol=1e-6)
    np.testing.assert_allclose(gb, a._data * [1, 2], rtol=1e-6)
    with pytest.raises(ValueError, match="grad_output"):
        numerical_grad(lambda x: x * 2, a)


def test_numerical_grad_and_gradcheck_perturb_inputs_of_any_memory_order():
    # a column-major (transposed) array: reshape(-1) would copy it and perturb nothing
    w = np.arange(1.0, 7.0).reshape(3, 2).T
    x = Tensor(w, requires_grad=True)
    assert not x._data.flags.c_contiguous
    f = lambda t: (t * t * np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])).sum()
    np.testing.assert_allclose(numerical_grad(f, x), 2 * w * [[1, 2, 3], [4, 5, 6]], rtol=1e-6)
    assert gradcheck(f, (x,))
    assert gradcheck(lambda t: t.tanh() * 2, (x,))


def test_gradcheck_runs_float32_inputs_in_float64():
    x = Tensor(np.array([0.1, 0.2], np.float32), requires_grad=True)
    assert gradcheck(lambda t: t.tanh() * t, (x,))


def test_gradcheck_multiple_outputs_and_non_differentiable_inputs():
    x = Tensor(np.array([[0.5, 1.0], [2.0, 0.3]]), requires_grad=True)
    c = Tensor(np.array([1.0, 2.0]))
    assert gradcheck(lambda a, b: (a * b, a.exp().sum(dim=0)), (x, c))


def test_fast_mode_passes_and_fails_correctly():
    x = Tensor(np.random.default_rng(0).normal(size=(4, 5)), requires_grad=True)
    assert gradcheck(lambda t: (t @ t.T).softmax(dim=1), (x,), fast_mode=True)

    class Bad(autograd.Function):
        @staticmethod
        def forward(ctx, t):
            return t.sin()

        @staticmethod
        def backward(ctx, g):
            return g

    with pytest.raises(autograd.GradcheckError, match="fast mode"):
        gradcheck(Bad.apply, (x,), fast_mode=True)


def test_gradcheck_error_reports_worst_element():
    class OffByOneElement(autograd.Function):
        @staticmethod
        def forward(ctx, t):
            return t * 2

        @staticmethod
        def backward(ctx, g):
            out = g * 2
            out = out + Tensor(np.array([0.0, 0.0, 0.5]))
            return out

    with pytest.raises(autograd.GradcheckError, match=r"input index \(2,\): numerical 0 vs analytic 0\.5"):
        gradcheck(OffByOneElement.apply, (Tensor(np.ones(3), requires_grad=True),))


def test_gradgradcheck_detects_non_differentiable_backward():
    class FirstOrderOnly(autograd.Function):
        @staticmethod
        def forward(ctx, t):
            ctx.save_for_backward(t)
            return t * t

        @staticmethod
        def backward(ctx, g):
            (t,) = ctx.saved_tensors
            return g * Tensor(2 * t._data)  # drops the dependence on t: wrong second derivative

    x = Tensor(np.array([0.5, 1.5]), requires_grad=True)
    assert gradcheck(FirstOrderOnly.apply, (x,))
    with pytest.raises(autograd.GradcheckError):
        gradgradcheck(FirstOrderOnly.apply, (x,))


def test_gradcheck_requires_a_differentiable_input():
    with pytest.raises(ValueError, match="requires_grad=True"):
        gradcheck(lambda t: t * 2, (Tensor(np.ones(2)),))
