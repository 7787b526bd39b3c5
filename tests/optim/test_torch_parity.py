"""Optimizer trajectories and lr schedules against PyTorch (skipped where torch is absent)."""

import math

import numpy as np
import pytest

import optim
from autograd import Tensor
from optim import lr_scheduler

torch = pytest.importorskip("torch")

STEPS = 20
CONFIGS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.01)),
    ("SGD", dict(lr=0.1, momentum=0.8, nesterov=True, weight_decay=0.05, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.9), eps=0.1, weight_decay=0.1)),
    ("Adam", dict(lr=0.02, betas=(0.3, 0.7), amsgrad=True, maximize=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.05, eps=0.01, weight_decay=0.2, amsgrad=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.1, initial_accumulator_value=0.2,
                     eps=0.01, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.7, eps=1e-3, weight_decay=0.1, maximize=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, eps=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, momentum=0.9, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.005, alpha=0.5, momentum=0.5, centered=True, maximize=True)),
    ("NAdam", dict(lr=0.01)),
    ("NAdam", dict(lr=0.02, betas=(0.8, 0.9), eps=0.1, weight_decay=0.1, momentum_decay=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("NAdam", dict(lr=0.05, momentum_decay=0.0)),
    ("RAdam", dict(lr=0.01)),
    ("RAdam", dict(lr=0.02, betas=(0.5, 0.8), eps=0.01, weight_decay=0.1)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("RAdam", dict(lr=0.01, betas=(0.9, 0.5))),
    ("Adamax", dict(lr=0.01)),
    ("Adamax", dict(lr=0.02, betas=(0.5, 0.8), eps=0.01, weight_decay=0.1, maximize=True)),
]


def trajectories(name, kwargs, seed=0):
    """20 steps with the same random float32 gradients in both libraries; both trajectories."""
    rng = np.random.default_rng(seed)
    shapes = [(4, 3), (5,)]
    starts = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    ours = [Tensor(a.copy(), requires_grad=True) for a in starts]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in starts]
    # two groups, the second with half the lr, so per-group hyperparameters are compared too
    lr = kwargs.get("lr", 1.0)
    opt = getattr(optim, name)([{"params": [ours[0]]}, {"params": [ours[1]], "lr": lr / 2}],
                               **kwargs, foreach=False)
    topt = getattr(torch.optim, name)(
        [{"params": [theirs[0]]}, {"params": [theirs[1]], "lr": lr / 2}], **kwargs, foreach=False
    )
    out_ours, out_theirs = [], []
    for _ in range(STEPS):
        for p, tp in zip(ours, theirs):
            g = rng.standard_normal(p.shape).astype(np.float32)
            p.grad = Tensor(g.copy())
            tp.grad = torch.tensor(g.copy())
        opt.step()
        topt.step()
        out_ours.append(np.concatenate([p._data.ravel() for p in ours]))
        out_theirs.append(np.concatenate([tp.detach().numpy().ravel() for tp in theirs]))
    return np.array(out_ours), np.array(out_theirs), opt, topt, ours, theirs


@pytest.mark.parametrize("name, kwargs", CONFIGS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CONFIGS)])
def test_trajectory_matches_torch(name, kwargs):
    """Agreement to float32 rounding: PyTorch's CPU kernels fuse multiply-adds (one rounding where
    numpy rounds twice) and its vectorized sqrt is not always correctly rounded, so iterates
    differ by a few units in the last place of the largest value."""
    ours, theirs, *_ = trajectories(name, kwargs)
    assert ours.dtype == np.float32
    scale = np.abs(theirs).max()
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=4e-7 * scale)
    # the parameters moved far more than the tolerance, so the comparison is meaningful
    assert np.abs(theirs[-1] - theirs[0]).max() > 1e3 * 4e-7 * scale


@pytest.mark.parametrize("name, kwargs", CONFIGS[1::2], ids=lambda v: str(v)[:20])
def test_state_matches_torch(name, kwargs):
    """Same state entries (names, step counts) and buffers, and the same group keys."""
    _, _, opt, topt, ours, theirs = trajectories(name, kwargs)
    for p, tp in zip(ours, theirs):
        mine, ref = opt.state[p], topt.state[tp]
        assert set(mine) == set(ref)
        for key, value in ref.items():
            if key == "step":
                assert mine["step"] == int(value.item())
            else:
                r = value.numpy()
                np.testing.assert_allclose(mine[key]._data, r, rtol=1e-5,
                                           atol=1e-6 * max(1.0, np.abs(r).max()), err_msg=key)
    ours_groups = opt.state_dict()["param_groups"]
    torch_groups = topt.state_dict()["param_groups"]
    for g, tg in zip(ours_groups, torch_groups):
        assert list(g) == list(tg)  # (PyTorch's keys, in its order: foreach, fused, ... too)
        for key in g:
            value = tg[key]
            assert g[key] == (tuple(value) if isinstance(value, tuple) else value), key


