"""optim.LBFGS: PyTorch's iterates (with and without the strong-Wolfe search), its stopping
rules and its errors."""

from __future__ import annotations

import numpy as np
import pytest

import optim
from autograd import Tensor


def _rosenbrock(x):
    return ((1 - x[:-1]) ** 2).sum() + (100 * (x[1:] - x[:-1] ** 2) ** 2).sum()


def _least_squares(w, a, b):
    return ((a @ w - b) ** 2).sum()


pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")  # PyTorch's float(loss) warning


def _run(make_tensor, opt_cls, loss_fn, x0, steps, **kw):
    x = make_tensor(x0)
    opt = opt_cls([x], **kw)
    losses = []

    def closure():
        opt.zero_grad()
        loss = loss_fn(x)
        loss.backward()
        return loss

    for _ in range(steps):
        losses.append(float(opt.step(closure)))
    return x, losses, opt.state[x]


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_rosenbrock_iterates_equal_torch_in_float64(line_search_fn):
    torch = pytest.importorskip("torch")
    x0 = np.array([-1.2, 1.0, -0.5, 0.8])
    kw = {"lr": 1 if line_search_fn else 0.1, "max_iter": 10, "history_size": 5,
          "line_search_fn": line_search_fn}
    xt, lt, st = _run(lambda a: torch.tensor(a, requires_grad=True), torch.optim.LBFGS,
                      _rosenbrock, x0, 5, **kw)
    xo, lo, so = _run(lambda a: Tensor(a, requires_grad=True), optim.LBFGS, _rosenbrock, x0, 5,
                      **kw)
    np.testing.assert_allclose(lo, lt, rtol=1e-7)
    np.testing.assert_allclose(xo.detach().numpy(), xt.detach().numpy(), rtol=1e-7, atol=1e-9)
    assert so["func_evals"] == st["func_evals"] and so["n_iter"] == st["n_iter"]


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_least_squares_iterates_equal_torch_in_float32(line_search_fn):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    a = rng.standard_normal((20, 6)).astype(np.float32)
    b = rng.standard_normal(20).astype(np.float32)
    x0 = np.zeros(6, dtype=np.float32)
    kw = {"lr": 0.5, "max_iter": 4, "history_size": 3, "line_search_fn": line_search_fn}
    ta, tb = torch.tensor(a), torch.tensor(b)
    xt, lt, _ = _run(lambda v: torch.tensor(v, requires_grad=True), torch.optim.LBFGS,
                     lambda w: _least_squares(w, ta, tb), x0, 3, **kw)
    xo, lo, _ = _run(lambda v: Tensor(v, requires_grad=True), optim.LBFGS,
                     lambda w: _least_squares(w, Tensor(a), Tensor(b)), x0, 3, **kw)
    assert xo.dtype == np.float32
    np.testing.assert_allclose(lo, lt, rtol=1e-4)
    np.testing.assert_allclose(xo.detach().numpy(), xt.detach().numpy(), rtol=1e-4, atol=1e-5)


def test_finds_the_minimum_of_a_quadratic():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((30, 5))
    b = rng.standard_normal(30)
    x, losses, _ = _run(lambda v: Tensor(v, requires_grad=True), optim.LBFGS,
                        lambda w: _least_squares(w, Tensor(a), Tensor(b)), np.zeros(5), 3,
                        line_search_fn="strong_wolfe")
    np.testing.assert_allclose(x.detach().numpy(), np.linalg.lstsq(a, b, rcond=None)[0],
                               atol=1e-5)
    assert losses[0] > losses[-1]


def test_several_parameters_and_stopping_at_zero_gradient():
    w = Tensor(np.zeros((2, 2)), requires_grad=True)
    c = Tensor(np.ones(3), requires_grad=True)
    opt = optim.LBFGS([w, c], line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = ((w - 2.0) ** 2).sum() + ((c + 1.0) ** 2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    np.testing.assert_allclose(w.detach().numpy(), 2.0, atol=1e-6)
    np.testing.assert_allclose(c.detach().numpy(), -1.0, atol=1e-6)
    evals = opt.state[w]["func_evals"]
    opt.step(closure)  # at the minimum: one evaluation, then it stops
    assert opt.state[w]["func_evals"] == evals + 1


def test_errors():
    x = Tensor(np.zeros(2), requires_grad=True)
    y = Tensor(np.zeros(2), requires_grad=True)
    with pytest.raises(ValueError, match="parameter groups"):
        optim.LBFGS([{"params": [x]}, {"params": [y], "lr": 0.1}])
    with pytest.raises(ValueError, match="strong_wolfe"):
        optim.LBFGS([x], line_search_fn="backtracking")
    with pytest.raises(ValueError, match="learning rate"):
        optim.LBFGS([x], lr=-1)
    with pytest.raises(TypeError):
        optim.LBFGS([x]).step()
    with pytest.raises(TypeError, match="closure"):
        optim.LBFGS([x]).step(None)
    assert optim.LBFGS([x]).defaults["max_eval"] == 25


def test_state_dict_round_trip_resumes_the_same_iterates():
    def make():
        w = Tensor(np.array([[0.5, -1.0], [2.0, 0.3]]), requires_grad=True)
        b = Tensor(np.array([0.1, 0.2, 0.3]), requires_grad=True)
        return w, b

    def closure_for(opt, w, b):
        def closure():
            opt.zero_grad()
            loss = ((w ** 2 - 1.0) ** 2).sum() + ((b - w.sum()) ** 2).sum()
            loss.backward()
            return loss
        return closure

    w, b = make()
    opt = optim.LBFGS([w, b], max_iter=3, history_size=4)
    opt.step(closure_for(opt, w, b))
    w2, b2 = Tensor(w.detach().numpy().copy(), requires_grad=True), \
        Tensor(b.detach().numpy().copy(), requires_grad=True)
    opt2 = optim.LBFGS([w2, b2], max_iter=3, history_size=4)
    opt2.load_state_dict(opt.state_dict())
    for _ in range(2):
        opt.step(closure_for(opt, w, b))
        opt2.step(closure_for(opt2, w2, b2))
    np.testing.assert_array_equal(w2.detach().numpy(), w.detach().numpy())
    np.testing.assert_array_equal(b2.detach().numpy(), b.detach().numpy())
