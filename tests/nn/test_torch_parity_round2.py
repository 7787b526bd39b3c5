"""Module hooks and functions compared with PyTorch (the oracle)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd
import nn

torch = pytest.importorskip("torch")


class _Scale:
    """A module factory for both libraries: forward(x, scale=1.0) = x * scale."""

    @staticmethod
    def make(lib_nn):
        class Scale(lib_nn.Module):
            def forward(self, x, scale=1.0):
                return x * scale

        return Scale()


def _both(fn):
    """fn(lib, lib_nn) for torch and tapegrad; returns (torch result, tapegrad result)."""
    return fn(torch, torch.nn), fn(autograd, nn)


def _as_np(x):
    return x.detach().numpy() if hasattr(x, "detach") else np.asarray(x)


def test_forward_hooks_with_kwargs_as_torch():
    def run(lib, lib_nn):
        m = _Scale.make(lib_nn)
        seen = []

        def pre(mod, args, kwargs):
            seen.append(("pre", sorted(kwargs)))
            return (args[0] + 1,), {**kwargs, "scale": kwargs.get("scale", 1.0) * 2}

        def post(mod, args, kwargs, out):
            seen.append(("post", sorted(kwargs), float(_as_np(args[0])[0])))
            return out + kwargs["scale"]

        m.register_forward_pre_hook(pre, with_kwargs=True)
        m.register_forward_hook(post, with_kwargs=True)
        out = m(lib.tensor([1.0, 2.0]), scale=3.0)
        return _as_np(out), seen

    (t_out, t_seen), (m_out, m_seen) = _both(run)
    np.testing.assert_allclose(m_out, t_out)
    assert m_seen == t_seen


def test_forward_pre_hook_with_kwargs_bad_return_raises_as_torch():
    def run(lib, lib_nn):
        m = _Scale.make(lib_nn)
        m.register_forward_pre_hook(lambda mod, a, k: a, with_kwargs=True)
        with pytest.raises(RuntimeError, match="forward pre-hook must return None or a tuple") as e:
            m(lib.tensor([1.0]))
        return type(e.value)

    t, m = _both(run)
    assert t is RuntimeError and m is RuntimeError


def test_prepend_orders_hooks_as_torch():
    def run(lib, lib_nn):
        m = _Scale.make(lib_nn)
        order = []
        m.register_forward_pre_hook(lambda *a: order.append("pre1"))
        m.register_forward_pre_hook(lambda *a: order.append("pre0"), prepend=True)
        m.register_forward_hook(lambda *a: order.append("post1"))
        m.register_forward_hook(lambda *a: order.append("post0"), prepend=True, with_kwargs=True)
        m(lib.tensor([1.0]))
        return order

    t, m = _both(run)
    assert m == t


def test_always_call_hook_runs_when_forward_raises_as_torch():
    def run(lib, lib_nn):
        class Boom(lib_nn.Module):
            def forward(self, x):
                raise ValueError("boom")

        m = Boom()
        calls = []
        m.register_forward_hook(lambda mod, a, out: calls.append(("always", out)), always_call=True)
        m.register_forward_hook(lambda mod, a, out: calls.append(("plain", out)))

        def failing(mod, a, k, out):
            raise KeyError("hook")

        m.register_forward_hook(failing, with_kwargs=True, always_call=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with pytest.raises(ValueError, match="boom"):
                m(lib.tensor([1.0]))
        messages = [str(w.message) for w in caught if "always_call" in str(w.message)]
        return calls, messages

    (t_calls, t_msgs), (m_calls, m_msgs) = _both(run)
    assert m_calls == t_calls == [("always", None)]
    assert m_msgs == t_msgs and len(t_msgs) == 1


def test_always_call_hook_runs_once_when_a_later_hook_raises_as_torch():
    def run(lib, lib_nn):
        m = _Scale.make(lib_nn)
        calls = []
        m.register_forward_hook(lambda mod, a, out: calls.append("always"), always_call=True)

        def failing(mod, a, out):
            raise KeyError("hook")

        m.register_forward_hook(failing)
        with pytest.raises(KeyError):
            m(lib.tensor([1.0]))
        return calls

    t, m = _both(run)
    assert m == t == ["always"]


def test_removed_with_kwargs_hook_is_gone():
    m = _Scale.make(nn)
    handle = m.register_forward_hook(lambda mod, a, k, out: out * 0, with_kwargs=True,
                                     always_call=True)
    handle.remove()
    assert m(autograd.tensor([2.0])).item() == 2.0
    assert not m._forward_hooks_with_kwargs and not m._forward_hooks_always_called


FOLD_CASES = [
    ((2, 3, 5, 6), dict(kernel_size=2)),
    ((1, 2, 7, 6), dict(kernel_size=(3, 2), dilation=(2, 1), padding=(1, 2), stride=(2, 3))),
    ((3, 6, 5), dict(kernel_size=3, padding=1, stride=2)),
]


@pytest.mark.parametrize("shape, kwargs", FOLD_CASES)
def test_unfold_and_fold_match_torch_values_and_gradients(shape, kwargs):
    import nn.functional as F

    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(np.float32)
    tx = torch.tensor(x, requires_grad=True)
    mx = autograd.tensor(x, requires_grad=True)
    t_cols = torch.nn.functional.unfold(tx, **kwargs)
    m_cols = F.unfold(mx, **kwargs)
    np.testing.assert_array_equal(m_cols.detach().numpy(), t_cols.detach().numpy())
    size = shape[-2:]
    t_img = torch.nn.functional.fold(t_cols * 1.5, size, **kwargs)
    m_img = F.fold(m_cols * 1.5, size, **kwargs)
    np.testing.assert_allclose(m_img.detach().numpy(), t_img.detach().numpy(), rtol=1e-6)
    w = rng.standard_normal(t_img.shape).astype(np.float32)
    (t_img * torch.tensor(w)).sum().backward()
    (m_img * autograd.tensor(w)).sum().backward()
    np.testing.assert_allclose(mx.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-6)
    # the layers, and their reprs
    t_layer = torch.nn.Unfold(**kwargs)
    m_layer = nn.Unfold(**kwargs)
    assert repr(m_layer) == repr(t_layer)
    assert repr(nn.Fold(size, **kwargs)) == repr(torch.nn.Fold(size, **kwargs))
    np.testing.assert_array_equal(m_layer(mx).detach().numpy(), t_layer(tx).detach().numpy())


@pytest.mark.parametrize("call", [
    lambda F, lib: F.unfold(lib.ones(1, 2, 3, 3, 3), 2),
    lambda F, lib: F.unfold(lib.ones(1, 2, 3, 3), 4),
    lambda F, lib: F.unfold(lib.ones(1, 2, 3, 3), 0),
    lambda F, lib: F.unfold(lib.ones(1, 2, 3, 3), 2, stride=0),
    lambda F, lib: F.unfold(lib.ones(1, 2, 3, 3), 2, padding=-1),
    lambda F, lib: F.unfold(lib.ones(1, 2, 3, 3), (2, 2, 2)),
    lambda F, lib: F.fold(lib.ones(1, 10, 4), (3, 3), 2),
    lambda F, lib: F.fold(lib.ones(1, 12, 5), (3, 3), 2),
    lambda F, lib: F.fold(lib.ones(1, 1, 12, 4), (3, 3), 2),
    lambda F, lib: F.unfold(lib.ones(1, 2, 3, 3, dtype=lib.int64), 2),
])
def test_unfold_and_fold_errors_match_torch(call):
    import nn.functional as F

    with pytest.raises(Exception) as t_err:
        call(torch.nn.functional, torch)
    with pytest.raises(type(t_err.value)) as m_err:
        call(F, autograd)
    assert str(m_err.value) == str(t_err.value)


MULTI_MARGIN_CASES = [
    dict(),
    dict(p=2, margin=0.5),
    dict(weight=[0.5, 1.0, 2.0, 1.5], reduction="sum"),
    dict(p=2, weight=[0.5, 1.0, 2.0, 1.5], reduction="none"),
]


@pytest.mark.parametrize("kwargs", MULTI_MARGIN_CASES)
@pytest.mark.parametrize("batched", [True, False])
def test_multi_margin_loss_matches_torch(kwargs, batched):
    import nn.functional as F

    rng = np.random.default_rng(1)
    x = rng.standard_normal((5, 4) if batched else (4,)).astype(np.float32)
    y = np.array([0, 3, 1, 1, 2]) if batched else np.array(2)
    t_kw = {k: torch.tensor(v) if k == "weight" else v for k, v in kwargs.items()}
    m_kw = {k: autograd.tensor(v) if k == "weight" else v for k, v in kwargs.items()}
    tx = torch.tensor(x, requires_grad=True)
    mx = autograd.tensor(x, requires_grad=True)
    t_loss = torch.nn.functional.multi_margin_loss(tx, torch.tensor(y), **t_kw)
    m_loss = F.multi_margin_loss(mx, autograd.tensor(y), **m_kw)
    assert m_loss.shape == tuple(t_loss.shape) and m_loss.dtype == np.float32
    np.testing.assert_allclose(m_loss.detach().numpy(), t_loss.detach().numpy(), rtol=1e-6)
    t_loss.sum().backward()
    m_loss.sum().backward()
    np.testing.assert_allclose(mx.grad.numpy(), tx.grad.numpy(), rtol=1e-6, atol=1e-7)
    t_layer = torch.nn.MultiMarginLoss(**t_kw)
    m_layer = nn.MultiMarginLoss(**m_kw)
    assert repr(m_layer) == repr(t_layer)
    np.testing.assert_allclose(
        m_layer(mx, autograd.tensor(y)).detach().numpy(),
        t_layer(tx, torch.tensor(y)).detach().numpy(), rtol=1e-6,
    )


@pytest.mark.parametrize("call", [
    lambda F, lib: F.multi_margin_loss(lib.ones(3, 4), lib.tensor([0, 5, 1])),
    lambda F, lib: F.multi_margin_loss(lib.ones(3, 4), lib.tensor([0, -1, 1])),
    lambda F, lib: F.multi_margin_loss(lib.ones(3, 4), lib.tensor([0, 1, 1]), p=3),
    lambda F, lib: F.multi_margin_loss(lib.ones(3, 4), lib.tensor([0, 1])),
    lambda F, lib: F.multi_margin_loss(lib.ones(3, 4), lib.tensor([0, 1, 1]), weight=lib.ones(3)),
    lambda F, lib: F.multi_margin_loss(lib.ones(2, 3, 4), lib.tensor([[1]])),
    lambda F, lib: F.multi_margin_loss(lib.ones(3, 4), lib.tensor([0.0, 1, 1])),
    lambda F, lib: F.MultiMarginLoss(p=3) if hasattr(F, "MultiMarginLoss") else None,
])
def test_multi_margin_loss_errors_match_torch(call):
    import nn.functional as F

    with pytest.raises(Exception) as t_err:
        call(torch.nn.functional, torch)
        call(torch.nn, torch)
    with pytest.raises(type(t_err.value)) as m_err:
        call(F, autograd)
        call(nn, autograd)
    assert str(m_err.value) == str(t_err.value)


_ALPHA = 1.7580993408473766


def _alpha_structure(x, out, grad, p):
    """Check out = a·x + b on kept entries, the constant -alpha'·a·(1 - p) on dropped ones, and
    the gradient a·keep; returns the kept fraction."""
    a = 1.0 / np.sqrt((_ALPHA * _ALPHA * p + 1) * (1 - p))
    dropped_value = -_ALPHA * a * (1 - p)
    kept = ~np.isclose(out, dropped_value, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(out[kept], a * x[kept] + _ALPHA * a * p, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(grad, np.where(kept, a, 0.0), rtol=1e-6)
    return kept.mean()


@pytest.mark.parametrize("p", [0.2, 0.5])
def test_alpha_dropout_matches_torch_formula_and_statistics(p):
    import nn.functional as F

    rng = np.random.default_rng(4)
    x = rng.standard_normal((200, 500)).astype(np.float32)
    fractions, stats = [], []
    for lib, fn in ((torch, torch.nn.functional.alpha_dropout), (autograd, F.alpha_dropout)):
        xt = lib.tensor(x, requires_grad=True)
        out = fn(xt, p, True)
        out.sum().backward()
        o = out.detach().numpy()
        fractions.append(_alpha_structure(x, o, xt.grad.numpy(), p))
        stats.append((o.mean(), o.std()))
        # eval (and F's default training=False) is the identity, the same tensor
        assert fn(xt, p) is xt and fn(xt, p, False) is xt
    for frac, (mean, std) in zip(fractions, stats):
        assert abs(frac - (1 - p)) < 0.01 and abs(mean) < 0.02 and abs(std - 1) < 0.02


def test_alpha_dropout_layers_as_torch():
    for name in ("AlphaDropout", "FeatureAlphaDropout"):
        t_layer, m_layer = getattr(torch.nn, name)(0.3), getattr(nn, name)(0.3)
        assert repr(m_layer) == repr(t_layer)
        x = np.random.default_rng(5).standard_normal((8, 6, 5)).astype(np.float32)
        m_out = m_layer(autograd.tensor(x)).numpy()
        t_out = t_layer(torch.tensor(x)).numpy()
        assert m_out.shape == t_out.shape
        if name == "FeatureAlphaDropout":
            # one draw per (sample, channel): dropped channels are constant along the last dim
            for out in (m_out, t_out):
                dropped = np.isclose(out, out[..., :1]).all(-1)
                assert 0 < dropped.mean() < 1
        m_layer.eval()
        t_layer.eval()
        np.testing.assert_array_equal(m_layer(autograd.tensor(x)).numpy(), x)
        np.testing.assert_array_equal(t_layer(torch.tensor(x)).numpy(), x)
    with pytest.raises(ValueError, match="between 0 and 1"):
        torch.nn.functional.alpha_dropout(torch.ones(2), 1.5)
    import nn.functional as F

    with pytest.raises(ValueError, match="between 0 and 1"):
        F.alpha_dropout(autograd.ones(2), 1.5)


def test_init_sparse_as_torch():
    for lib, init in ((torch, torch.nn.init), (autograd, nn.init)):
        w = lib.ones(40, 300)
        assert init.sparse_(w, 0.25, std=0.5) is w
        values = w.numpy()
        assert ((values == 0).sum(0) == 10).all()
        assert abs(values[values != 0].std() - 0.5) < 0.03
        with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
            init.sparse_(lib.ones(2, 3, 4), 0.1)


def _mul_module(lib, lib_nn, w):
    class Mul(lib_nn.Module):
        def __init__(self):
            super().__init__()
            self.w = lib_nn.Parameter(lib.tensor(w))

        def forward(self, x):
            return x * self.w

    return Mul()


@pytest.mark.parametrize("replace", [False, True])
def test_non_full_backward_hook_on_a_single_op_module_as_torch(replace):
    rng = np.random.default_rng(6)
    x = rng.standard_normal((2, 3)).astype(np.float32)
    w = rng.standard_normal(3).astype(np.float32)
    g = rng.standard_normal((2, 3)).astype(np.float32)
    results = []
    for lib, lib_nn in ((torch, torch.nn), (autograd, nn)):
        m = _mul_module(lib, lib_nn, w)
        seen = []

        def hook(mod, grad_input, grad_output, seen=seen):
            seen.append(([gi.numpy().copy() for gi in grad_input],
                         [go.numpy().copy() for go in grad_output]))
            if replace:
                return tuple(gi * 2 for gi in grad_input)
            return None

        m.register_backward_hook(hook)
        xt = lib.tensor(x, requires_grad=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = m(xt)
        (out * lib.tensor(g)).sum().backward()
        kinds = [w_.category for w_ in caught]
        results.append((seen, xt.grad.numpy(), m.w.grad.numpy(), kinds))
    (t_seen, t_gx, t_gw, t_kinds), (m_seen, m_gx, m_gw, m_kinds) = results
    assert len(m_seen) == len(t_seen) == 1
    for mine, theirs in zip(m_seen[0], t_seen[0]):
        assert [a.shape for a in mine] == [a.shape for a in theirs]
        for a, b in zip(mine, theirs):
            np.testing.assert_allclose(a, b, rtol=1e-6)
    np.testing.assert_allclose(m_gx, t_gx, rtol=1e-6)
    np.testing.assert_allclose(m_gw, t_gw, rtol=1e-6)
    assert m_kinds == t_kinds == [FutureWarning]


def test_non_full_and_full_backward_hooks_exclude_each_other_as_torch():
    for lib_nn in (torch.nn, nn):
        a, b = lib_nn.ReLU(), lib_nn.ReLU()
        a.register_backward_hook(lambda *args: None)
        with pytest.raises(RuntimeError, match="Cannot use both regular backward hooks"):
            a.register_full_backward_hook(lambda *args: None)
        b.register_full_backward_hook(lambda *args: None)
        with pytest.raises(RuntimeError, match="Cannot use both regular backward hooks"):
            b.register_backward_hook(lambda *args: None)


def test_non_full_backward_hook_on_relu_of_a_non_leaf_as_torch():
    x = np.array([[-1.0, 2.0, 0.5]], dtype=np.float32)
    results = []
    for lib, lib_nn in ((torch, torch.nn), (autograd, nn)):
        m = lib_nn.ReLU()
        seen = []
        m.register_backward_hook(lambda mod, gi, go, seen=seen: seen.append(gi[0].numpy().copy()))
        leaf = lib.tensor(x, requires_grad=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = m(leaf * 3)
        out.sum().backward()
        results.append((seen, leaf.grad.numpy(), len(caught)))
    (t_seen, t_grad, t_n), (m_seen, m_grad, m_n) = results
    np.testing.assert_array_equal(m_seen[0], t_seen[0])
    np.testing.assert_array_equal(m_grad, t_grad)
    assert m_n == t_n == 0
