"""ConstantLR, MultiplicativeLR, PolynomialLR against PyTorch: the lr of each step, alone, two
on one optimizer, inside SequentialLR, after step(epoch), through state_dict, and their errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import optim
from autograd import Tensor
from optim import lr_scheduler

torch = pytest.importorskip("torch")


class Halve:
    """A callable object (its state is saved by state_dict)."""

    def __init__(self):
        self.rate = 0.5

    def __call__(self, epoch):
        return self.rate if epoch % 2 else 0.9


SCHEDULES = {
    "constant": lambda m, o: m.ConstantLR(o, factor=0.25, total_iters=3),
    "constant_default": lambda m, o: m.ConstantLR(o),
    "constant_zero_iters": lambda m, o: m.ConstantLR(o, factor=0.5, total_iters=0),
    "multiplicative": lambda m, o: m.MultiplicativeLR(o, lambda e: 0.95),
    "multiplicative_per_group": lambda m, o: m.MultiplicativeLR(o, [lambda e: 0.9, lambda e: 1.0 / (e + 1)]),
    "polynomial": lambda m, o: m.PolynomialLR(o, total_iters=4, power=2.0),
    "polynomial_default": lambda m, o: m.PolynomialLR(o),
    "polynomial_and_constant": lambda m, o: [m.PolynomialLR(o, total_iters=6, power=0.5),
                                             m.ConstantLR(o, factor=0.5, total_iters=2)],
    "sequential": lambda m, o: m.SequentialLR(
        o, [m.ConstantLR(o, factor=0.1, total_iters=2), m.PolynomialLR(o, total_iters=5)], milestones=[3]),
}


def _lrs(lib_optim, sched_mod, param, case, steps=10):
    opt = lib_optim.SGD([{"params": [param()], "lr": 0.1}, {"params": [param()], "lr": 0.02}], lr=0.1)
    scheds = SCHEDULES[case](sched_mod, opt)
    scheds = scheds if isinstance(scheds, list) else [scheds]
    out = [[g["lr"] for g in opt.param_groups]]
    for _ in range(steps):
        opt.step()
        for s in scheds:
            s.step()
        out.append([g["lr"] for g in opt.param_groups])
    return np.array(out), scheds


@pytest.mark.parametrize("case", sorted(SCHEDULES))
def test_lrs_match_torch(case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, _ = _lrs(optim, lr_scheduler, lambda: Tensor(np.zeros(2), requires_grad=True), case)
        theirs, _ = _lrs(torch.optim, torch.optim.lr_scheduler,
                         lambda: torch.zeros(2, requires_grad=True), case)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", ["ConstantLR", "PolynomialLR"])
def test_step_with_epoch_uses_the_closed_form_as_torch(name):
    results = []
    for mod, make in ((optim, lambda: Tensor(np.zeros(1), requires_grad=True)),
                      (torch.optim, lambda: torch.zeros(1, requires_grad=True))):
        opt = mod.SGD([make()], lr=0.3)
        s = getattr(mod.lr_scheduler, name)(opt, total_iters=4)
        seen = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for epoch in (2, 5, 1, 4, 3):
                s.step(epoch)
                seen.append(opt.param_groups[0]["lr"])
        results.append(seen)
    np.testing.assert_allclose(results[0], results[1], rtol=1e-12)


def test_multiplicative_state_dict_keeps_callable_objects_state():
    opt = optim.SGD([Tensor(np.zeros(1), requires_grad=True)], lr=1.0)
    fn = Halve()
    s = lr_scheduler.MultiplicativeLR(opt, fn)
    for _ in range(3):
        s.step()
    fn.rate = 0.25
    state = s.state_dict()
    assert state["last_epoch"] == 3 and state["lr_lambdas"] == [{"rate": 0.25}]
    other_fn = Halve()
    other = lr_scheduler.MultiplicativeLR(optim.SGD([Tensor(np.zeros(1), requires_grad=True)], lr=1.0), other_fn)
    other.load_state_dict(state)
    assert other.last_epoch == 3 and other_fn.rate == 0.25


@pytest.mark.parametrize("build", [
    lambda o: lr_scheduler.ConstantLR(o, factor=1.5),
    lambda o: lr_scheduler.ConstantLR(o, factor=-0.1),
    lambda o: lr_scheduler.MultiplicativeLR(o, [lambda e: 1.0, lambda e: 1.0]),
])
def test_bad_arguments_raise_value_error_as_torch(build):
    opt = optim.SGD([Tensor(np.zeros(1), requires_grad=True)], lr=1.0)
    with pytest.raises(ValueError):
        build(opt)


CYCLIC = {
    "triangular": ("SGD", {"momentum": 0.9}, {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 3}),
    "triangular2_down": ("SGD", {"momentum": 0.9}, {"base_lr": [0.01, 0.02], "max_lr": 0.1, "step_size_up": 2,
                                                    "step_size_down": 4, "mode": "triangular2"}),
    "exp_range": ("SGD", {"momentum": 0.5}, {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 3, "mode": "exp_range",
                                             "gamma": 0.9, "base_momentum": 0.4, "max_momentum": [0.9, 0.8]}),
    "adam_betas": ("Adam", {}, {"base_lr": 0.001, "max_lr": 0.01, "step_size_up": 4}),
    "no_momentum": ("Adagrad", {}, {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 3, "cycle_momentum": False}),
    "scale_fn": ("SGD", {"momentum": 0.9}, {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 2,
                                            "scale_fn": lambda x: 1.0 / (x + 1), "scale_mode": "iterations"}),
}


def _cyclic_history(lib_optim, make, case, steps=14):
    opt_name, opt_kwargs, kwargs = CYCLIC[case]
    opt = getattr(lib_optim, opt_name)([{"params": [make()]}, {"params": [make()]}], lr=0.5, **opt_kwargs)
    sched = lib_optim.lr_scheduler.CyclicLR(opt, **kwargs)

    def snapshot():
        return [[g["lr"], g.get("momentum", g.get("betas", (0.0,))[0])] for g in opt.param_groups]

    out = [snapshot()]
    for _ in range(steps):
        opt.step()
        sched.step()
        out.append(snapshot())
    return np.array(out, dtype=float)


@pytest.mark.parametrize("case", sorted(CYCLIC))
def test_cyclic_lr_and_momentum_match_torch(case):
    ours = _cyclic_history(optim, lambda: Tensor(np.zeros(2), requires_grad=True), case)
    theirs = _cyclic_history(torch.optim, lambda: torch.zeros(2, requires_grad=True), case)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("build", [
    lambda m, o: m.CyclicLR(o, 0.01, 0.1, mode="square"),
    lambda m, o: m.CyclicLR(o, [0.01, 0.02], 0.1, cycle_momentum=False),
])
def test_cyclic_bad_arguments_raise_value_error_as_torch(build):
    with pytest.raises(ValueError):
        build(torch.optim.lr_scheduler, torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0))
    with pytest.raises(ValueError):
        build(lr_scheduler, optim.SGD([Tensor(np.zeros(1), requires_grad=True)], lr=1.0))


def test_cyclic_needs_momentum_as_torch():
    with pytest.raises(ValueError):
        torch.optim.lr_scheduler.CyclicLR(torch.optim.Adagrad([torch.zeros(1, requires_grad=True)]), 0.01, 0.1)
    with pytest.raises(ValueError, match="momentum"):
        lr_scheduler.CyclicLR(optim.Adagrad([Tensor(np.zeros(1), requires_grad=True)]), 0.01, 0.1)
