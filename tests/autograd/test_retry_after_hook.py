"""A backward whose hook raised can be retried (issue 16), and freeing stays early without hooks.

While hooks are registered (`node.LIVE_HOOKS`), a pass frees its nodes and writes `.grad` only
once it has succeeded, so the retry gives what one successful pass gives (PyTorch's figures here).
Without hooks each node is freed as soon as the walk has passed it, as before. Both walks.
"""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

import autograd
from autograd import Function, Tensor, engine, engine_fast
from autograd.node import LIVE_HOOKS

X0 = [0.5, -1.5, 2.0]
W0 = [1.25, 0.75, -0.5]


@pytest.fixture(params=[False, True], ids=["fast", "reference"])
def walk(request, monkeypatch):
    monkeypatch.setattr(engine, "FORCE_REFERENCE_WALK", request.param)
    return request.param


def flaky():
    """A hook that raises on its first call and doubles the gradient afterwards."""
    calls = []

    def hook(g):
        calls.append(1)
        if len(calls) == 1:
            raise ValueError("first call fails")
        return g * 2

    return hook


def program(x, w):
    """Leaves reached before and after the hooked tensor `y` (so a partial pass would show)."""
    y = (x * w) * 3
    loss = (y * y * x).sum() + (w * 2).sum()
    return y, loss


def leaves(lib, values, dtype):
    if lib is autograd:
        return Tensor(np.array(values, dtype=dtype), requires_grad=True)
    return lib.tensor(values, dtype=getattr(lib, np.dtype(dtype).name), requires_grad=True)


def torch_grads(where: str, dtype=np.float64):
    """x.grad, w.grad of one successful pass in PyTorch, the hook returning g * 2."""
    torch = pytest.importorskip("torch")
    x, w = leaves(torch, X0, dtype), leaves(torch, W0, dtype)
    y, loss = program(x, w)
    target = {"leaf": x, "non-leaf": y}[where]
    target.register_hook(lambda g: g * 2)
    loss.backward()
    return x.grad.numpy(), w.grad.numpy()


@pytest.mark.parametrize("where", ["leaf", "non-leaf", "node"])
@pytest.mark.parametrize("retain", [False, True])
def test_backward_retried_after_a_hook_raised_equals_torch(walk, where, retain):
    x, w = leaves(autograd, X0, np.float64), leaves(autograd, W0, np.float64)
    y, loss = program(x, w)
    if where == "leaf":
        x.register_hook(flaky())
    elif where == "non-leaf":
        y.register_hook(flaky())
    else:
        y.grad_fn.register_hook(flaky())  # tapegrad's node hook: the gradient of its output
    with pytest.raises(ValueError, match="first call fails"):
        loss.backward(retain_graph=retain)
    assert x.grad is None and w.grad is None  # the failed pass wrote nothing
    loss.backward()
    gx, gw = torch_grads("leaf" if where == "leaf" else "non-leaf")
    np.testing.assert_allclose(x.grad.numpy(), gx, rtol=1e-12)
    np.testing.assert_allclose(w.grad.numpy(), gw, rtol=1e-12)


def test_retry_adds_to_earlier_grads_once(walk):
    """A .grad from an earlier step is added to once, not once per try."""
    x, w = leaves(autograd, X0, np.float32), leaves(autograd, W0, np.float32)
    x.grad = autograd.ones(3)
    w.grad = autograd.ones(3)
    y, loss = program(x, w)
    y.register_hook(flaky())
    with pytest.raises(ValueError):
        loss.backward()
    loss.backward()
    gx, gw = torch_grads("non-leaf", np.float32)
    np.testing.assert_allclose(x.grad.numpy(), gx + 1, rtol=1e-6)
    np.testing.assert_allclose(w.grad.numpy(), gw + 1, rtol=1e-6)


