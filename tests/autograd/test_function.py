"""Custom ops through autograd.Function, as a learner writes them."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
from autograd import Function, Tensor, gradcheck, gradgradcheck


class Cube(Function):
    """d x^3/dx = 3 x^2"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x * x


class ScaleBy(Function):
    @staticmethod
    def forward(ctx, x, factor):
        ctx.factor = factor
        assert ctx.needs_input_grad == (True, False)
        return x * factor

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.factor, None


class SplitSigns(Function):
    """Two outputs: the positive and negative parts."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0), x.clamp(max=0)

    @staticmethod
    def backward(ctx, g_pos, g_neg):
        (x,) = ctx.saved_tensors
        return autograd.where(x > 0, g_pos, g_neg)


class WrongShape(Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, grad):
        return Tensor(np.ones(7))


class WrongGradient(Function):
    @staticmethod
    def forward(ctx, x):
        return x * x

    @staticmethod
    def backward(ctx, grad):
        return grad * 3


def test_custom_function_forward_backward_and_gradcheck():
    x = Tensor(np.array([0.5, -1.5, 2.0]), requires_grad=True)
    y = Cube.apply(x)
    np.testing.assert_allclose(y._data, x._data**3)
    assert y.grad_fn.name() == "CubeBackward"
    y.sum().backward()
    np.testing.assert_allclose(x.grad._data, 3 * x._data**2)
    assert gradcheck(Cube.apply, (Tensor(np.array([0.3, -0.7]), requires_grad=True),))


def test_custom_function_second_order_when_backward_uses_tensor_ops():
    x = Tensor(np.array([0.4, 1.1]), requires_grad=True)
    assert gradgradcheck(Cube.apply, (x,))


def test_non_tensor_arguments_and_needs_input_grad():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    ScaleBy.apply(x, 3.0).sum().backward()
    np.testing.assert_allclose(x.grad._data, [3.0, 3.0])


def test_multiple_outputs():
    x = Tensor(np.array([-1.0, 2.0, -3.0]), requires_grad=True)
    pos, neg = SplitSigns.apply(x)
    (2 * pos.sum() + 5 * neg.sum()).backward()
    np.testing.assert_allclose(x.grad._data, [5.0, 2.0, 5.0])
    x.grad = None
    pos, _ = SplitSigns.apply(x)
    pos.sum().backward()
    np.testing.assert_allclose(x.grad._data, [0.0, 1.0, 0.0])


def test_saved_tensors_freed_after_backward():
    x = Tensor(np.array([1.0]), requires_grad=True)
    y = Cube.apply(x)
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_wrong_gradient_shape_is_reported():
    x = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"invalid gradient at index 0 - got shape \(7,\) but expected shape \(3,\)"):
        WrongShape.apply(x).sum().backward()


def test_gradcheck_catches_a_wrong_backward_and_names_it():
    x = Tensor(np.array([0.5, 2.0]), requires_grad=True)
    with pytest.raises(autograd.GradcheckError) as info:
        gradcheck(WrongGradient.apply, (x,))
    message = str(info.value)
    assert "input 0" in message and "numerical" in message and "analytic" in message
    assert not gradcheck(WrongGradient.apply, (x,), raise_exception=False)
    assert not gradcheck(WrongGradient.apply, (x,), raise_exception=False, fast_mode=True)


def test_no_node_under_no_grad():
    x = Tensor(np.ones(2), requires_grad=True)
    with autograd.no_grad():
        y = Cube.apply(x)
    assert y.grad_fn is None and not y.requires_grad
