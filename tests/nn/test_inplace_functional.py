"""Activations and dropout with inplace=True, as PyTorch's: they return the input tensor
itself, changed in place, and backpropagate through the recorded in-place op."""

import numpy as np
import pytest

import autograd
import nn.functional as F

torch = pytest.importorskip("torch")

CASES = [("relu", ()), ("leaky_relu", (0.2,)), ("elu", (0.5,)), ("selu", ()),
         ("celu", (2.0,)), ("hardtanh", (-0.5, 0.5)), ("threshold", (0.1, -3.0)),
         ("relu6", ()), ("silu", ()), ("hardswish", ()), ("hardsigmoid", ()), ("mish", ())]


@pytest.mark.parametrize("name, args", CASES)
def test_inplace_functional_matches_pytorch(name, args):
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    results = []
    for lib, mod in ((torch, torch.nn.functional), (autograd, F)):
        leaf = lib.tensor(x, requires_grad=True)
        h = leaf * 2
        out = getattr(mod, name)(h, *args, inplace=True)
        assert out is h
        (out * out).sum().backward()
        results.append((out.detach().numpy().copy(), leaf.grad.numpy().copy()))
    (want_out, want_grad), (got_out, got_grad) = results
    np.testing.assert_allclose(got_out, want_out, rtol=1e-6)
    np.testing.assert_allclose(got_grad, want_grad, rtol=1e-5)


MODULES = [("LeakyReLU", (0.2,)), ("ELU", (0.5,)), ("SELU", ()), ("CELU", (2.0,)),
           ("Hardtanh", (-0.5, 0.5)), ("ReLU6", ()), ("SiLU", ()), ("Hardswish", ()),
           ("Hardsigmoid", ()), ("Mish", ()), ("ReLU", ()), ("Threshold", (0.1, -3.0))]


@pytest.mark.parametrize("name, args", MODULES)
def test_inplace_modules_change_their_input_as_pytorch(name, args):
    import nn

    rng = np.random.default_rng(1)
    x = rng.standard_normal((5, 3)).astype(np.float32) * 3
    w1 = rng.standard_normal((4, 3)).astype(np.float32)
    w2 = rng.standard_normal((2, 4)).astype(np.float32)
    results = []
    for lib, nnm in ((torch, torch.nn), (autograd, nn)):
        model = nnm.Sequential(nnm.Linear(3, 4), getattr(nnm, name)(*args, inplace=True),
                               nnm.Linear(4, 2))
        model.load_state_dict({"0.weight": lib.tensor(w1), "0.bias": lib.zeros(4),
                               "2.weight": lib.tensor(w2), "2.bias": lib.zeros(2)})
        h = model[0](lib.tensor(x))
        assert model[1](h) is h  # the module wrote into its input
        out = model(lib.tensor(x))
        (out * out).sum().backward()
        results.append([out.detach().numpy().copy(), h.detach().numpy().copy()]
                       + [p.grad.numpy().copy() for p in model.parameters()])
    for got, want in zip(results[1], results[0]):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name, shape", [("Dropout", (8, 16)), ("Dropout2d", (8, 16, 2, 2)),
                                         ("Dropout1d", (8, 16, 3))])
def test_inplace_dropout_writes_into_its_input(name, shape):
    import nn

    x = np.random.default_rng(2).standard_normal(shape).astype(np.float32) + 5
    for lib, nnm in ((torch, torch.nn), (autograd, nn)):
        leaf = lib.tensor(x, requires_grad=True)
        h = leaf * 1
        out = getattr(nnm, name)(0.5, inplace=True)(h)
        assert out is h
        hv = h.detach().numpy()
        assert (hv == 0).any() and np.allclose(hv[hv != 0], 2 * (x * 1)[hv != 0])
        out.sum().backward()
        np.testing.assert_allclose(leaf.grad.numpy(), np.where(hv != 0, 2.0, 0.0))
