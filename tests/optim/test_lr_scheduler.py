"""Learning-rate schedules against their closed forms; plateau logic; state_dict round trips."""

import math

import numpy as np
import pytest

import optim
from autograd import Tensor
from optim import lr_scheduler


def make_opt(lrs=(0.1,), cls=optim.SGD, **kw):
    groups = [{"params": [Tensor(np.zeros(2), requires_grad=True)], "lr": lr} for lr in lrs]
    return cls(groups, **kw)


def run(opt, scheduler, epochs):
    """The lr of each group at epochs 0..epochs-1 (read from the optimizer, as a user would)."""
    out = []
    for _ in range(epochs):
        out.append([g["lr"] for g in opt.param_groups])
        assert scheduler.get_last_lr() == out[-1]
        opt.step()
        scheduler.step()
    return np.array(out)


def expect(values, closed_form, epochs, bases):
    ref = np.array([[closed_form(e, b) for b in bases] for e in range(epochs)])
    np.testing.assert_allclose(values, ref, rtol=1e-13, atol=1e-16)


def test_step_lr():
    opt = make_opt((0.1, 0.4))
    s = lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
    expect(run(opt, s, 12), lambda e, b: b * 0.5 ** (e // 3), 12, (0.1, 0.4))


def test_multistep_lr_counts_repeated_milestones():
    opt = make_opt((0.2,))
    s = lr_scheduler.MultiStepLR(opt, milestones=[5, 2, 5], gamma=0.1)
    expect(run(opt, s, 8), lambda e, b: b * 0.1 ** ((e >= 2) + 2 * (e >= 5)), 8, (0.2,))


def test_exponential_lr():
    opt = make_opt((0.3,))
    s = lr_scheduler.ExponentialLR(opt, gamma=0.9)
    expect(run(opt, s, 10), lambda e, b: b * 0.9**e, 10, (0.3,))


def test_cosine_annealing_lr_continues_past_t_max():
    opt = make_opt((0.1, 1.0))
    s = lr_scheduler.CosineAnnealingLR(opt, T_max=7, eta_min=0.01)
    values = run(opt, s, 25)
    expect(values, lambda e, b: 0.01 + (b - 0.01) * (1 + math.cos(math.pi * e / 7)) / 2, 25,
           (0.1, 1.0))
    assert values[7, 0] == pytest.approx(0.01) and values[14, 0] == pytest.approx(0.1)


def test_lambda_lr_per_group():
    opt = make_opt((0.1, 0.2))
    s = lr_scheduler.LambdaLR(opt, [lambda e: 1 / (e + 1), lambda e: 0.5**e])
    values = run(opt, s, 6)
    e = np.arange(6)
    np.testing.assert_allclose(values[:, 0], 0.1 / (e + 1), rtol=1e-14)
    np.testing.assert_allclose(values[:, 1], 0.2 * 0.5**e, rtol=1e-14)


def test_linear_lr_warmup():
    opt = make_opt((0.3,))
    s = lr_scheduler.LinearLR(opt, start_factor=0.25, end_factor=1.0, total_iters=4)
    expect(run(opt, s, 8), lambda e, b: b * (0.25 + 0.75 * min(e, 4) / 4), 8, (0.3,))
    opt = make_opt((0.3,))
    s = lr_scheduler.LinearLR(opt)  # PyTorch's defaults: 1/3 -> 1 over 5 epochs
    values = run(opt, s, 7)
    np.testing.assert_allclose(values[:, 0], 0.3 * (1 / 3 + (2 / 3) * np.minimum(np.arange(7), 5) / 5))


class Both:
    """Two schedules stepped together on one optimizer (PyTorch's chaining idiom)."""

    def __init__(self, *schedulers):
        self.schedulers = schedulers

    def step(self):
        for s in self.schedulers:
            s.step()

    def get_last_lr(self):
        return self.schedulers[-1].get_last_lr()


def closed_exp_multistep(e, b):
    return b * 0.9**e * 0.1 ** ((e >= 3) + (e >= 6))


def test_two_schedules_on_one_optimizer_multiply():
    opt = make_opt((0.1, 0.5))
    both = Both(lr_scheduler.ExponentialLR(opt, gamma=0.9),
                lr_scheduler.MultiStepLR(opt, milestones=[3, 6], gamma=0.1))
    expect(run(opt, both, 10), closed_exp_multistep, 10, (0.1, 0.5))


def test_chained_scheduler_multiplies():
    opt = make_opt((0.1, 0.5))
    s = lr_scheduler.ChainedScheduler([lr_scheduler.ExponentialLR(opt, gamma=0.9),
                                       lr_scheduler.MultiStepLR(opt, milestones=[3, 6])])
    expect(run(opt, s, 10), closed_exp_multistep, 10, (0.1, 0.5))


def test_warmup_then_cosine_stacked_with_linear():
    """LinearLR warmup times cosine: the product of both closed forms."""
    opt = make_opt((1.0,))
    both = Both(lr_scheduler.LinearLR(opt, start_factor=0.2, total_iters=3),
                lr_scheduler.CosineAnnealingLR(opt, T_max=8))

    def closed(e, b):
        return b * (0.2 + 0.8 * min(e, 3) / 3) * (1 + math.cos(math.pi * e / 8)) / 2

    expect(run(opt, both, 8), closed, 8, (1.0,))


def test_step_with_epoch_jumps_to_the_closed_form():
    opt = make_opt((0.2,))
    s = lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    with pytest.warns(UserWarning, match="epoch parameter"):
        s.step(7)
    assert s.last_epoch == 7 and opt.param_groups[0]["lr"] == pytest.approx(0.2 * 0.5**3)


def test_constructor_sets_initial_lr_and_epoch_zero():
    opt = make_opt((0.1,))
    s = lr_scheduler.LinearLR(opt, start_factor=0.5, total_iters=2)
    assert s.last_epoch == 0 and s.base_lrs == [0.1]
    assert opt.param_groups[0]["initial_lr"] == 0.1
    assert opt.param_groups[0]["lr"] == pytest.approx(0.05)
    with pytest.raises(KeyError, match="initial_lr"):
        lr_scheduler.StepLR(make_opt(), step_size=2, last_epoch=3)


def test_sequential_lr_warmup_then_decay():
    opt = make_opt((0.2,))
    warm = lr_scheduler.LinearLR(opt, start_factor=0.1, total_iters=3)
    decay = lr_scheduler.ExponentialLR(opt, gamma=0.5)
    s = lr_scheduler.SequentialLR(opt, [warm, decay], milestones=[3])

    def closed(e, b):
        return b * (0.1 + 0.9 * e / 3) if e < 3 else b * 0.5 ** (e - 3)

    expect(run(opt, s, 8), closed, 8, (0.2,))


def test_one_cycle_lr_closed_form_and_momentum():
    opt = make_opt((0.1,), momentum=0.9)
    total, peak = 10, 1.0
    s = lr_scheduler.OneCycleLR(opt, max_lr=peak, total_steps=total)
    initial, final = peak / 25, peak / 25 / 1e4

    def cos(start, end, pct):
        return end + (start - end) * (1 + math.cos(math.pi * pct)) / 2

    lrs, moms = [], []
    for t in range(total):
        lrs.append(opt.param_groups[0]["lr"])
        moms.append(opt.param_groups[0]["momentum"])
        if t < total - 1:
            s.step()
    up_end = 0.3 * total - 1
    ref_lr = [cos(initial, peak, t / up_end) if t <= up_end
              else cos(peak, final, (t - up_end) / (total - 1 - up_end)) for t in range(total)]
    ref_mom = [cos(0.95, 0.85, t / up_end) if t <= up_end
               else cos(0.85, 0.95, (t - up_end) / (total - 1 - up_end)) for t in range(total)]
    np.testing.assert_allclose(lrs, ref_lr, rtol=1e-12)
    np.testing.assert_allclose(moms, ref_mom, rtol=1e-12)
    s.step()  # step `total` is the last one allowed
    with pytest.raises(ValueError, match="Tried to step 11 times"):
        s.step()


def test_one_cycle_cycles_adam_beta1():
    opt = make_opt((0.1,), cls=optim.Adam, betas=(0.9, 0.99))
    lr_scheduler.OneCycleLR(opt, max_lr=0.5, epochs=2, steps_per_epoch=5, anneal_strategy="linear")
    assert opt.param_groups[0]["betas"] == (0.95, 0.99)
    assert opt.param_groups[0]["lr"] == pytest.approx(0.5 / 25)


# ----------------------------------------------------------------------------- plateau
def plateau_run(opt, scheduler, metrics):
    out = []
    for m in metrics:
        scheduler.step(m)
        out.append(opt.param_groups[0]["lr"])
        assert scheduler.get_last_lr() == [out[-1]]
    return out


def test_reduce_on_plateau_patience_and_cooldown():
    opt = make_opt((1.0,))
    s = lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=2, cooldown=1, threshold=0.0)
    metrics = [10, 9, 9, 9, 9, 8, 8, 8, 8, 8, 8, 8, 8]
    expected = [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.125]
    assert plateau_run(opt, s, metrics) == expected


def test_reduce_on_plateau_min_lr_eps_and_threshold():
    opt = make_opt((1.0,))
    s = lr_scheduler.ReduceLROnPlateau(opt, factor=0.1, patience=0, min_lr=0.05)
    # relative threshold 1e-4: 9.9995 is not better than 10 * (1 - 1e-4) = 9.999
    assert plateau_run(opt, s, [10.0, 9.9995, 9.0, 9.0, 9.0, 9.0]) == [
        1.0, 0.1, 0.1, 0.05, 0.05, 0.05
    ]


def test_reduce_on_plateau_max_mode_abs_threshold_and_tensor_metric():
    opt = make_opt((1.0,))
    s = lr_scheduler.ReduceLROnPlateau(opt, mode="max", factor=0.5, patience=1,
                                       threshold=0.5, threshold_mode="abs")
    metrics = [Tensor(1.0), Tensor(2.0), Tensor(2.4), Tensor(2.4), Tensor(3.0)]
    assert plateau_run(opt, s, metrics) == [1.0, 1.0, 1.0, 0.5, 0.5]


def test_reduce_on_plateau_validation():
    with pytest.raises(ValueError, match=r"Factor should be < 1.0."):
        lr_scheduler.ReduceLROnPlateau(make_opt(), factor=1.0)
    with pytest.raises(ValueError, match="mode up is unknown"):
        lr_scheduler.ReduceLROnPlateau(make_opt(), mode="up")
    with pytest.raises(ValueError, match="expected 2 min_lrs, got 1"):
        lr_scheduler.ReduceLROnPlateau(make_opt((0.1, 0.2)), min_lr=[0.0])


# ----------------------------------------------------------------------------- state dicts
@pytest.mark.parametrize(
    "make",
    [
        lambda o: lr_scheduler.StepLR(o, step_size=2, gamma=0.5),
        lambda o: lr_scheduler.MultiStepLR(o, milestones=[2, 4]),
        lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=5, eta_min=0.001),
        lambda o: lr_scheduler.LinearLR(o, start_factor=0.2, total_iters=6),
        lambda o: lr_scheduler.ExponentialLR(o, gamma=0.7),
        lambda o: lr_scheduler.OneCycleLR(o, max_lr=1.0, total_steps=12),
        lambda o: lr_scheduler.SequentialLR(
            o, [lr_scheduler.LinearLR(o, 0.5, total_iters=2), lr_scheduler.StepLR(o, 2)], [3]
        ),
        lambda o: lr_scheduler.ChainedScheduler(
            [lr_scheduler.ExponentialLR(o, 0.8), lr_scheduler.MultiStepLR(o, [5, 7])]
        ),
    ],
    ids=["step", "multistep", "cosine", "linear", "exponential", "onecycle", "sequential",
         "chained"],
)
def test_scheduler_state_dict_round_trip(make):
    opt = make_opt((0.1, 0.3), momentum=0.9)
    s = make(opt)
    run(opt, s, 4)
    saved_opt, saved_sched = opt.state_dict(), s.state_dict()
    expected = run(opt, s, 6)

    opt2 = make_opt((0.1, 0.3), momentum=0.9)
    s2 = make(opt2)
    opt2.load_state_dict(saved_opt)
    s2.load_state_dict(saved_sched)
    np.testing.assert_array_equal(run(opt2, s2, 6), expected)
    assert "optimizer" not in saved_sched


