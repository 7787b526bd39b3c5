"""The in-place family and views against PyTorch: values, gradients, version counters, errors."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
from autograd import Tensor

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)
A = RNG.uniform(0.5, 1.5, (3, 4))
B = RNG.uniform(0.5, 1.5, (3, 4))
C = RNG.uniform(0.5, 1.5, (4,))
IDX = np.array([2, 0])
MASK = A > 1.0

# (name, call): call(lib, x, other) applies the in-place method to x, with `other` a second
# differentiable tensor of shape (3, 4) (and `lib` the module, for its index tensors)
INPLACE = [
    ("add_", lambda L, x, o: x.add_(o, alpha=2)),
    ("sub_", lambda L, x, o: x.sub_(o)),
    ("mul_", lambda L, x, o: x.mul_(o)),
    ("div_", lambda L, x, o: x.div_(o)),
    ("pow_", lambda L, x, o: x.pow_(o)),
    ("pow_scalar", lambda L, x, o: x.pow_(2.0)),
    ("neg_", lambda L, x, o: x.neg_()),
    ("abs_", lambda L, x, o: x.abs_()),
    ("exp_", lambda L, x, o: x.exp_()),
    ("log_", lambda L, x, o: x.log_()),
    ("sqrt_", lambda L, x, o: x.sqrt_()),
    ("relu_", lambda L, x, o: (x.sub_(1.0), x.relu_())[-1]),
    ("sigmoid_", lambda L, x, o: x.sigmoid_()),
    ("tanh_", lambda L, x, o: x.tanh_()),
    ("clamp_", lambda L, x, o: x.clamp_(0.8, 1.2)),
    ("clamp_min_", lambda L, x, o: x.clamp_min_(0.9)),
    ("clamp_max_", lambda L, x, o: x.clamp_max_(1.1)),
    ("copy_", lambda L, x, o: x.copy_(o * 3)),
    ("fill_", lambda L, x, o: x.fill_(o[0, 0])),
    ("zero_", lambda L, x, o: x.zero_()),
    ("masked_fill_", lambda L, x, o: x.masked_fill_(L.tensor(MASK), 0.5)),
    ("index_fill_", lambda L, x, o: x.index_fill_(1, L.tensor(IDX), -1.0)),
    ("index_add_", lambda L, x, o: x.index_add_(1, L.tensor(IDX), o[:, :2], alpha=3)),
    ("scatter_", lambda L, x, o: x.scatter_(1, L.tensor([[1, 1], [0, 3], [2, 2]]), o[:, :2])),
    ("scatter_add_", lambda L, x, o: x.scatter_add_(0, L.tensor([[1, 0, 2, 2], [1, 1, 0, 0]]), o[:2])),
    ("addcmul_", lambda L, x, o: x.addcmul_(o, o, value=0.5)),
    ("addcdiv_", lambda L, x, o: x.addcdiv_(o, o + 1, value=2)),
    ("lerp_", lambda L, x, o: x.lerp_(o, 0.3)),
    ("iadd", lambda L, x, o: x.__iadd__(o)),
    ("isub", lambda L, x, o: x.__isub__(o)),
    ("imul", lambda L, x, o: x.__imul__(o)),
    ("itruediv", lambda L, x, o: x.__itruediv__(o)),
    ("setitem_slice", lambda L, x, o: x.__setitem__((slice(None), slice(1, 3)), o[:, :2] * 2)),
    ("setitem_mask", lambda L, x, o: x.__setitem__(L.tensor(MASK), 7.0)),
    ("setitem_index", lambda L, x, o: x.__setitem__((L.tensor([0, 2]), 1), o[0, :2])),
]
IDS = [name for name, _ in INPLACE]


def _lib_pair(xs, os_, grad):
    ours = (Tensor(xs, requires_grad=grad), Tensor(os_, requires_grad=grad))
    theirs = (torch.tensor(xs, requires_grad=grad), torch.tensor(os_, requires_grad=grad))
    return ours, theirs


@pytest.mark.parametrize(("name", "call"), INPLACE, ids=IDS)
def test_plain_tensor_values_and_version(name, call):
    x, o = Tensor(A.copy()), Tensor(B.copy())
    tx, to = torch.tensor(A.copy()), torch.tensor(B.copy())
    data = x._data
    result = call(autograd, x, o)
    tresult = call(torch, tx, to)
    assert x._data is data, f"{name} did not write into the tensor's memory"
    if result is not None:
        assert result is x
    del tresult
    np.testing.assert_allclose(x._data, tx.numpy(), rtol=1e-12)
    assert x._version >= 1


@pytest.mark.parametrize(("name", "call"), INPLACE, ids=IDS)
def test_graph_tensor_records_as_pytorch(name, call):
    (x, o), (tx, to) = _lib_pair(A, B, True)
    weight = RNG.uniform(-1, 1, (3, 4))
    y = x * 1.5
    ty = tx * 1.5
    call(autograd, y, o)
    call(torch, ty, to)
    np.testing.assert_allclose(y._data, ty.detach().numpy(), rtol=1e-12)
    (y * Tensor(weight)).sum().backward()
    (ty * torch.tensor(weight)).sum().backward()
    for ours, theirs in ((x, tx), (o, to)):
        expected = None if theirs.grad is None else theirs.grad.numpy()
        got = None if ours.grad is None else ours.grad._data
        if expected is None or not np.any(expected):
            assert got is None or not np.any(got), name
        else:
            np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(("name", "call"), INPLACE, ids=IDS)
def test_change_through_a_view_rebases_the_base(name, call):
    (x, o), (tx, to) = _lib_pair(np.concatenate([A, B]), B, True)
    y = x * 2.0
    ty = tx * 2.0
    call(autograd, y[3:6], o)  # a basic-index view of y
    call(torch, ty[3:6], to)
    np.testing.assert_allclose(y._data, ty.detach().numpy(), rtol=1e-12)
    weight = RNG.uniform(-1, 1, (6, 4))
    (y * Tensor(weight)).sum().backward()
    (ty * torch.tensor(weight)).sum().backward()
    np.testing.assert_allclose(x.grad._data, tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    if to.grad is not None and np.any(to.grad.numpy()):
        np.testing.assert_allclose(o.grad._data, to.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("view", [
    lambda t: t[1],
    lambda t: t[:, 1:3],
    lambda t: t.view(12),
    lambda t: t.reshape(2, 6),
    lambda t: t.T,
    lambda t: t.mT,
    lambda t: t.transpose(0, 1),
    lambda t: t.permute(1, 0),
    lambda t: t.unsqueeze(0),
    lambda t: t[None].squeeze(0),
    lambda t: t.flatten(),
    lambda t: t.split(2, dim=1)[1],
    lambda t: t.chunk(3)[2],
    lambda t: t.unbind(0)[1],
    lambda t: t.detach(),
], ids=["int", "slice", "view", "reshape", "T", "mT", "transpose", "permute", "unsqueeze", "squeeze",
        "flatten", "split", "chunk", "unbind", "detach"])
def test_views_share_memory_and_the_version_counter(view):
    base = Tensor(A.copy())
    v = view(base)
    assert np.shares_memory(v._data, base._data)
    v.mul_(2.0)
    assert base._version == v._version == 1
    base.add_(1.0)
    assert v._version == 2
    tbase = torch.tensor(A.copy())
    tv = view(tbase)
    tv.mul_(2.0)
    tbase.add_(1.0)
    np.testing.assert_allclose(base._data, tbase.numpy(), rtol=1e-12)
    np.testing.assert_allclose(v._data, tv.numpy(), rtol=1e-12)


def test_copies_do_not_share_the_counter():
    base = Tensor(A.copy())
    for other in (base.data, base.clone(), base[Tensor(np.array([0, 1]))], base * 1):
        other.add_(1.0)
    assert base._version == 0


def test_in_place_on_a_view_of_a_leaf_raises():
    w = Tensor(A.copy(), requires_grad=True)
    with pytest.raises(RuntimeError, match="view of a leaf Variable"):
        w[0].mul_(2)
    with autograd.no_grad():
        w[0].mul_(2)
    np.testing.assert_allclose(w._data[0], 2 * A[0])


def test_in_place_result_dtype_must_fit():
    x = autograd.tensor([1, 2])
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type Long"):
        x.add_(0.5)
    x.add_(3)
    np.testing.assert_array_equal(x._data, [4, 5])
    y = autograd.zeros(2)
    y.copy_(autograd.tensor([1, 2]))  # copy_ casts
    assert y.dtype == np.float32 and y.tolist() == [1.0, 2.0]


def test_in_place_broadcast_must_fit_the_tensor():
    x = autograd.zeros(3)
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        x.add_(autograd.ones(2, 3))
    e = autograd.zeros(3, 1).expand(3, 4)
    with pytest.raises(RuntimeError, match="expanded view"):
        e.add_(1.0)


def test_shape_changes_in_place():
    x = Tensor(A.copy(), requires_grad=True)
    y = x * 1
    y.unsqueeze_(0)
    assert y.shape == (1, 3, 4)
    y.squeeze_(0)
    y.t_()
    y.transpose_(0, 1)
    assert y.shape == (3, 4)
    (y * Tensor(B)).sum().backward()
    np.testing.assert_allclose(x.grad._data, B)


def test_random_fills_keep_the_graph_connected_with_zero_gradient():
    x = Tensor(A.copy(), requires_grad=True)
    y = x * 2
    y.normal_()
    y.sum().backward()
    np.testing.assert_array_equal(x.grad._data, np.zeros_like(A))
    for method, args in (("uniform_", (0, 1)), ("bernoulli_", (0.5,)), ("exponential_", ()), ("random_", (0, 5))):
        z = autograd.zeros(100)
        getattr(z, method)(*args)
        assert z._version == 1
    assert set(np.unique(z._data)) <= {0.0, 1.0, 2.0, 3.0, 4.0}


def test_setitem_with_integer_then_array_follows_pytorch():
    x = autograd.zeros(3, 5, 4)
    tx = torch.zeros(3, 5, 4)
    value = np.arange(10.0).reshape(5, 2)
    x[0, :, [1, 2]] = Tensor(value)
    tx[0, :, [1, 2]] = torch.tensor(value, dtype=torch.float32)
    np.testing.assert_array_equal(x._data, tx.numpy())


def test_version_error_names_op_and_versions():
    x = Tensor(A.copy(), requires_grad=True)
    a = Tensor(B.copy())
    y = (x * a).sum()
    a.add_(1)
    a.add_(1)
    with pytest.raises(RuntimeError, match=r"input 1 of MulBackward, is at version 2; expected version 0"):
        y.backward()


def test_imod_records_the_remainder_gradient_as_pytorch():
    torch = pytest.importorskip("torch")
    values = [5.5, -3.25, 7.0]
    x = autograd.tensor(values, requires_grad=True)
    y = x * 1.5
    y %= 2.0
    (y * autograd.tensor([1.0, 2.0, 3.0])).sum().backward()
    tx = torch.tensor(values, requires_grad=True)
    ty = tx * 1.5
    ty %= 2.0
    (ty * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6)
