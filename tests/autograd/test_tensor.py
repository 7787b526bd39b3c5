"""Tensor basics: dtypes, creation, numpy interop, repr, indexing gradients, stability."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
from autograd import Tensor


def test_python_values_become_float32_and_int64():
    assert Tensor([1.0, 2.0]).dtype == np.float32
    assert Tensor(3.5).dtype == np.float32
    assert Tensor([1, 2]).dtype == np.int64
    assert Tensor([True, False]).dtype == np.bool_


def test_numpy_arrays_keep_their_dtype():
    assert Tensor(np.ones(2)).dtype == np.float64
    assert Tensor(np.ones(2, np.float32)).dtype == np.float32
    assert Tensor(np.ones(2), dtype=np.float32).dtype == np.float32


def test_python_scalars_do_not_upcast_float32():
    x = Tensor(np.ones(3, np.float32), requires_grad=True)
    for y in (x * 2.5, x + 1, 3.0 / (x + 1), x**2.0, 2.0**x, x - 0.1, x.clamp(0.1, 0.2)):
        assert y.dtype == np.float32, y.grad_fn
    z = (x * 2.5).exp().sum()
    z.backward()
    assert x.grad.dtype == np.float32


def test_creation_functions():
    assert autograd.zeros(2, 3).shape == (2, 3) and autograd.zeros((2, 3)).dtype == np.float32
    assert autograd.ones(4)._data.sum() == 4
    assert autograd.full((2,), 7.0).tolist() == [7.0, 7.0]
    assert autograd.arange(5).dtype == np.int64 and autograd.arange(0, 1, 0.25).dtype == np.float32
    np.testing.assert_allclose(autograd.linspace(0, 1, 5)._data, [0, 0.25, 0.5, 0.75, 1])
    np.testing.assert_array_equal(autograd.eye(3)._data, np.eye(3))
    autograd.manual_seed(0)
    a = autograd.randn(3, 4)
    autograd.manual_seed(0)
    b = autograd.randn(3, 4)
    np.testing.assert_array_equal(a._data, b._data)
    assert a.dtype == np.float32 and autograd.rand(2)._data.max() < 1
    assert autograd.zeros_like(a).shape == (3, 4) and autograd.ones_like(a).dtype == np.float32
    assert autograd.empty(2, 2).shape == (2, 2)
    assert autograd.randn(2, requires_grad=True).requires_grad
    t = autograd.tensor([1.0, 2.0], requires_grad=True)
    assert t.requires_grad and t.dtype == np.float32


def test_from_numpy_shares_memory_and_asarray_works():
    arr = np.arange(3.0)
    t = autograd.from_numpy(arr)
    arr[0] = 5.0
    assert t._data[0] == 5.0 and t.dtype == np.float64
    assert np.asarray(t) is t._data
    assert np.asarray(Tensor([1.0])).dtype == np.float32
    assert t.numpy() is arr
    assert t.tolist() == [5.0, 1.0, 2.0] and Tensor([2.5]).item() == 2.5


def test_attributes():
    t = Tensor(np.zeros((2, 3, 4)))
    assert t.shape == (2, 3, 4) and t.ndim == 3 and t.size() == (2, 3, 4) and t.size(1) == 3
    assert t.T.shape == (4, 3, 2) and t.numel() == 24 and t.dim() == 3 and len(t) == 2


def test_repr_reads_like_pytorch():
    assert repr(Tensor([1.0, 2.0, 3.0], requires_grad=True)) == "tensor([1., 2., 3.], requires_grad=True)"
    x = Tensor([1.0, 2.0], requires_grad=True)
    assert repr(x * 2) == "tensor([2., 4.], grad_fn=<MulBackward>)"
    assert repr(Tensor([0.12345, 1.0])) == "tensor([0.1235, 1.0000])"
    assert repr(Tensor(np.array([1.5]))) == "tensor([1.5000], dtype=float64)"
    assert repr(Tensor([1, 2])) == "tensor([1, 2])"


def test_numpy_functions_dispatch_to_ops():
    x = Tensor(np.array([0.5, 1.0]), requires_grad=True)
    y = np.exp(x)
    assert isinstance(y, Tensor) and y.grad_fn.name() == "ExpBackward"
    z = np.sum(np.where(x > 0.7, y, x * 2))
    assert isinstance(z, Tensor)
    z.backward()
    np.testing.assert_allclose(x.grad._data, [2.0, np.exp(1.0)])
    w = np.ones(2) + x
    assert isinstance(w, Tensor) and w.requires_grad


def test_comparisons_have_no_grad():
    x = Tensor(np.array([1.0, 3.0]), requires_grad=True)
    m = x > 2
    assert m.dtype == np.bool_ and not m.requires_grad
    assert (x == x)._data.all() and ((x // 2)._data == [0, 1]).all()


def test_integer_array_indexing_accumulates_repeats():
    x = Tensor(np.arange(4.0), requires_grad=True)
    x[[0, 0, 2, 0]].sum().backward()
    np.testing.assert_allclose(x.grad._data, [3.0, 0.0, 1.0, 0.0])


def test_boolean_mask_indexing_and_tensor_index():
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    mask = x > 2.5
    x[mask].sum().backward()
    np.testing.assert_allclose(x.grad._data, [[0, 0, 0], [1, 1, 1]])
    idx = Tensor([1, 0])
    np.testing.assert_allclose(x[idx]._data, x._data[[1, 0]])


def test_setitem_on_tensor_without_grad():
    t = autograd.zeros(3)
    t[1] = 2.0
    t[Tensor([0, 2])] = Tensor([5.0, 6.0])
    assert t.tolist() == [5.0, 2.0, 6.0]


def test_softmax_family_stable_at_large_inputs():
    x = Tensor(np.array([[1e4, 0.0, -1e4], [1e4, 1e4, 1e4]]), requires_grad=True)
    ls = x.log_softmax(dim=1)
    sm = x.softmax(dim=1)
    lse = x.logsumexp(dim=1)
    assert np.all(np.isfinite(ls._data[1])) and np.all(np.isfinite(sm._data))
    np.testing.assert_allclose(lse._data, [1e4, 1e4 + np.log(3)])
    np.testing.assert_allclose(sm._data[1], [1 / 3] * 3)
    (ls[:, 0].sum() + lse.sum()).backward()
    assert np.all(np.isfinite(x.grad._data))


def test_sigmoid_stable_at_large_inputs():
    x = Tensor(np.array([-1000.0, 0.0, 1000.0]), requires_grad=True)
    y = x.sigmoid()
    np.testing.assert_allclose(y._data, [0.0, 0.5, 1.0])
    y.sum().backward()
    assert np.all(np.isfinite(x.grad._data))


def test_max_with_dim_returns_values_and_indices():
    x = Tensor(np.array([[1.0, 5.0, 2.0], [7.0, 0.0, 7.0]]), requires_grad=True)
    values, indices = x.max(dim=1)
    assert values.tolist() == [5.0, 7.0] and indices.tolist() == [1, 0]
    values.sum().backward()
    np.testing.assert_allclose(x.grad._data, [[0, 1, 0], [1, 0, 0]])
    x.grad = None
    x.amax(dim=1).sum().backward()
    np.testing.assert_allclose(x.grad._data, [[0, 1, 0], [0.5, 0, 0.5]])


def test_prod_gradient_with_zeros_is_exact():
    x = Tensor(np.array([2.0, 0.0, 3.0]), requires_grad=True)
    x.prod().backward()
    np.testing.assert_allclose(x.grad._data, [0.0, 6.0, 0.0])


def test_var_std_are_unbiased_by_default_like_pytorch():
    data = np.array([1.0, 2.0, 4.0])
    assert Tensor(data).var().item() == pytest.approx(np.var(data, ddof=1))
    assert Tensor(data).std(unbiased=False).item() == pytest.approx(np.std(data))


def test_torch_style_shape_methods():
    x = Tensor(np.arange(24.0).reshape(2, 3, 4))
    assert x.transpose(0, 2).shape == (4, 3, 2)
    assert x.permute(2, 0, 1).shape == (4, 2, 3)
    assert x.view(-1, 4).shape == (6, 4) and x.flatten(1).shape == (2, 12)
    assert x.unsqueeze(1).shape == (2, 1, 3, 4) and x.unsqueeze(1).squeeze(1).shape == (2, 3, 4)
    assert x.repeat(1, 2, 1).shape == (2, 6, 4)
    assert [c.shape for c in x.chunk(2, dim=2)] == [(2, 3, 2), (2, 3, 2)]
    assert [c.shape for c in x.split([1, 2], dim=1)] == [(2, 1, 4), (2, 2, 4)]
    assert Tensor(np.ones((3, 1))).expand(3, 4).shape == (3, 4)
    assert autograd.stack([x, x], dim=0).shape == (2, 2, 3, 4)
    assert autograd.cat([x, x], dim=1).shape == (2, 6, 4)
    assert autograd.pad(x, (1, 1)).shape == (2, 3, 6)


def test_to_and_casts():
    x = Tensor(np.ones(2, np.float32), requires_grad=True)
    y = x.double()
    assert y.dtype == np.float64 and y.requires_grad
    (y * 2).sum().backward()
    assert x.grad.dtype == np.float32
    assert x.long().dtype == np.int64 and x.to(autograd.float64).dtype == np.float64


def test_one_hot_and_gather():
    t = Tensor([0, 2, 1])
    oh = autograd.one_hot(t, 3)
    np.testing.assert_array_equal(oh._data, np.eye(3, dtype=np.int64)[[0, 2, 1]])
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    g = x.gather(1, Tensor([[2], [0]]))
    assert g.tolist() == [[2.0], [3.0]]
    g.sum().backward()
    np.testing.assert_allclose(x.grad._data, [[0, 0, 1], [1, 0, 0]])


def test_tensor_where_method_follows_pytorch_argument_order():
    x = Tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True)
    y = x.where(x > 0, Tensor(np.zeros(3)))
    assert y.tolist() == [1.0, 0.0, 3.0]
    y.sum().backward()
    np.testing.assert_allclose(x.grad._data, [1.0, 0.0, 1.0])
    assert Tensor(np.ones((2, 3))).t().shape == (3, 2)
    assert bool((x > 0).any()) and not bool((x > 0).all())


def test_sum_of_small_integers_and_bools_is_int64_as_in_pytorch():
    for dtype in (np.int8, np.int16, np.int32, np.bool_):
        t = Tensor(np.ones((2, 3), dtype=dtype))
        assert t.sum().dtype == np.int64 and t.sum().item() == 6
        assert t.sum(dim=1).dtype == np.int64 and t.sum(dim=1).tolist() == [3, 3]