def test_multistep_state_dict_from_plain_dict():
    """Serializers may return milestones as a plain dict; loading restores the counts."""
    opt = make_opt((1.0,))
    s = lr_scheduler.MultiStepLR(opt, milestones=[1, 3, 3], gamma=0.5)
    sd = s.state_dict()
    sd["milestones"] = {1: 1, 3: 2}
    s2 = lr_scheduler.MultiStepLR(make_opt((1.0,)), milestones=[9])
    s2.load_state_dict(sd)
    assert s2.milestones == {1: 1, 3: 2}
    s2.step()
    s2.step()
    s2.step()
    assert s2.get_last_lr() == [0.125]


def test_plateau_state_dict_round_trip():
    opt = make_opt((1.0,))
    s = lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=1, cooldown=2)
    plateau_run(opt, s, [5, 4, 4, 4])
    saved_opt, saved = opt.state_dict(), s.state_dict()
    more = [4, 4, 4, 4, 3, 3, 3]
    expected = plateau_run(opt, s, more)
    opt2 = make_opt((1.0,))
    s2 = lr_scheduler.ReduceLROnPlateau(opt2)
    opt2.load_state_dict(saved_opt)
    s2.load_state_dict(saved)
    assert plateau_run(opt2, s2, more) == expected


class Warmup:
    """A callable object: LambdaLR saves its __dict__ (plain functions are not saved)."""

    def __init__(self, n):
        self.n = n

    def __call__(self, epoch):
        return min(1.0, (epoch + 1) / self.n)


