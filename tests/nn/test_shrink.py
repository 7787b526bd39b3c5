"""glu, hardshrink, softshrink, tanhshrink, threshold (functional and layers) against PyTorch:
values, dtypes, gradients (including both sides of each kink), errors, in-place threshold."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
import nn
import nn.functional as F

torch = pytest.importorskip("torch")
tF = torch.nn.functional

X = np.array([[-2.0, -0.5, -0.3, 0.0, 0.2, 0.5, 0.7, 3.0]], dtype=np.float32).repeat(2, 0)
X[1] *= -0.9

CASES = {
    "glu": ("glu", "GLU", (), {}),
    "glu_dim0": ("glu", "GLU", (0,), {}),
    "hardshrink": ("hardshrink", "Hardshrink", (), {}),
    "hardshrink_lambd": ("hardshrink", "Hardshrink", (0.25,), {}),
    "softshrink": ("softshrink", "Softshrink", (), {}),
    "softshrink_zero": ("softshrink", "Softshrink", (0.0,), {}),
    "tanhshrink": ("tanhshrink", "Tanhshrink", (), {}),
    "threshold": ("threshold", "Threshold", (0.1, 20.0), {}),
    "threshold_neg": ("threshold", "Threshold", (-0.4, -1.0), {}),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_functional_and_layer_match_torch(case, dtype):
    fname, cls, args, kwargs = CASES[case]
    x = X.astype(dtype)
    w = np.linspace(-1.0, 1.5, X.size // (2 if fname == "glu" else 1)).astype(dtype)
    for ours_fn, theirs_fn in ((getattr(F, fname), getattr(tF, fname)),
                               (getattr(nn, cls)(*args, **kwargs), getattr(torch.nn, cls)(*args, **kwargs))):
        a = autograd.tensor(x, requires_grad=True)
        t = torch.tensor(x, requires_grad=True)
        ours = ours_fn(a, *args, **kwargs) if ours_fn is getattr(F, fname) else ours_fn(a)
        theirs = theirs_fn(t, *args, **kwargs) if theirs_fn is getattr(tF, fname) else theirs_fn(t)
        assert ours.dtype == dtype and ours.shape == tuple(theirs.shape)
        np.testing.assert_allclose(np.asarray(ours.detach()), theirs.detach().numpy(), rtol=1e-6, atol=1e-7)
        (ours * autograd.tensor(w.reshape(ours.shape))).sum().backward()
        (theirs * torch.tensor(w.reshape(tuple(theirs.shape)))).sum().backward()
        np.testing.assert_allclose(np.asarray(a.grad), t.grad.numpy(), rtol=1e-6, atol=1e-7)


def test_threshold_inplace_writes_into_the_input_as_torch():
    a, t = autograd.tensor(X.copy()), torch.tensor(X.copy())
    out_a = F.threshold(a, 0.1, 20.0, inplace=True)
    tF.threshold(t, 0.1, 20.0, inplace=True)
    np.testing.assert_array_equal(np.asarray(a), t.numpy())
    np.testing.assert_array_equal(np.asarray(out_a), t.numpy())


def test_layers_print_as_torch():
    for cls, args in (("GLU", (1,)), ("Hardshrink", (0.3,)), ("Softshrink", ()), ("Tanhshrink", ()),
                      ("Threshold", (0.1, 20.0)), ("Threshold", (0.5, 2, True))):
        assert repr(getattr(nn, cls)(*args)) == repr(getattr(torch.nn, cls)(*args))


@pytest.mark.parametrize("call", [
    lambda f, T: f.glu(T(np.ones((2, 3), np.float32))),
    lambda f, T: f.glu(T(np.ones((3, 4), np.float32)), 0),
    lambda f, T: f.glu(T(np.ones((), np.float32))),
    lambda f, T: f.softshrink(T(np.ones(3, np.float32)), -0.5),
    lambda f, T: f.glu(T(np.ones((2, 4), np.float32)), 2),
])
def test_errors_match_torch(call):
    with pytest.raises(Exception) as theirs:
        call(tF, torch.tensor)
    with pytest.raises(type(theirs.value)):
        call(F, autograd.tensor)
