"""RNNCell, LSTMCell, GRUCell in float32 against PyTorch with copied weights: outputs and
gradients equal to float32 rounding, batched and unbatched, with and without a state."""

from __future__ import annotations

import numpy as np
import pytest

import nn
from autograd import Tensor

RNG = np.random.default_rng(7)


@pytest.mark.parametrize("name", ["RNNCell", "LSTMCell", "GRUCell"])
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("with_state", [True, False])
def test_cell_matches_torch_in_float32(name, batched, with_state):
    torch = pytest.importorskip("torch")
    theirs = getattr(torch.nn, name)(5, 6)
    ours = getattr(nn, name)(5, 6)
    assert [n for n, _ in ours.named_parameters()] == \
        ["weight_ih", "weight_hh", "bias_ih", "bias_hh"] == [n for n, _ in theirs.named_parameters()]
    for p, q in zip(ours.parameters(), theirs.parameters()):
        p._data[...] = q.detach().numpy()
    lead = (3,) if batched else ()
    x = RNG.standard_normal((*lead, 5)).astype(np.float32)
    states = [RNG.standard_normal((*lead, 6)).astype(np.float32) for _ in range(2)]
    tx, ox = torch.tensor(x, requires_grad=True), Tensor(x, requires_grad=True)
    if not with_state:
        t_out, o_out = theirs(tx), ours(ox)
    elif name == "LSTMCell":
        t_out = theirs(tx, tuple(torch.tensor(s) for s in states))
        o_out = ours(ox, tuple(Tensor(s) for s in states))
    else:
        t_out, o_out = theirs(tx, torch.tensor(states[0])), ours(ox, Tensor(states[0]))
    t_list = list(t_out) if name == "LSTMCell" else [t_out]
    o_list = list(o_out) if name == "LSTMCell" else [o_out]
    for a, b in zip(t_list, o_list):
        assert b.dtype == np.float32 and b.shape == tuple(a.shape)
        np.testing.assert_allclose(b.detach().numpy(), a.detach().numpy(), rtol=1e-5, atol=1e-6)
    sum((a * a).sum() for a in t_list).backward()
    sum((b * b).sum() for b in o_list).backward()
    np.testing.assert_allclose(ox.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-5)
    for p, q in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-4, atol=1e-5)