@pytest.mark.parametrize(
    "make",
    [
        lambda mod, p: mod.SGD(p, lr=-1),
        lambda mod, p: mod.SGD(p, momentum=-1),
        lambda mod, p: mod.SGD(p, nesterov=True),
        lambda mod, p: mod.Adam(p, betas=(0.9, 1.0)),
        lambda mod, p: mod.AdamW(p, eps=-1e-8),
        lambda mod, p: mod.Adagrad(p, lr_decay=-0.5),
        lambda mod, p: mod.Adadelta(p, rho=1.1),
        lambda mod, p: mod.RMSprop(p, alpha=-1.0),
        lambda mod, p: mod.NAdam(p, momentum_decay=-0.1),
        lambda mod, p: mod.NAdam(p, betas=(1.0, 0.9)),
        lambda mod, p: mod.RAdam(p, lr=-0.1),
        lambda mod, p: mod.RAdam(p, weight_decay=-1),
        lambda mod, p: mod.Adamax(p, eps=-1.0),
        lambda mod, p: mod.Adamax(p, betas=(0.9, -0.1)),
    ],
)
def test_error_messages_match_torch(make):
    with pytest.raises(ValueError) as theirs:
        make(torch.optim, [torch.zeros(2, requires_grad=True)])
    with pytest.raises(ValueError) as ours:
        make(optim, [Tensor(np.zeros(2, np.float32), requires_grad=True)])
    assert str(ours.value) == str(theirs.value)


# ----------------------------------------------------------------------------- schedulers
SCHEDULES = {
    "step": lambda m, o: m.StepLR(o, step_size=4, gamma=0.3),
    "multistep": lambda m, o: m.MultiStepLR(o, milestones=[3, 7, 7, 12], gamma=0.5),
    "exponential": lambda m, o: m.ExponentialLR(o, gamma=0.9),
    "cosine": lambda m, o: m.CosineAnnealingLR(o, T_max=8, eta_min=0.002),
    "lambda": lambda m, o: m.LambdaLR(o, lambda e: 1.0 / (1 + 0.3 * e)),
    "linear": lambda m, o: m.LinearLR(o, start_factor=0.1, end_factor=0.8, total_iters=6),
    "linear-default": lambda m, o: m.LinearLR(o),
    "sequential": lambda m, o: m.SequentialLR(
        o, [m.LinearLR(o, start_factor=0.2, total_iters=4),
            m.CosineAnnealingLR(o, T_max=10)], milestones=[4]
    ),
    "sequential-3": lambda m, o: m.SequentialLR(
        o, [m.LinearLR(o, start_factor=0.5, total_iters=2), m.ExponentialLR(o, gamma=0.8), m.StepLR(o, step_size=3, gamma=0.5)],
        milestones=[5, 12],
    ),
    "onecycle": lambda m, o: m.OneCycleLR(o, max_lr=[1.0, 2.0], total_steps=30),
    "onecycle-3phase": lambda m, o: m.OneCycleLR(
        o, max_lr=0.5, epochs=3, steps_per_epoch=10, pct_start=0.25, anneal_strategy="linear",
        three_phase=True, div_factor=10.0,
    ),
    "warm-restarts": lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=5, eta_min=0.01),
    "warm-restarts-mult": lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2),
    "sequential-restarts": lambda m, o: m.SequentialLR(
        o, [m.LinearLR(o, start_factor=0.1, total_iters=3), m.CosineAnnealingWarmRestarts(o, T_0=4, T_mult=2)],
        milestones=[3],
    ),
    "chained-restarts": lambda m, o: m.ChainedScheduler(
        [m.CosineAnnealingWarmRestarts(o, T_0=4), m.ExponentialLR(o, gamma=0.95)]
    ),
    "chained": lambda m, o: m.ChainedScheduler(
        [m.ExponentialLR(o, gamma=0.9), m.MultiStepLR(o, milestones=[5, 9], gamma=0.1),
         m.LinearLR(o, start_factor=0.5, total_iters=4)]
    ),
}


class Stacked:
    """Two schedules on one optimizer, both stepped each epoch (PyTorch's chaining example)."""

    def __init__(self, m, o):
        self.first = m.CosineAnnealingLR(o, T_max=6, eta_min=0.01)
        self.second = m.StepLR(o, step_size=4, gamma=0.5)

    def step(self):
        self.first.step()
        self.second.step()

    def get_last_lr(self):
        return self.second.get_last_lr()


SCHEDULES["stacked"] = Stacked