def test_lambda_lr_state_dict_keeps_callable_objects_state():
    opt = make_opt((0.1, 0.2))
    s = lr_scheduler.LambdaLR(opt, [Warmup(4), lambda e: 0.9**e])
    sd = s.state_dict()
    assert sd["lr_lambdas"] == [{"n": 4}, None]
    s2 = lr_scheduler.LambdaLR(make_opt((0.1, 0.2)), [Warmup(10), lambda e: 1.0])
    s2.load_state_dict(sd)
    assert s2.lr_lambdas[0].n == 4


# ----------------------------------------------------------------------------- validation
def test_scheduler_validation():
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        lr_scheduler.StepLR([], step_size=1)
    with pytest.raises(ValueError, match="StepLR: step_size must be a positive integer, got 0"):
        lr_scheduler.StepLR(make_opt(), step_size=0)
    with pytest.raises(ValueError, match="Starting multiplicative factor"):
        lr_scheduler.LinearLR(make_opt(), start_factor=0)
    with pytest.raises(ValueError, match="Ending multiplicative factor"):
        lr_scheduler.LinearLR(make_opt(), end_factor=1.5)
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 1"):
        lr_scheduler.LambdaLR(make_opt((0.1, 0.2)), [lambda e: 1.0])
    with pytest.raises(ValueError, match="one more than the number of milestone"):
        opt = make_opt()
        lr_scheduler.SequentialLR(opt, [lr_scheduler.StepLR(opt, 1)], milestones=[2])
    with pytest.raises(ValueError, match="total_steps OR"):
        lr_scheduler.OneCycleLR(make_opt(), max_lr=1.0)
    with pytest.raises(ValueError, match="support momentum"):
        lr_scheduler.OneCycleLR(make_opt(cls=optim.Adagrad), max_lr=1.0, total_steps=5)


def test_adding_a_group_after_a_closed_form_scheduler_is_an_error():
    opt = make_opt((0.1,))
    s = lr_scheduler.LambdaLR(opt, lambda e: 0.5**e)
    opt.add_param_group({"params": [Tensor(np.zeros(1), requires_grad=True)]})
    with pytest.raises(ValueError, match="2 param groups but the scheduler was built for 1"):
        s.step()
