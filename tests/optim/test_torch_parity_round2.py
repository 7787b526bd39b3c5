"""Optimizer state and scheduler details compared with PyTorch (the oracle)."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
import nn
import optim

torch = pytest.importorskip("torch")

STEP_OPTIMIZERS = ["Adam", "AdamW", "Adamax", "Adadelta", "Adagrad", "NAdam", "RAdam", "RMSprop",
                   "Rprop"]


def _run(lib, params_lib, name, steps, start):
    """`steps` optimizer steps of `name` on 0.5·|p|² from `start`; returns (optimizer, param)."""
    p = params_lib.Parameter(lib.tensor(start))
    opt = getattr(lib.optim if lib is torch else optim, name)([p])
    for _ in range(steps):
        opt.zero_grad()
        (p * p).sum().backward()
        opt.step()
    return opt, p


@pytest.mark.parametrize("name", STEP_OPTIMIZERS)
def test_step_state_is_a_0d_float_tensor_as_torch(name):
    start = np.array([0.5, -1.5, 2.0], dtype=np.float32)
    t_opt, t_p = _run(torch, torch.nn, name, 3, start)
    m_opt, m_p = _run(autograd, nn, name, 3, start)
    t_step, m_step = t_opt.state[t_p]["step"], m_opt.state[m_p]["step"]
    assert isinstance(m_step, autograd.Tensor)
    assert m_step.shape == tuple(t_step.shape) == ()
    assert str(m_step.dtype) == str(t_step.dtype).replace("torch.", "")
    assert m_step.item() == t_step.item() == 3.0
    np.testing.assert_allclose(m_p.detach().numpy(), t_p.detach().numpy(), rtol=1e-6, atol=1e-7)
    # the state dict carries a tensor too
    saved = m_opt.state_dict()["state"][0]["step"]
    assert isinstance(saved, autograd.Tensor) and saved.item() == 3.0
    m_opt.zero_grad()
    (m_p * m_p).sum().backward()
    m_opt.step()
    assert m_step.item() == 4.0  # the live entry is incremented in place, as PyTorch's


@pytest.mark.parametrize("name", ["Adam", "Adagrad", "RMSprop"])
@pytest.mark.parametrize("as_int", [True, False])
def test_load_state_dict_accepts_an_int_or_a_tensor_step(name, as_int):
    start = np.array([0.5, -1.5, 2.0], dtype=np.float32)
    _, t_p = _run(torch, torch.nn, name, 4, start)
    m_opt, m_p = _run(autograd, nn, name, 2, start)
    sd = m_opt.state_dict()
    sd["state"][0]["step"] = 2 if as_int else autograd.tensor(2.0)
    fresh = getattr(optim, name)([m_p])
    fresh.load_state_dict(sd)
    step = fresh.state[m_p]["step"]
    assert isinstance(step, autograd.Tensor) and step.shape == () and step.dtype == np.float32
    for _ in range(2):
        fresh.zero_grad()
        (m_p * m_p).sum().backward()
        fresh.step()
    assert fresh.state[m_p]["step"].item() == 4.0
    np.testing.assert_allclose(m_p.detach().numpy(), t_p.detach().numpy(), rtol=1e-6, atol=1e-7)


def test_step_dtype_follows_a_float64_default_as_torch():
    old_t, old_m = torch.get_default_dtype(), autograd.get_default_dtype()
    try:
        torch.set_default_dtype(torch.float64)
        autograd.set_default_dtype(np.float64)
        start = np.array([0.5, -1.5], dtype=np.float64)
        t_opt, t_p = _run(torch, torch.nn, "Adam", 1, start)
        m_opt, m_p = _run(autograd, nn, "Adam", 1, start)
        assert t_opt.state[t_p]["step"].dtype == torch.float64
        assert m_opt.state[m_p]["step"].dtype == np.float64
    finally:
        torch.set_default_dtype(old_t)
        autograd.set_default_dtype(old_m)


def _schedulers(lib_optim, opt):
    """One scheduler of each kind on `opt`, by name (torch.optim or tapegrad's optim)."""
    s = lib_optim.lr_scheduler
    return {
        "StepLR": lambda: s.StepLR(opt, 2),
        "MultiStepLR": lambda: s.MultiStepLR(opt, [1, 3]),
        "ConstantLR": lambda: s.ConstantLR(opt),
        "LinearLR": lambda: s.LinearLR(opt),
        "ExponentialLR": lambda: s.ExponentialLR(opt, 0.9),
        "PolynomialLR": lambda: s.PolynomialLR(opt, 4, 2.0),
        "CosineAnnealingLR": lambda: s.CosineAnnealingLR(opt, 5),
        "LambdaLR": lambda: s.LambdaLR(opt, lambda e: 0.9),
        "MultiplicativeLR": lambda: s.MultiplicativeLR(opt, lambda e: 0.9),
        "CyclicLR": lambda: s.CyclicLR(opt, 0.01, 0.1),
        "OneCycleLR": lambda: s.OneCycleLR(opt, 1.0, total_steps=10),
        "CosineAnnealingWarmRestarts": lambda: s.CosineAnnealingWarmRestarts(opt, 3),
        "ReduceLROnPlateau": lambda: s.ReduceLROnPlateau(opt),
    }


def _scheduler_pair(name):
    t_opt = torch.optim.SGD([torch.nn.Parameter(torch.ones(2))], lr=0.1, momentum=0.9)
    m_opt = optim.SGD([nn.Parameter(autograd.ones(2))], lr=0.1, momentum=0.9)
    return _schedulers(torch.optim, t_opt)[name](), _schedulers(optim, m_opt)[name]()


@pytest.mark.parametrize("name", list(_schedulers(optim, None)))
def test_scheduler_state_dict_has_torch_keys_and_values(name):
    t_sched, m_sched = _scheduler_pair(name)
    for _ in range(4):
        t_sched.optimizer.step()
        m_sched.optimizer.step()
        if name == "ReduceLROnPlateau":
            t_sched.step(1.0)
            m_sched.step(1.0)
        else:
            t_sched.step()
            m_sched.step()
        t_sd, m_sd = t_sched.state_dict(), m_sched.state_dict()
        assert set(m_sd) == set(t_sd)
        for key, value in t_sd.items():
            if key in ("lr_lambdas", "_scale_fn_ref"):
                continue
            assert repr(m_sd[key]) == repr(value), key


@pytest.mark.parametrize("name", ["PolynomialLR", "MultiplicativeLR"])
def test_get_lr_before_the_first_step_as_torch(name):
    t_sched, m_sched = _scheduler_pair(name)
    with pytest.warns(UserWarning):
        expected = t_sched.get_lr()
    with pytest.warns(UserWarning):
        got = m_sched.get_lr()
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_onecycle_state_dict_round_trip():
    _, m_sched = _scheduler_pair("OneCycleLR")
    for _ in range(3):
        m_sched.optimizer.step()
        m_sched.step()
    _, fresh = _scheduler_pair("OneCycleLR")
    fresh.load_state_dict(m_sched.state_dict())
    for _ in range(3):
        m_sched.optimizer.step()
        m_sched.step()
        fresh.optimizer.step()
        fresh.step()
        assert fresh.get_last_lr() == m_sched.get_last_lr()


def _sgd_pair():
    t_p = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
    m_p = nn.Parameter(autograd.tensor([1.0, -2.0]))
    t_p.grad = torch.tensor([0.5, 0.25])
    m_p.grad = autograd.tensor([0.5, 0.25])
    return (torch.optim.SGD([t_p], lr=0.1), t_p), (optim.SGD([m_p], lr=0.1), m_p)


def test_step_pre_and_post_hooks_as_torch():
    results = []
    for opt, p in _sgd_pair():
        calls = []

        def pre(o, args, kwargs, calls=calls):
            calls.append(("pre", len(args), args[0] is o, sorted(kwargs)))
            return args, {"closure": lambda: 7.0}

        def post(o, args, kwargs, calls=calls):
            calls.append(("post", len(args), args[0] is o, sorted(kwargs)))

        h_pre = opt.register_step_pre_hook(pre)
        opt.register_step_post_hook(post)
        loss = opt.step()
        h_pre.remove()
        h_pre.remove()  # a second remove does nothing
        opt.step()
        results.append((calls, loss, p.detach().numpy().tolist()))
    assert results[1] == results[0]
    assert results[0][0] == [
        ("pre", 1, True, []), ("post", 1, True, ["closure"]), ("post", 1, True, [])
    ]


def test_step_pre_hook_bad_return_raises_as_torch():
    for opt, _ in _sgd_pair():
        opt.register_step_pre_hook(lambda o, a, k: 3)
        with pytest.raises(RuntimeError, match="must return None or a tuple of"):
            opt.step()


def test_step_hooks_wrap_a_custom_optimizer_step_once():
    calls = []

    class Custom(optim.SGD):
        def step(self, closure=None):
            calls.append("step")
            return super().step(closure)

    p = nn.Parameter(autograd.tensor([1.0]))
    p.grad = autograd.tensor([1.0])
    opt = Custom([p], lr=0.5)
    opt.register_step_pre_hook(lambda o, a, k: calls.append("pre"))
    opt.register_step_post_hook(lambda o, a, k: calls.append("post"))
    opt.step()
    assert calls == ["pre", "step", "post"] and p.item() == 0.5


@pytest.mark.parametrize("name", [n for n in _schedulers(optim, None) if n != "ReduceLROnPlateau"])
def test_get_lr_outside_step_warns_as_torch(name):
    import warnings

    t_sched, m_sched = _scheduler_pair(name)
    for sched in (t_sched, m_sched):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            sched.optimizer.step()
            sched.step()  # no warning from the scheduler's own get_lr call
        with pytest.warns(UserWarning, match=r"please use `get_last_lr\(\)`"):
            sched.get_lr()


def test_cyclic_lr_saves_a_callable_objects_state_as_torch():
    class Scale:
        def __init__(self):
            self.factor = 0.5

        def __call__(self, x):
            return self.factor

    saved = []
    for lib_optim, lib_nn, lib in ((torch.optim, torch.nn, torch), (optim, nn, autograd)):
        opt = lib_optim.SGD([lib_nn.Parameter(lib.ones(1))], lr=0.1, momentum=0.9)
        fn = Scale()
        sched = lib_optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1, scale_fn=fn)
        fn.factor = 0.25
        sd = sched.state_dict()
        saved.append(sd["_scale_fn_custom"])
        other = Scale()
        fresh = lib_optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1, scale_fn=other)
        fresh.load_state_dict(sd)
        assert other.factor == 0.25
        plain = lib_optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1, scale_fn=lambda x: 1.0)
        assert plain.state_dict()["_scale_fn_custom"] is None
    assert saved[0] == saved[1] == {"factor": 0.25}
