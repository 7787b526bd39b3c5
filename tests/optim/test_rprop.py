"""Rprop against PyTorch: parameters after each step (sign flips, clamping, two groups,
maximize, float64), state after a state_dict round trip, and errors."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
import optim

torch = pytest.importorskip("torch")

rng = np.random.default_rng(0)
W0 = rng.standard_normal((3, 4))
B0 = rng.standard_normal(4)
X = rng.standard_normal((5, 3))


def _run(lib, opt_cls, make, dtype, steps, kwargs, group_kwargs=None, reload=False):
    w = make(W0.astype(dtype))
    b = make(B0.astype(dtype))
    groups = [{"params": [w]}, {"params": [b], **(group_kwargs or {})}]
    opt = opt_cls(groups, **kwargs)
    x = lib.tensor(X.astype(dtype))
    history = []
    for k in range(steps):
        opt.zero_grad()
        loss = (((x @ w + b) - 0.3 * k) ** 2).sum() + (w ** 3).sum()
        loss.backward()
        opt.step()
        history.append(np.concatenate([np.array(w.detach()).ravel(), np.array(b.detach()).ravel()]))
        if reload and k == 2:
            state = opt.state_dict()
            opt = opt_cls(groups, **kwargs)
            opt.load_state_dict(state)
    return np.array(history)


@pytest.mark.parametrize("kwargs", [{}, {"lr": 0.05, "etas": (0.3, 1.5)}, {"step_sizes": (1e-3, 0.02)},
                                    {"maximize": True}])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reload", [False, True])
def test_updates_match_torch(kwargs, dtype, reload):
    ours = _run(autograd, optim.Rprop, lambda a: autograd.tensor(a, requires_grad=True), dtype, 8, kwargs,
                {"lr": 0.2}, reload)
    theirs = _run(torch, torch.optim.Rprop, lambda a: torch.tensor(a, requires_grad=True), dtype, 8, kwargs,
                  {"lr": 0.2}, reload)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-6)


def test_state_holds_pytorch_keys():
    p = autograd.tensor([1.0, -2.0], requires_grad=True)
    opt = optim.Rprop([p])
    (p * p).sum().backward()
    opt.step()
    assert set(opt.state[p]) == {"step", "prev", "step_size"}
    np.testing.assert_allclose(np.asarray(opt.state[p]["step_size"]), [0.01, 0.01])


@pytest.mark.parametrize("kwargs", [{"lr": -1.0}, {"etas": (1.5, 1.2)}, {"etas": (0.5, 0.9)}, {"etas": (0.0, 1.2)}])
def test_bad_hyperparameters_raise_value_error_as_torch(kwargs):
    with pytest.raises(ValueError):
        torch.optim.Rprop([torch.zeros(1, requires_grad=True)], **kwargs)
    with pytest.raises(ValueError):
        optim.Rprop([autograd.zeros(1, requires_grad=True)], **kwargs)
