"""Optimizer bookkeeping: groups, zero_grad, closures, state_dict, validation; Rosenbrock descent."""

import copy
import math

import numpy as np
import pytest

import autograd
import optim
from autograd import Tensor

ALL = {
    "SGD": lambda ps, **kw: optim.SGD(ps, **{"lr": 0.05, "momentum": 0.9, **kw}),
    "Nesterov": lambda ps, **kw: optim.SGD(
        ps, **{"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01, **kw}
    ),
    "Adam": lambda ps, **kw: optim.Adam(ps, **{"lr": 0.05, "amsgrad": True, **kw}),
    "AdamW": lambda ps, **kw: optim.AdamW(ps, **{"lr": 0.05, **kw}),
    "Adagrad": lambda ps, **kw: optim.Adagrad(ps, **{"lr": 0.1, "lr_decay": 0.01, **kw}),
    "Adadelta": lambda ps, **kw: optim.Adadelta(ps, **{"lr": 1.0, **kw}),
    "RMSprop": lambda ps, **kw: optim.RMSprop(
        ps, **{"lr": 0.01, "momentum": 0.5, "centered": True, **kw}
    ),
    "NAdam": lambda ps, **kw: optim.NAdam(ps, **{"lr": 0.05, **kw}),
    "RAdam": lambda ps, **kw: optim.RAdam(ps, **{"lr": 0.05, **kw}),
    "Adamax": lambda ps, **kw: optim.Adamax(ps, **{"lr": 0.05, **kw}),
}


def rosenbrock(xy):
    """f(x, y) = (1 - x)² + 100 (y - x²)²; minimum 0 at (1, 1)."""
    x, y = xy[0], xy[1]
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2


ROSENBROCK_LRS = {
    "SGD": lambda ps: optim.SGD(ps, lr=1.5e-3),
    "SGD-momentum": lambda ps: optim.SGD(ps, lr=5e-4, momentum=0.9),
    "SGD-nesterov": lambda ps: optim.SGD(ps, lr=5e-4, momentum=0.9, nesterov=True),
    "Adam": lambda ps: optim.Adam(ps, lr=0.05),
    "Adam-amsgrad": lambda ps: optim.Adam(ps, lr=0.05, amsgrad=True),
    "AdamW": lambda ps: optim.AdamW(ps, lr=0.05),
    "Adagrad": lambda ps: optim.Adagrad(ps, lr=1.0),
    "Adadelta": lambda ps: optim.Adadelta(ps, lr=10.0),
    "RMSprop": lambda ps: optim.RMSprop(ps, lr=0.02),
    "RMSprop-centered": lambda ps: optim.RMSprop(ps, lr=0.01, centered=True, momentum=0.5),
    "NAdam": lambda ps: optim.NAdam(ps, lr=0.05),
    "RAdam": lambda ps: optim.RAdam(ps, lr=0.01),  # (0.05 diverges in PyTorch too: early steps are plain SGD)
    "Adamax": lambda ps: optim.Adamax(ps, lr=0.05),
}


@pytest.mark.parametrize("name", list(ROSENBROCK_LRS))
def test_rosenbrock_decreases(name):
    """400 steps from (-1.5, 2), where f = 12.5, with gradients from autograd."""
    xy = Tensor(np.array([-1.5, 2.0]), requires_grad=True)
    opt = ROSENBROCK_LRS[name]([xy])
    start = rosenbrock(xy).item()
    assert start == pytest.approx(12.5)
    for _ in range(400):
        opt.zero_grad()
        loss = rosenbrock(xy)
        loss.backward()
        opt.step()
    end = rosenbrock(xy).item()
    assert math.isfinite(end) and end < 0.4 * start
    assert xy._data[0] > -1.5  # moved toward the minimum at x = 1


def quadratic_grads(params, targets):
    """Set p.grad to the gradient of 0.5·|p - target|² (= p - target), computed by autograd."""
    loss = sum(((p - t) ** 2).sum() * 0.5 for p, t in zip(params, targets))
    loss.backward()
    return loss


def make_problem(seed=0):
    rng = np.random.default_rng(seed)
    params = [
        Tensor(rng.standard_normal((3, 2)).astype(np.float32), requires_grad=True),
        Tensor(rng.standard_normal(4).astype(np.float32), requires_grad=True),
    ]
    targets = [Tensor(rng.standard_normal(p.shape).astype(np.float32)) for p in params]
    return params, targets


def train(opt, params, targets, steps):
    for _ in range(steps):
        opt.zero_grad()
        quadratic_grads(params, targets)
        opt.step()


# ----------------------------------------------------------------------------- state_dict
@pytest.mark.parametrize("name", list(ALL))
def test_state_dict_round_trip_continues_identically(name):
    """Run 5 steps, save, run 5 more; a fresh optimizer loaded from the save repeats them."""
    params, targets = make_problem()
    opt = ALL[name](params)
    train(opt, params, targets, 5)
    saved_state = opt.state_dict()
    saved_params = [p._data.copy() for p in params]
    train(opt, params, targets, 5)
    expected = [p._data.copy() for p in params]

    params2 = [Tensor(a.copy(), requires_grad=True) for a in saved_params]
    opt2 = ALL[name](params2, lr=123.0)  # the loaded groups replace this lr
    opt2.load_state_dict(saved_state)
    assert opt2.param_groups[0]["lr"] == opt.param_groups[0]["lr"]
    train(opt2, params2, targets, 5)
    for a, b in zip(expected, params2):
        np.testing.assert_array_equal(a, b._data)


def test_state_dict_layout_and_deep_copy():
    params, targets = make_problem()
    opt = optim.Adam([{"params": [params[0]]}, {"params": [params[1]], "lr": 0.5}], lr=0.1)
    train(opt, params, targets, 2)
    sd = opt.state_dict()
    assert sd["param_groups"][0]["params"] == [0] and sd["param_groups"][1]["params"] == [1]
    assert sd["param_groups"][1]["lr"] == 0.5 and sd["param_groups"][0]["betas"] == (0.9, 0.999)
    assert set(sd["state"]) == {0, 1}
    assert sd["state"][0]["step"] == 2
    assert set(sd["state"][1]) == {"step", "exp_avg", "exp_avg_sq"}
    saved = sd["state"][0]["exp_avg"]._data.copy()
    train(opt, params, targets, 1)  # stepping must not change the saved copy
    np.testing.assert_array_equal(sd["state"][0]["exp_avg"]._data, saved)
    assert not np.array_equal(opt.state[params[0]]["exp_avg"]._data, saved)
    # loading must copy as well: stepping after the load leaves the dict unchanged
    opt.load_state_dict(sd)
    train(opt, params, targets, 1)
    np.testing.assert_array_equal(sd["state"][0]["exp_avg"]._data, saved)


def test_state_is_keyed_by_the_parameter_object():
    params, targets = make_problem()
    opt = optim.SGD(params, lr=0.1, momentum=0.9)
    train(opt, params, targets, 1)
    assert set(opt.state) == set(params) and len(opt.state) == 2
    assert all(isinstance(k, Tensor) for k in opt.state)


def test_load_state_dict_validates():
    params, targets = make_problem()
    opt = optim.Adam(params, lr=0.1)
    train(opt, params, targets, 1)
    sd = opt.state_dict()
    with pytest.raises(ValueError, match="different number of parameter groups"):
        optim.Adam([{"params": [params[0]]}, {"params": [params[1]]}]).load_state_dict(sd)
    with pytest.raises(ValueError, match="doesn't match the size"):
        optim.Adam([params[0]]).load_state_dict(
            {"state": {}, "param_groups": [{**sd["param_groups"][0], "params": [0, 1]}]}
        )
    swapped = [Tensor(np.zeros(4, np.float32), requires_grad=True),
               Tensor(np.zeros((3, 2), np.float32), requires_grad=True)]
    with pytest.raises(ValueError, match=r"has shape \(3, 2\), but the parameter has shape \(4,\)"):
        optim.Adam(swapped).load_state_dict(sd)
    with pytest.raises(ValueError, match="'state' and 'param_groups'"):
        opt.load_state_dict({"state": {}})


def test_load_state_dict_casts_to_param_dtype():
    p = Tensor(np.ones(3, np.float32), requires_grad=True)
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    p.grad = Tensor(np.ones(3, np.float32))
    opt.step()
    sd = opt.state_dict()
    sd["state"][0]["momentum_buffer"] = np.ones(3)  # float64 array
    opt.load_state_dict(sd)
    assert opt.state[p]["momentum_buffer"].dtype == np.float32


# ----------------------------------------------------------------------------- groups
def test_param_groups_use_their_own_lr():
    a = Tensor(np.zeros(2), requires_grad=True)
    b = Tensor(np.zeros(2), requires_grad=True)
    opt = optim.SGD([{"params": [a]}, {"params": b, "lr": 0.5}], lr=0.1)
    assert opt.param_groups[0]["lr"] == 0.1 and opt.param_groups[1]["momentum"] == 0
    a.grad = Tensor(np.ones(2))
    b.grad = Tensor(np.ones(2))
    opt.step()
    np.testing.assert_allclose(a._data, -0.1)
    np.testing.assert_allclose(b._data, -0.5)


def test_add_param_group_and_duplicates():
    a = Tensor(np.zeros(2), requires_grad=True)
    b = Tensor(np.zeros(2), requires_grad=True)
    opt = optim.Adam([a], lr=0.1)
    opt.add_param_group({"params": [b], "lr": 0.01})
    assert len(opt.param_groups) == 2 and opt.param_groups[1]["betas"] == (0.9, 0.999)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(ValueError, match="same parameter twice"):
        optim.SGD([a, a])
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        opt.add_param_group({"params": [Tensor(np.zeros(1), requires_grad=True)], "lr": -1})


def test_named_parameters_are_accepted():
    a = Tensor(np.zeros(2), requires_grad=True)
    opt = optim.SGD([("weight", a)], lr=0.1)
    assert opt.param_groups[0]["params"] == [a]
    assert opt.param_groups[0]["param_names"] == ["weight"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["weight"]


def test_bad_params():
    a = Tensor(np.zeros(2), requires_grad=True)
    with pytest.raises(TypeError, match="single Tensor"):
        optim.SGD(a)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([])
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD({a})
    with pytest.raises(TypeError, match="only optimize Tensors"):
        optim.SGD([np.zeros(2)])
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([a * 2])


# ----------------------------------------------------------------------------- step plumbing
def test_params_without_grad_are_skipped():
    a = Tensor(np.ones(2), requires_grad=True)
    b = Tensor(np.ones(2), requires_grad=True)
    opt = optim.Adam([a, b], lr=0.1)
    a.grad = Tensor(np.ones(2))
    opt.step()
    np.testing.assert_array_equal(b._data, 1.0)
    assert b not in opt.state and opt.state[a]["step"] == 1


@pytest.mark.parametrize("name", list(ALL))
def test_state_is_made_on_the_first_step_only_for_parameters_with_a_gradient(name):
    """Every optimizer (Adagrad too) starts with no state; one step makes PyTorch's keys."""
    a = Tensor(np.ones(3), requires_grad=True)
    b = Tensor(np.ones(3), requires_grad=True)
    opt = ALL[name]([a, b])
    assert len(opt.state) == 0
    a.grad = Tensor(np.full(3, 0.5))
    opt.step()
    assert b not in opt.state
    torch = pytest.importorskip("torch")
    ta, tb = (torch.ones(3, dtype=torch.float64, requires_grad=True) for _ in range(2))
    kwargs = {k: v for k, v in opt.defaults.items() if k != "decoupled_weight_decay"}
    topt = getattr(torch.optim, type(opt).__name__)([ta, tb], **kwargs)
    ta.grad = torch.full((3,), 0.5, dtype=torch.float64)
    topt.step()
    assert set(opt.state[a]) == set(topt.state[ta])
    np.testing.assert_allclose(a._data, ta.detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad(set_to_none):
    a = Tensor(np.ones(3), requires_grad=True)
    (a * a).sum().backward()
    grad = a.grad
    opt = optim.SGD([a], lr=0.1)
    opt.zero_grad(set_to_none=set_to_none)
    if set_to_none:
        assert a.grad is None
    else:
        assert a.grad is grad
        np.testing.assert_array_equal(a.grad._data, 0.0)


def test_zero_grad_default_is_none_and_handles_graph_grads():
    a = Tensor(np.ones(3), requires_grad=True)
    (a * a).sum().backward(create_graph=True)
    assert a.grad.requires_grad
    opt = optim.SGD([a], lr=0.1)
    opt.zero_grad(set_to_none=False)
    assert not a.grad.requires_grad
    np.testing.assert_array_equal(a.grad._data, 0.0)
    opt.zero_grad()
    assert a.grad is None


def test_closure_is_evaluated_with_grad_and_its_loss_returned():
    a = Tensor(np.array([3.0]), requires_grad=True)
    opt = optim.SGD([a], lr=0.25)
    calls = []

    def closure():
        calls.append(autograd.is_grad_enabled())
        opt.zero_grad()
        loss = (a * a).sum()
        loss.backward()
        return loss

    with autograd.no_grad():
        loss = opt.step(closure)
    assert calls == [True]
    assert loss.item() == 9.0
    np.testing.assert_allclose(a._data, [3.0 - 0.25 * 6.0])
    assert opt.step() is None


def test_step_bumps_the_version_so_stale_graphs_raise():
    """A backward through a graph recorded before the in-place step must not use new values."""
    a = Tensor(np.array([2.0]), requires_grad=True)
    loss = (a * a * a).sum()
    loss.backward(retain_graph=True)
    opt = optim.SGD([a], lr=0.1)
    opt.step()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


def test_step_updates_in_place():
    a = Tensor(np.ones(2, np.float32), requires_grad=True)
    data = a._data
    a.grad = Tensor(np.ones(2, np.float32))
    optim.Adam([a]).step()
    assert a._data is data


def test_repr_lists_groups():
    a = Tensor(np.zeros(2), requires_grad=True)
    text = repr(optim.SGD([a], lr=0.1, momentum=0.9))
    assert text.startswith("SGD (") and "Parameter Group 0" in text and "momentum: 0.9" in text


# ----------------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: optim.SGD(p, lr=-1), "Invalid learning rate: -1"),
        (lambda p: optim.SGD(p, momentum=-0.5), "Invalid momentum value: -0.5"),
        (lambda p: optim.SGD(p, weight_decay=-1e-3), "Invalid weight_decay value: -0.001"),
        (lambda p: optim.SGD(p, nesterov=True), "Nesterov momentum requires a momentum"),
        (lambda p: optim.SGD(p, momentum=0.9, dampening=0.1, nesterov=True), "zero dampening"),
        (lambda p: optim.SGD(p, lr=float("nan")), "Invalid learning rate: nan"),
        (lambda p: optim.Adam(p, lr=-0.1), "Invalid learning rate: -0.1"),
        (lambda p: optim.Adam(p, eps=-1.0), "Invalid epsilon value: -1.0"),
        (lambda p: optim.Adam(p, betas=(1.0, 0.9)), "Invalid beta parameter at index 0: 1.0"),
        (lambda p: optim.Adam(p, betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
        (lambda p: optim.AdamW(p, weight_decay=-1), "Invalid weight_decay value: -1"),
        (lambda p: optim.Adagrad(p, lr_decay=-1), "Invalid lr_decay value: -1"),
        (lambda p: optim.Adagrad(p, initial_accumulator_value=-1),
         "Invalid initial_accumulator_value value: -1"),
        (lambda p: optim.Adagrad(p, eps=-1), "Invalid epsilon value: -1"),
        (lambda p: optim.Adadelta(p, rho=1.5), "Invalid rho value: 1.5"),
        (lambda p: optim.Adadelta(p, lr=-2), "Invalid learning rate: -2"),
        (lambda p: optim.RMSprop(p, alpha=-0.1), "Invalid alpha value: -0.1"),
        (lambda p: optim.RMSprop(p, momentum=-1), "Invalid momentum value: -1"),
    ],
)
def test_invalid_hyperparameters(make, message):
    a = Tensor(np.zeros(2), requires_grad=True)
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        make([a])


def test_non_numeric_hyperparameter_is_a_type_error():
    a = Tensor(np.zeros(2), requires_grad=True)
    with pytest.raises(TypeError, match="SGD: lr must be a real number, got str"):
        optim.SGD([a], lr="0.1")
    with pytest.raises(TypeError, match="Adam: betas must be a pair"):
        optim.Adam([a], betas=0.9)


def test_defaults_match_pytorch():
    a = Tensor(np.zeros(2), requires_grad=True)
    assert optim.SGD([a]).defaults["lr"] == 1e-3
    assert optim.Adagrad([a]).defaults == {
        "lr": 1e-2, "lr_decay": 0, "eps": 1e-10, "weight_decay": 0,
        "initial_accumulator_value": 0, "foreach": None, "maximize": False,
        "differentiable": False, "fused": None,
    }
    assert optim.Adadelta([a]).defaults["lr"] == 1.0
    assert optim.Adadelta([a]).defaults["rho"] == 0.9
    rms = optim.RMSprop([a]).defaults
    assert (rms["lr"], rms["alpha"], rms["eps"]) == (1e-2, 0.99, 1e-8)
    adam = optim.Adam([a]).defaults
    assert (adam["lr"], adam["betas"], adam["eps"], adam["weight_decay"]) == (
        1e-3, (0.9, 0.999), 1e-8, 0
    )
    assert optim.AdamW([a]).defaults["weight_decay"] == 1e-2
    assert optim.AdamW([a]).defaults["decoupled_weight_decay"] is True


def test_optimizer_subclass_without_update_raises():
    a = Tensor(np.zeros(2), requires_grad=True)
    a.grad = Tensor(np.ones(2))
    opt = optim.Optimizer([a], {"lr": 0.1})
    with pytest.raises(NotImplementedError, match="_update_group"):
        opt.step()


def test_deepcopy_of_state_dict_is_plain_data():
    params, targets = make_problem()
    opt = optim.RMSprop(params, momentum=0.5, centered=True)
    train(opt, params, targets, 2)
    sd = copy.deepcopy(opt.state_dict())
    assert set(sd["state"][0]) == {"step", "square_avg", "momentum_buffer", "grad_avg"}


def test_sgd_makes_its_momentum_buffer_where_a_loaded_state_holds_none():
    # PyTorch's SGD saves {"momentum_buffer": None} for a parameter stepped without momentum
    a = Tensor(np.ones(2), requires_grad=True)
    opt = optim.SGD([a], lr=0.1, momentum=0.9)
    opt.load_state_dict({"state": {0: {"momentum_buffer": None}},
                         "param_groups": [{**opt.param_groups[0], "params": [0]}]})
    a.grad = Tensor(np.array([1.0, 2.0]))
    opt.step()
    np.testing.assert_allclose(opt.state[a]["momentum_buffer"]._data, [1.0, 2.0])
    np.testing.assert_allclose(a._data, [0.9, 0.8])
