"""SGD updates large parameters in cache-sized blocks: the same values, bit for bit, as the
whole-array update, for every option, memory order and size, and PyTorch's values."""

import itertools

import numpy as np
import pytest

import optim
from autograd import Tensor
from optim import sgd as sgd_module

OPTIONS = [
    dict(momentum=m, dampening=d, weight_decay=wd, nesterov=n, maximize=mx)
    for m, d, wd, n, mx in itertools.product((0.0, 0.9), (0.0, 0.25), (0.0, 0.01), (False, True),
                                             (False, True))
    if not (n and (m == 0 or d != 0))
]


def _arrays(rng, shape, order):
    p = np.asarray(rng.standard_normal(shape), dtype=np.float32, order=order)
    grads = [np.asarray(rng.standard_normal(shape), dtype=np.float32, order=order) for _ in range(3)]
    return p, grads


def _three_steps(p, grads, opts):
    p = p.copy(order="K")
    buffers = [None]
    for g in grads:
        sgd_module.sgd([p], [g], buffers, lr=0.1, **opts)
    return p, buffers[0]


@pytest.mark.parametrize("opts", OPTIONS, ids=str)
@pytest.mark.parametrize("order", ["C", "F"])
def test_blocked_update_equals_whole_array_update(monkeypatch, opts, order):
    rng = np.random.default_rng(0)
    p, grads = _arrays(rng, (37, 29), order)  # 1073 elements: the last block is partial
    monkeypatch.setattr(sgd_module, "BLOCK", 1 << 30)
    whole = _three_steps(p, grads, opts)
    monkeypatch.setattr(sgd_module, "BLOCK", 100)
    blocked = _three_steps(p, grads, opts)
    np.testing.assert_array_equal(blocked[0], whole[0])
    if opts["momentum"]:
        np.testing.assert_array_equal(blocked[1], whole[1])
    assert not np.array_equal(blocked[0], p)  # the parameter did move


def test_mixed_memory_orders_fall_back_to_the_whole_array_update(monkeypatch):
    rng = np.random.default_rng(1)
    p, grads = _arrays(rng, (40, 30), "C")
    grads_f = [np.asfortranarray(g) for g in grads]
    opts = dict(momentum=0.9, dampening=0.0, weight_decay=0.0, nesterov=False, maximize=False)
    monkeypatch.setattr(sgd_module, "BLOCK", 64)
    mixed = _three_steps(p, grads_f, opts)
    monkeypatch.setattr(sgd_module, "BLOCK", 1 << 30)
    whole = _three_steps(p, grads, opts)
    np.testing.assert_array_equal(mixed[0], whole[0])


def test_blocked_sgd_matches_torch_on_a_large_parameter():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    size = 2 * sgd_module.BLOCK + 123  # uses the blocked path with the default block size
    start = rng.standard_normal(size).astype(np.float32)
    grads = [rng.standard_normal(size).astype(np.float32) for _ in range(3)]
    ours = Tensor(start.copy(), requires_grad=True)
    theirs = torch.tensor(start.copy(), requires_grad=True)
    opt = optim.SGD([ours], lr=0.05, momentum=0.9, weight_decay=1e-3, nesterov=True)
    topt = torch.optim.SGD([theirs], lr=0.05, momentum=0.9, weight_decay=1e-3, nesterov=True)
    for g in grads:
        ours.grad = Tensor(g.copy())
        theirs.grad = torch.from_numpy(g.copy())
        opt.step()
        topt.step()
    np.testing.assert_allclose(ours._data, theirs.detach().numpy(), rtol=1e-6, atol=1e-7)