def test_autograd_grad_retried_after_a_hook_raised_equals_torch(walk):
    torch = pytest.importorskip("torch")
    x, w = leaves(autograd, X0, np.float64), leaves(autograd, W0, np.float64)
    y, loss = program(x, w)
    y.register_hook(flaky())
    with pytest.raises(ValueError, match="first call fails"):
        autograd.grad(loss, [x, w])
    gx, gw = autograd.grad(loss, [x, w])
    tx, tw = leaves(torch, X0, np.float64), leaves(torch, W0, np.float64)
    ty, tloss = program(tx, tw)
    ty.register_hook(lambda g: g * 2)
    ex, ew = torch.autograd.grad(tloss, [tx, tw])
    np.testing.assert_allclose(gx.numpy(), ex.numpy(), rtol=1e-12)
    np.testing.assert_allclose(gw.numpy(), ew.numpy(), rtol=1e-12)
    assert x.grad is None and w.grad is None


def test_retained_grad_written_before_the_hook_raised_is_put_back(walk):
    """y.retain_grad() downstream of the failing hook: its .grad is written before the hook
    raises; the failed pass puts it back, so the retry leaves PyTorch's y.grad, not twice it."""
    torch = pytest.importorskip("torch")
    results = []
    for lib in (torch, autograd):
        x, w = leaves(lib, X0, np.float64), leaves(lib, W0, np.float64)
        u = x * w
        y = u * 3
        y.retain_grad()
        loss = (y * y * x).sum()
        u.register_hook(flaky() if lib is autograd else (lambda g: g * 2))
        if lib is autograd:
            with pytest.raises(ValueError, match="first call fails"):
                loss.backward()
            assert y.grad is None
        loss.backward()
        results.append((y.grad.numpy(), x.grad.numpy(), w.grad.numpy()))
    for ours, theirs in zip(results[1], results[0]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_second_backward_after_a_pass_with_hooks_still_raises(walk):
    torch = pytest.importorskip("torch")
    for lib in (torch, autograd):
        x, w = leaves(lib, X0, np.float64), leaves(lib, W0, np.float64)
        y, loss = program(x, w)
        y.register_hook(lambda g: g * 2)
        loss.backward()
        with pytest.raises(RuntimeError, match="backward through the graph a second time"):
            loss.backward()


class Probe(Function):
    """Identity whose backward records whether a watched array is still alive when it runs."""

    watched = None
    seen = None

    @staticmethod
    def forward(ctx, x):
        return x * 1.0

    @staticmethod
    def backward(ctx, grad):
        Probe.seen.append(Probe.watched() is not None)
        return grad


def saved_array_alive_mid_walk(extra_hook: bool) -> tuple[bool, bool]:
    """(alive when the walk reached the probe, alive after backward) for an array that only the
    nodes of `exp` and `* 3` keep; the probe runs after both (and after `* 2`: the fast walk's
    locals hold the arrays of the last node it ran until the next)."""
    x = Tensor(np.ones(4, np.float32), requires_grad=True)
    other = Tensor(np.ones(1, np.float32), requires_grad=True)
    handle = other.register_hook(lambda g: None) if extra_hook else None
    h = (Probe.apply(x) * 2).exp()
    Probe.watched = weakref.ref(h._data)
    loss = (h * 3).sum()
    del h
    Probe.seen = []
    loss.backward()
    if handle is not None:
        handle.remove()
    return Probe.seen[0], Probe.watched() is not None


def test_without_hooks_saved_values_go_as_soon_as_the_walk_passed(walk, monkeypatch):
    # (no hook anywhere: a tensor with hooks that another test keeps alive would count)
    for module in (engine, engine_fast):
        monkeypatch.setattr(module, "LIVE_HOOKS", [0])
    assert saved_array_alive_mid_walk(extra_hook=False) == (False, False)


def test_with_hooks_saved_values_go_after_the_pass(walk):
    assert saved_array_alive_mid_walk(extra_hook=True) == (True, False)


def test_live_hooks_counts_registered_hooks():
    gc.collect()
    start = LIVE_HOOKS[0]
    x = Tensor(np.ones(2), requires_grad=True)
    y = x * 2
    a = x.register_hook(lambda g: g)
    y.register_hook(lambda g: g)
    y.grad_fn.register_hook(lambda g: g)
    assert LIVE_HOOKS[0] == start + 3
    a.remove()
    a.remove()  # a second remove does nothing
    assert LIVE_HOOKS[0] == start + 2
    del y
    gc.collect()
    assert LIVE_HOOKS[0] == start