def lr_sequences(make, epochs=30):
    groups = lambda ps: [{"params": [ps[0]], "lr": 0.1}, {"params": [ps[1]], "lr": 0.4}]
    opt = optim.SGD(groups([Tensor(np.zeros(1), requires_grad=True) for _ in range(2)]),
                    momentum=0.9)
    topt = torch.optim.SGD(groups([torch.zeros(1, requires_grad=True) for _ in range(2)]),
                           momentum=0.9)
    s, ts = make(lr_scheduler, opt), make(torch.optim.lr_scheduler, topt)
    ours, theirs = [], []
    for e in range(epochs):
        ours.append([g["lr"] for g in opt.param_groups] + [g["momentum"] for g in opt.param_groups])
        theirs.append([g["lr"] for g in topt.param_groups]
                      + [g["momentum"] for g in topt.param_groups])
        assert s.get_last_lr() == ts.get_last_lr()
        if e < epochs - 1:
            opt.step()
            topt.step()
            s.step()
            ts.step()
    return np.array(ours), np.array(theirs)


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_schedule_matches_torch(name):
    ours, theirs = lr_sequences(SCHEDULES[name])
    # the same float64 operations in the same order: equal, not just close
    np.testing.assert_array_equal(ours, theirs)


def test_step_with_epoch_uses_the_closed_form_like_torch():
    ours, theirs = [], []
    for m, mod in ((lr_scheduler, optim), (torch.optim.lr_scheduler, torch.optim)):
        p = Tensor(np.zeros(1), requires_grad=True) if mod is optim else torch.zeros(1)
        opt = mod.SGD([p], lr=0.1)
        s = m.CosineAnnealingLR(opt, T_max=10, eta_min=0.001)
        out = ours if mod is optim else theirs
        for epoch in (3, 7, 2, 15):
            opt.step()
            with pytest.warns(UserWarning, match="epoch parameter"):
                s.step(epoch)
            out.append(opt.param_groups[0]["lr"])
    assert ours == theirs


def test_plateau_matches_torch():
    rng = np.random.default_rng(3)
    metrics = np.concatenate([np.linspace(5, 1, 10), np.ones(20), rng.uniform(0.5, 1.5, 30)])
    for kwargs in (
        dict(factor=0.5, patience=3, cooldown=2),
        dict(mode="max", factor=0.2, patience=1, threshold=0.1, threshold_mode="abs",
             min_lr=[0.01, 0.001]),
        dict(patience=0, eps=0.05),
    ):
        opt = optim.SGD([{"params": [Tensor(np.zeros(1), requires_grad=True)], "lr": 0.1},
                         {"params": [Tensor(np.zeros(1), requires_grad=True)], "lr": 1.0}])
        topt = torch.optim.SGD([{"params": [torch.zeros(1, requires_grad=True)], "lr": 0.1},
                                {"params": [torch.zeros(1, requires_grad=True)], "lr": 1.0}])
        s = lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
        ts = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **kwargs)
        for m in metrics:
            s.step(float(m))
            ts.step(float(m))
            assert s.get_last_lr() == ts.get_last_lr()
            assert (s.num_bad_epochs, s.cooldown_counter) == (ts.num_bad_epochs,
                                                             ts.cooldown_counter)
        assert math.isfinite(s.best) and s.best == ts.best


@pytest.mark.parametrize("t_mult", [1, 2, 3])
def test_warm_restarts_fractional_epochs_match_torch(t_mult):
    """step(epoch + i / iters), PyTorch's per-batch use, then plain steps after a jump."""
    out = []
    for m, mod in ((lr_scheduler, optim), (torch.optim.lr_scheduler, torch.optim)):
        p = Tensor(np.zeros(1), requires_grad=True) if mod is optim else torch.zeros(1, requires_grad=True)
        opt = mod.SGD([p], lr=0.5)
        s = m.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=t_mult, eta_min=0.001)
        lrs = []
        for epoch in range(12):
            for i in range(4):
                s.step(epoch + i / 4)
                lrs.append((opt.param_groups[0]["lr"], s.T_cur, s.T_i, s.last_epoch))
        s.step(26)
        for _ in range(5):
            s.step()
            lrs.append((opt.param_groups[0]["lr"], s.T_cur, s.T_i, s.last_epoch))
        out.append(lrs)
    assert out[0] == out[1]


def test_warm_restarts_errors_match_torch():
    for kwargs in (dict(T_0=0), dict(T_0=2.0), dict(T_0=2, T_mult=0), dict(T_0=2, eta_min="0")):
        with pytest.raises(ValueError) as want:
            torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(torch.optim.SGD([torch.zeros(1)], lr=0.1), **kwargs)
        with pytest.raises(ValueError) as got:
            lr_scheduler.CosineAnnealingWarmRestarts(optim.SGD([Tensor(np.zeros(1), requires_grad=True)], lr=0.1), **kwargs)
        assert str(got.value) == str(want.value)
    s = lr_scheduler.CosineAnnealingWarmRestarts(optim.SGD([Tensor(np.zeros(1), requires_grad=True)], lr=0.1), T_0=2)
    with pytest.raises(ValueError, match="non-negative epoch"):
        s.step(-1)
