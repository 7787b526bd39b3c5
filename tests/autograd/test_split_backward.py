"""split/chunk/unbind backward: the pieces' gradients side by side, zero slices for pieces that
got none, and a differentiable result under create_graph (against torch; skipped without it)."""

import numpy as np
import pytest

import autograd

torch = pytest.importorskip("torch")


def _pair(shape, seed=0, dtype=np.float32):
    a = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    return (autograd.from_numpy(a.copy()).requires_grad_(),
            torch.from_numpy(a.copy()).requires_grad_())


@pytest.mark.parametrize("how", ["split", "sections", "chunk", "unbind"])
@pytest.mark.parametrize("used", [(0, 1, 2), (1,), (0, 2)])
def test_gradient_with_unused_pieces_matches_torch(how, used):
    x, tx = _pair((4, 9, 5))
    calls = {"split": lambda t: t.split(3, dim=1), "sections": lambda t: t.split([2, 3, 4], 1),
             "chunk": lambda t: t.chunk(3, dim=1), "unbind": lambda t: t.unbind(1)[::3]}
    pieces, tpieces = calls[how](x), calls[how](tx)
    rng = np.random.default_rng(1)
    weights = [rng.standard_normal(tuple(p.shape)).astype(np.float32) for p in tpieces]
    loss = sum((pieces[k] * autograd.from_numpy(weights[k])).sum() for k in used)
    tloss = sum((tpieces[k] * torch.from_numpy(weights[k])).sum() for k in used)
    loss.backward()
    tloss.backward()
    assert x.grad.dtype == x.dtype and x.grad.shape == x.shape
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


def test_non_contiguous_piece_gradients_land_in_their_slices():
    # the qkv pattern: pieces viewed as heads and transposed, so their gradients come back
    # through a transpose (non-contiguous until the view's backward copies them)
    x, tx = _pair((2, 6, 12), seed=2)
    outs = []
    for t, T in ((x, autograd), (tx, torch)):
        q, k, v = t.split(4, dim=2)
        q, k = q.reshape(2, 6, 2, 2).transpose(1, 2), k.transpose(1, 2)
        outs.append((q.sum(-1) ** 2).sum() + (k * T.arange(6.0)).sum() + v.exp().sum())
    outs[0].backward()
    outs[1].backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6, atol=1e-6)


def test_second_order_through_split_with_an_unused_piece():
    x, tx = _pair((3, 6), seed=3, dtype=np.float64)
    grads = []
    for t, grad in ((x, autograd.grad), (tx, torch.autograd.grad)):
        a, _, c = t.split(2, dim=1)
        loss = (a**3).sum() + (c.sin() * a).sum()
        (g,) = grad(loss, t, create_graph=True)
        grads.append(grad((g**2).sum(), t)[0])
    np.testing.assert_allclose(grads[0].numpy(), grads[1].numpy(), rtol=1e-12)
