"""Bad input gets a clear error: shapes, backward misuse, in-place changes, anomaly mode."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
from autograd import Tensor


def leaf(values):
    return Tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "maximum"])
def test_binary_shape_mismatch_names_op_and_shapes(op):
    a, b = Tensor(np.ones((2, 3))), Tensor(np.ones((4,)))
    with pytest.raises(RuntimeError) as info:
        getattr(autograd, op)(a, b)
    message = str(info.value)
    assert op in message and "(2, 3)" in message and "(4,)" in message


def test_matmul_shape_mismatch_names_both_shapes():
    with pytest.raises(RuntimeError, match=r"matmul: shapes \(2, 3\) and \(4, 5\)"):
        Tensor(np.ones((2, 3))) @ Tensor(np.ones((4, 5)))


def test_non_scalar_backward_needs_gradient():
    y = leaf([1.0, 2.0]) * 2
    with pytest.raises(RuntimeError, match="only for scalar outputs"):
        y.backward()
    y.backward(Tensor(np.ones(2)))


def test_gradient_of_wrong_shape():
    y = leaf([1.0, 2.0]) * 2
    with pytest.raises(RuntimeError, match=r"Mismatch in shape.*\(3,\).*\(2,\)"):
        y.backward(Tensor(np.ones(3)))


def test_backward_on_tensor_without_grad():
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor([1.0]).backward()


def test_grad_of_tensor_that_does_not_require_grad():
    x = leaf([1.0])
    c = Tensor([2.0])
    with pytest.raises(RuntimeError, match="does not require grad"):
        autograd.grad(x * c, [c])


def test_requires_grad_on_integer_tensor():
    with pytest.raises(RuntimeError, match="floating point"):
        Tensor([1, 2, 3], requires_grad=True)


def test_inplace_change_of_saved_tensor_is_detected():
    x = leaf([1.0, 2.0])
    a = Tensor(np.array([3.0, 4.0]))
    y = (x * a).sum()
    a[0] = 10.0
    with pytest.raises(RuntimeError) as info:
        y.backward()
    message = str(info.value)
    assert "MulBackward" in message and "version 1" in message and "expected version 0" in message


def test_inplace_change_after_backward_use_is_fine():
    x = leaf([1.0, 2.0])
    a = Tensor(np.array([3.0, 4.0]))
    a[0] = 10.0
    (x * a).sum().backward()
    np.testing.assert_allclose(x.grad._data, [10.0, 4.0])


def test_inplace_on_leaf_requiring_grad_raises_but_works_under_no_grad():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x[0] = 5.0
    with pytest.raises(RuntimeError, match="leaf Variable"):
        x.mul_(2)
    with autograd.no_grad():
        x.mul_(2)
        x[1] = 7.0
    np.testing.assert_allclose(x._data, [2.0, 7.0])
    assert x._version == 2


def test_inplace_on_graph_tensor_is_recorded():
    x = leaf([1.0, 3.0])
    y = x * 2
    y[0] = 1.0  # PyTorch records it: x[0] no longer reaches y
    y.sum().backward()
    np.testing.assert_allclose(x.grad._data, [0.0, 2.0])


def test_detect_anomaly_names_op_and_user_line():
    x = leaf([0.0, 1.0])
    with autograd.detect_anomaly(), np.errstate(divide="ignore"):
        y = x.sqrt()  # the line the error must point at
        loss = y.sum()
        with pytest.raises(autograd.AnomalyError) as info:
            loss.backward()
    message = str(info.value)
    assert "SqrtBackward" in message and "inf" in message
    assert "test_errors.py" in message and "y = x.sqrt()" in message


def test_without_anomaly_mode_non_finite_gradients_pass_silently():
    x = leaf([0.0])
    with np.errstate(divide="ignore"):
        x.sqrt().sum().backward()
    assert np.isinf(x.grad._data[0])


def test_index_out_of_range_dim():
    with pytest.raises(IndexError, match="Dimension out of range"):
        Tensor(np.ones((2, 3))).sum(dim=2)


def test_reshape_error_names_shapes():
    with pytest.raises(RuntimeError, match=r"reshape: shape \[4, 2\] is invalid for input of shape \(2, 3\)"):
        Tensor(np.ones((2, 3))).reshape(4, 2)


def test_cat_mismatch():
    with pytest.raises(RuntimeError, match="cat: sizes of tensors must match"):
        autograd.cat([Tensor(np.ones((2, 3))), Tensor(np.ones((2, 4)))], dim=0)


def test_numpy_on_tensor_requiring_grad():
    with pytest.raises(RuntimeError, match=r"detach\(\)\.numpy\(\)"):
        leaf([1.0]).numpy()


def test_item_of_many_elements_and_bool():
    with pytest.raises(RuntimeError, match="cannot be converted to Scalar"):
        Tensor([1.0, 2.0]).item()
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(Tensor([1.0, 2.0]))


def test_version_history_stays_bounded_and_errors_stay_exact():
    p = leaf([1.0, 2.0])
    with autograd.no_grad():
        for _ in range(100):
            p.add_(1.0)
    assert len(p._vc.mods) <= 16 and p._version == 100
    y = (p * p).sum()
    with autograd.no_grad():
        p.mul_(1.0)
    with pytest.raises(RuntimeError, match="is at version 101; expected version 100 instead"):
        y.backward()
