"""PyTorch's implementation switches (foreach, fused, capturable, differentiable) on each
optimizer: the same keyword arguments, defaults and param-group keys, so programs that pass
them (build-nanogpt / llm.c: `fused=use_fused` after checking AdamW's signature) run; the
updates do not depend on them; the ones tapegrad cannot honour raise as PyTorch on the CPU."""

import inspect

import numpy as np
import pytest

import autograd
import optim

torch = pytest.importorskip("torch")

NAMES = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam",
         "Rprop"]
FLAGS = ("foreach", "fused", "capturable", "differentiable")


@pytest.mark.parametrize("name", NAMES)
def test_signature_and_group_keys_match_pytorch(name):
    theirs = inspect.signature(getattr(torch.optim, name)).parameters
    ours = inspect.signature(getattr(optim, name)).parameters
    for flag in FLAGS:
        assert (flag in ours) == (flag in theirs), flag
        if flag in theirs:
            assert ours[flag].default == theirs[flag].default, flag
    t = getattr(torch.optim, name)([torch.zeros(1, requires_grad=True)])
    g = getattr(optim, name)([autograd.zeros(1, requires_grad=True)])
    assert list(g.defaults) == list(t.defaults)
    assert list(g.param_groups[0]) == list(t.param_groups[0])


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "Adagrad"])
@pytest.mark.parametrize("flags", [{"fused": True}, {"fused": False}, {"foreach": True}])
def test_fused_and_foreach_give_pytorch_updates(name, flags):
    rng = np.random.default_rng(0)
    w = rng.standard_normal((3, 4)).astype(np.float32)
    tp, gp = torch.tensor(w, requires_grad=True), autograd.tensor(w, requires_grad=True)
    kw = {"lr": 0.1, **({"momentum": 0.9} if name == "SGD" else {})}
    t_opt = getattr(torch.optim, name)([tp], **kw, **flags)
    g_opt = getattr(optim, name)([gp], **kw, **flags)
    for _ in range(3):
        grad = rng.standard_normal((3, 4)).astype(np.float32)
        tp.grad, gp.grad = torch.tensor(grad), autograd.tensor(grad)
        t_opt.step()
        g_opt.step()
    np.testing.assert_allclose(gp.detach().numpy(), tp.detach().numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("flags", [{"capturable": True}, {"fused": True, "foreach": True}])
def test_unsupported_flags_raise_like_pytorch(flags):
    def make(lib, mod):
        p = lib.zeros(2, requires_grad=True)
        p.grad = lib.ones(2)
        mod.Adam([p], **flags).step()

    with pytest.raises((RuntimeError, AssertionError)):  # (PyTorch: an assert for capturable)
        make(torch, torch.optim)
    with pytest.raises(RuntimeError):
        make(autograd, optim)


def test_differentiable_raises():
    p = autograd.zeros(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="differentiable=True"):
        optim.Adam([p], differentiable=True)
