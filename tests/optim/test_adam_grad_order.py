"""Adam/AdamW with gradients in another memory order than their parameters (a Linear weight's
gradient under create_graph): bitwise the update with order-matched gradients, and PyTorch's."""

import numpy as np
import pytest

import autograd
import nn
import optim
from autograd import Tensor


def _run(kwargs, transpose_grads, steps=6):
    rng = np.random.default_rng(0)
    starts = [np.asfortranarray(rng.standard_normal((5, 7)).astype(np.float32)),
              rng.standard_normal((4, 3)).astype(np.float32), rng.standard_normal(6).astype(np.float32)]
    params = [Tensor(a.copy(order="K"), requires_grad=True) for a in starts]
    opt = optim.Adam(params, **kwargs)
    for _ in range(steps):
        for p in params:
            g = rng.standard_normal(p.shape).astype(np.float32)
            same = g.copy(order="F" if p._data.flags.f_contiguous and p.ndim > 1 else "C")
            other = g.copy(order="C" if same.flags.f_contiguous and p.ndim > 1 else "F")
            if transpose_grads and p.ndim > 1:
                assert other.strides != p._data.strides
            p.grad = Tensor(other if transpose_grads else same)
        opt.step()
    return [p._data for p in params], [opt.state[p]["exp_avg_sq"]._data for p in params]


@pytest.mark.parametrize("kwargs", [
    dict(lr=0.01), dict(lr=0.02, amsgrad=True, maximize=True, weight_decay=0.1),
    dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True),
])
def test_transposed_gradients_give_bitwise_the_same_update(kwargs):
    ours, v_ours = _run(kwargs, transpose_grads=True)
    ref, v_ref = _run(kwargs, transpose_grads=False)
    for a, b in zip(ours + v_ours, ref + v_ref):
        assert a.tobytes(order="A") == b.tobytes(order="A") and a.strides == b.strides


def test_create_graph_linear_weight_gradient_follows_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    layer = nn.Linear(6, 4)
    tlayer = torch.nn.Linear(6, 4)
    with torch.no_grad():
        tlayer.weight.copy_(torch.from_numpy(layer.weight.detach().numpy().copy()))
        tlayer.bias.copy_(torch.from_numpy(layer.bias.detach().numpy().copy()))
    opt = optim.AdamW(layer.parameters(), lr=0.05)
    topt = torch.optim.AdamW(tlayer.parameters(), lr=0.05, foreach=False)
    for _ in range(5):
        x = rng.standard_normal((8, 6)).astype(np.float32)
        for mod, o, T in ((layer, opt, autograd), (tlayer, topt, torch)):
            o.zero_grad()
            xs = T.from_numpy(x.copy()).requires_grad_()
            loss = (mod(xs) ** 2).sum()
            (gx,) = T.autograd.grad(loss, xs, create_graph=True) if T is torch else \
                autograd.grad(loss, xs, create_graph=True)
            (loss + (gx**2).sum()).backward()
            o.step()
    w = layer.weight
    assert w._data.flags.f_contiguous and w.grad._data.strides != w._data.strides  # the case
    np.testing.assert_allclose(w.detach().numpy(), tlayer.weight.detach().numpy(),
                               rtol=1e-5, atol=1e-6)
