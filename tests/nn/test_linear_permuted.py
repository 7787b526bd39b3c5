"""linear on inputs whose leading axes lie in memory in another order (a batch_first view of a
time-major array): forward, gradients and output layout against torch (skipped without it)."""

import numpy as np
import pytest

import autograd
import nn.functional as F
from nn.functional.linear import _leading_order

torch = pytest.importorskip("torch")


def _stored(shape, axes, seed, dtype=np.float32):
    """An array of `shape` that is a transpose (by `axes`) of a C-contiguous one."""
    inverse = np.argsort(axes)
    base = np.random.default_rng(seed).standard_normal([shape[i] for i in inverse]).astype(dtype)
    return base.transpose(axes)


@pytest.mark.parametrize("shape, axes", [
    ((4, 5, 6), (1, 0, 2)),          # batch_first view of (L, N, H)
    ((3, 4, 2, 6), (2, 0, 1, 3)),
    ((3, 4, 2, 6), (1, 2, 0, 3)),
])
@pytest.mark.parametrize("n_out", [3, 9])  # fewer and more outputs than inputs (which is copied)
@pytest.mark.parametrize("bias", [True, False])
def test_permuted_input_matches_torch(shape, axes, n_out, bias):
    xa = _stored(shape, axes, 0)
    assert _leading_order(xa) is not None  # the permuted path runs
    rng = np.random.default_rng(1)
    wa = np.asfortranarray(rng.standard_normal((n_out, shape[-1])).astype(np.float32))
    ba = rng.standard_normal(n_out).astype(np.float32) if bias else None
    ga = rng.standard_normal((*shape[:-1], n_out)).astype(np.float32)
    x, w = autograd.from_numpy(xa).requires_grad_(), autograd.from_numpy(wa).requires_grad_()
    b = autograd.from_numpy(ba).requires_grad_() if bias else None
    tx, tw = torch.from_numpy(xa).requires_grad_(), torch.from_numpy(wa).requires_grad_()
    tb = torch.from_numpy(ba).requires_grad_() if bias else None
    out, tout = F.linear(x, w, b), torch.nn.functional.linear(tx, tw, tb)
    assert out.shape == tuple(tout.shape) and out._data.flags.c_contiguous
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-5, atol=1e-5)
    out.backward(autograd.from_numpy(ga))
    tout.backward(torch.from_numpy(ga))
    for ours, theirs in [(x, tx), (w, tw)] + ([(b, tb)] if bias else []):
        assert ours.grad.shape == tuple(theirs.grad.shape)
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-5, atol=1e-5)
    assert w.grad._data.flags.f_contiguous  # the weight's own memory order


def test_permuted_input_bitwise_forward_and_float64_gradcheck():
    xa = _stored((4, 3, 5), (1, 0, 2), 2, np.float64)
    rng = np.random.default_rng(3)
    w = autograd.from_numpy(rng.standard_normal((2, 5))).requires_grad_()
    b = autograd.from_numpy(rng.standard_normal(2)).requires_grad_()
    x = autograd.from_numpy(xa).requires_grad_()
    ref = np.matmul(np.ascontiguousarray(xa).reshape(-1, 5), w._data.T) + b._data
    np.testing.assert_array_equal(F.linear(x, w, b).detach().numpy(), ref.reshape(4, 3, 2))
    assert autograd.gradcheck(lambda x, w, b: F.linear(x, w, b), (x, w, b))


@pytest.mark.parametrize("array", [
    np.zeros((2, 3, 4)),                        # C-contiguous: the plain path
    np.zeros((2, 3, 4))[:, ::2],                # strided: no order merges the rows
    np.zeros((4, 3, 2)).transpose(2, 1, 0),     # last axis not innermost
    np.zeros((3, 4)).T,
])
def test_leading_order_is_none_where_it_does_not_apply(array):
    assert _leading_order(array) is None
