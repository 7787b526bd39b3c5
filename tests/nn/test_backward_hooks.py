"""Module.register_full_backward_hook / register_full_backward_pre_hook, compared with
PyTorch: when they run, what grad_input / grad_output hold (None for inputs that are not
tensors needing grad), replacing gradients, and removal."""

import numpy as np
import pytest

import autograd
import nn

torch = pytest.importorskip("torch")


def _arr(g):
    return None if g is None else np.array(g.detach().numpy() if hasattr(g, "detach") else g)


def _run(lib, nnm, setup, inputs_need_grad=True, with_pre=False):
    """Build Linear-ReLU-Linear from shared weights, attach hooks, backward; returns the log
    (hook name, grad_input arrays, grad_output arrays) and the parameter gradients."""
    rng = np.random.default_rng(0)
    w1, w2 = rng.standard_normal((4, 3)).astype(np.float32), rng.standard_normal((2, 4)).astype(
        np.float32)
    x = rng.standard_normal((5, 3)).astype(np.float32)
    model = nnm.Sequential(nnm.Linear(3, 4), nnm.ReLU(), nnm.Linear(4, 2))
    model.load_state_dict({"0.weight": lib.tensor(w1), "0.bias": lib.zeros(4),
                           "2.weight": lib.tensor(w2), "2.bias": lib.zeros(2)})
    log = []
    handles = setup(model, log)
    if with_pre:
        model[2].register_full_backward_pre_hook(
            lambda m, go: log.append(("pre", [_arr(g) for g in go])) or (go[0] * 3,))
    xt = lib.tensor(x, requires_grad=inputs_need_grad)
    (model(xt) ** 2).sum().backward()
    for h in handles:
        h.remove()
    (model(xt) ** 2).sum().backward()  # removed: logs nothing more
    grads = [_arr(p.grad) for p in model.parameters()] + [_arr(xt.grad)]
    return log, grads


def _record(name):
    def hook(m, gi, go):
        log.append((name, [_arr(g) for g in gi], [_arr(g) for g in go]))
    log = None

    def setup(model, out):
        nonlocal log
        log = out
        return [model[1].register_full_backward_hook(hook),
                model[0].register_full_backward_hook(hook)]
    return setup


def _doubling(model, log):
    return [model[1].register_full_backward_hook(lambda m, gi, go: (gi[0] * 2,))]


def _same(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        if isinstance(x, (list, tuple)):
            _same(x, y)
        elif isinstance(x, str):
            assert x == y
        elif x is None or y is None:
            assert x is None and y is None
        else:
            np.testing.assert_allclose(y, x, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("need", [True, False])
@pytest.mark.parametrize("with_pre", [False, True])
def test_recorded_gradients_match_pytorch(need, with_pre):
    want = _run(torch, torch.nn, _record("h"), need, with_pre)
    got = _run(autograd, nn, _record("h"), need, with_pre)
    assert [e[0] for e in got[0]] == [e[0] for e in want[0]]
    _same(got, want)


def test_returned_grad_input_replaces_it():
    want = _run(torch, torch.nn, _doubling)
    got = _run(autograd, nn, _doubling)
    _same(got[1], want[1])


class _Two:
    """A module with a tensor input needing grad, one that does not, and a float."""

    @staticmethod
    def make(nnm):
        class Two(nnm.Module):
            def forward(self, a, b, scale):
                return a * b * scale, a + b
        return Two()


def test_non_tensor_and_no_grad_inputs_are_none():
    logs = {}
    for lib, nnm in ((torch, torch.nn), (autograd, nn)):
        log = logs[lib] = []
        m = _Two.make(nnm)
        m.register_full_backward_hook(
            lambda mod, gi, go, log=log: log.append(([_arr(g) for g in gi], [_arr(g) for g in go])))
        a = lib.tensor(np.arange(3, dtype=np.float32), requires_grad=True)
        b = lib.tensor(np.ones(3, dtype=np.float32))
        p, q = m(a, b, 2.0)
        (p.sum() + (q * q).sum()).backward()
    _same(logs[autograd], logs[torch])
