"""layer_norm / batch_norm on their fast path (statistics as GEMVs, xhat saved from the forward,
in-place VJP) against PyTorch in float32 and float64: outputs and the gradients of x, w and b."""

import numpy as np
import pytest

import nn.functional as F
from autograd import Tensor

RNG = np.random.default_rng(5)


def _grads(out, leaves, g):
    (out * Tensor(g)).sum().backward()
    return [t.grad._data for t in leaves]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape, normalized", [((4, 6, 32), (32,)), ((3, 4, 5), (4, 5)), ((7, 16), (16,))])
@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm_matches_torch(dtype, shape, normalized, affine):
    torch = pytest.importorskip("torch")
    x = (RNG.standard_normal(shape) * 3 + 1.5).astype(dtype)
    w = RNG.standard_normal(normalized).astype(dtype) if affine else None
    b = RNG.standard_normal(normalized).astype(dtype) if affine else None
    g = RNG.standard_normal(shape).astype(dtype)
    ours = [Tensor(a, requires_grad=True) for a in (x, w, b) if a is not None]
    theirs = [torch.from_numpy(a).requires_grad_() for a in (x, w, b) if a is not None]
    out = F.layer_norm(ours[0], normalized, *ours[1:])
    t_out = torch.nn.functional.layer_norm(theirs[0], normalized, *theirs[1:])
    t_out.backward(torch.from_numpy(g))
    tol = {"rtol": 1e-4, "atol": 1e-5} if dtype == np.float32 else {"rtol": 1e-10, "atol": 1e-12}
    assert out.dtype == dtype
    np.testing.assert_allclose(out._data, t_out.detach().numpy(), **tol)
    for a, t in zip(_grads(out, ours, g), theirs, strict=True):
        assert a.dtype == dtype
        np.testing.assert_allclose(a, t.grad.numpy(), **tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_batch_norm_training_matches_torch(dtype):
    torch = pytest.importorskip("torch")
    x = (RNG.standard_normal((4, 3, 5, 5)) * 2 - 1).astype(dtype)
    w, b = RNG.standard_normal(3).astype(dtype), RNG.standard_normal(3).astype(dtype)
    g = RNG.standard_normal(x.shape).astype(dtype)
    rm, rv = np.zeros(3, dtype), np.ones(3, dtype)
    ours = [Tensor(a, requires_grad=True) for a in (x, w, b)]
    theirs = [torch.from_numpy(a).requires_grad_() for a in (x, w, b)]
    t_rm, t_rv = torch.from_numpy(rm.copy()), torch.from_numpy(rv.copy())
    o_rm, o_rv = Tensor(rm.copy()), Tensor(rv.copy())
    out = F.batch_norm(ours[0], o_rm, o_rv, ours[1], ours[2], training=True)
    t_out = torch.nn.functional.batch_norm(theirs[0], t_rm, t_rv, theirs[1], theirs[2], training=True)
    t_out.backward(torch.from_numpy(g))
    tol = {"rtol": 1e-4, "atol": 1e-5} if dtype == np.float32 else {"rtol": 1e-10, "atol": 1e-12}
    np.testing.assert_allclose(out._data, t_out.detach().numpy(), **tol)
    np.testing.assert_allclose(o_rm._data, t_rm.numpy(), **tol)
    np.testing.assert_allclose(o_rv._data, t_rv.numpy(), **tol)
    for a, t in zip(_grads(out, ours, g), theirs, strict=True):
        np.testing.assert_allclose(a, t.grad.numpy(), **tol)


@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm_output_changed_in_place_keeps_gradients(affine):
    """xhat is saved apart from the output: an in-place change of the output (allowed, as in
    PyTorch, whose LayerNorm saves no output) leaves the gradients unchanged."""
    x = Tensor(RNG.standard_normal((3, 8)), requires_grad=True)
    w = Tensor(RNG.standard_normal(8), requires_grad=True) if affine else None
    leaves = [x, w] if affine else [x]
    g = RNG.standard_normal((3, 8))
    expected = _grads(F.layer_norm(x, (8,), w), leaves, g)
    for t in leaves:
        t.grad = None
    out = F.layer_norm(x, (8,), w)
    out.mul_(3.0)
    for got, want in zip(_grads(out, leaves, g), expected, strict=True):
        np.testing.assert_allclose(got, 3 * want, rtol=1e-10, atol=1e-12)
