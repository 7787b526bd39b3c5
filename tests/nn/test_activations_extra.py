"""SiLU Mish Hardswish Hardsigmoid Softsign CELU PReLU Softplus Softmin against PyTorch."""

import numpy as np
import pytest

import nn
import nn.functional as F
from autograd import Tensor, gradgradcheck

torch = pytest.importorskip("torch")
TF = torch.nn.functional

# random values plus the kinks and branch points where PyTorch defines one-sided gradients
SPECIAL = np.array([-3.0, 3.0, 0.0, -20.0, 20.0, 25.0, -1e-3, 1e-3])

FUNCTIONS = [
    ("silu", {}), ("mish", {}), ("hardswish", {}), ("hardsigmoid", {}), ("softsign", {}),
    ("celu", {}), ("celu", dict(alpha=0.3)), ("softplus", {}), ("softplus", dict(beta=2.0, threshold=3.0)),
    ("softplus", dict(beta=-1.5, threshold=5.0)), ("softmin", dict(dim=1)), ("softmin", dict(dim=0)),
]


def _input(dtype):
    rng = np.random.default_rng(0)
    return np.concatenate([rng.uniform(-5, 5, 16), SPECIAL]).reshape(4, 6).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name, kwargs", FUNCTIONS, ids=lambda v: str(v))
def test_functional_matches_torch(name, kwargs, dtype):
    a = _input(dtype)
    x, tx = Tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    out, ref = getattr(F, name)(x, **kwargs), getattr(TF, name)(tx, **kwargs)
    assert out.dtype == dtype
    tol = 2e-6 if dtype == np.float32 else 1e-13
    np.testing.assert_allclose(out._data, ref.detach().numpy(), rtol=tol, atol=tol)
    g = np.random.default_rng(1).standard_normal(a.shape).astype(dtype)
    (out * Tensor(g)).sum().backward()
    ref.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad._data, tx.grad.numpy(), rtol=tol * 4, atol=tol * 4)


@pytest.mark.parametrize("name", ["mish", "hardswish", "celu", "softsign", "softmin", "silu"])
def test_second_order(name):
    x = Tensor(np.random.default_rng(2).uniform(-2.5, 2.5, (3, 4)), requires_grad=True)
    kwargs = dict(dim=1) if name == "softmin" else {}
    assert gradgradcheck(lambda t: getattr(F, name)(t, **kwargs), [x])


@pytest.mark.parametrize("shape, n", [((2, 3, 4), 3), ((2, 3), 1), ((5,), 1), ((2, 3, 2, 2), 3)])
def test_prelu_matches_torch(shape, n):
    rng = np.random.default_rng(3)
    a = rng.standard_normal(shape)
    a.flat[0] = 0.0  # at 0 PyTorch gives the slope's branch
    w = rng.uniform(0.1, 0.5, n)
    x, tx = Tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    wt, twt = Tensor(w, requires_grad=True), torch.tensor(w, requires_grad=True)
    out, ref = F.prelu(x, wt), TF.prelu(tx, twt)
    np.testing.assert_allclose(out._data, ref.detach().numpy())
    out.sum().backward()
    ref.sum().backward()
    np.testing.assert_allclose(x.grad._data, tx.grad.numpy())
    np.testing.assert_allclose(wt.grad._data, twt.grad.numpy())


def test_prelu_and_celu_errors_match_torch():
    for call in (lambda f, m: f.prelu(m.ones(2, 3), m.ones(2)), lambda f, m: f.celu(m.ones(2), 0.0)):
        with pytest.raises(Exception) as want:
            call(TF, torch)
        import autograd
        with pytest.raises(type(want.value)):
            call(F, autograd)


LAYERS = [
    lambda m: m.SiLU(), lambda m: m.Mish(), lambda m: m.Hardswish(), lambda m: m.Hardsigmoid(inplace=True),
    lambda m: m.Softsign(), lambda m: m.CELU(0.5), lambda m: m.Softplus(beta=2, threshold=4),
    lambda m: m.Softmin(dim=-1), lambda m: m.PReLU(), lambda m: m.PReLU(3, init=0.1),
]


@pytest.mark.parametrize("make", LAYERS)
def test_layers_match_torch(make):
    ours, theirs = make(nn), make(torch.nn)
    assert repr(ours) == repr(theirs)
    assert set(ours.state_dict()) == set(theirs.state_dict())
    a = np.random.default_rng(4).standard_normal((2, 3, 4)).astype(np.float32)
    out = ours(Tensor(a))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out._data, theirs(torch.tensor(a)).detach().numpy(), rtol=2e-6, atol=2e-6)


def test_prelu_layer_weight_is_a_parameter_of_the_right_shape():
    layer = nn.PReLU(3)
    assert [n for n, _ in layer.named_parameters()] == ["weight"]
    assert layer.weight.shape == (3,) and layer.weight.dtype == np.float32
    np.testing.assert_array_equal(layer.weight._data, 0.25)
