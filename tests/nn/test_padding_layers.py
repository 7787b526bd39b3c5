"""Padding layers against PyTorch: values, gradients, dtypes, repr and errors, for every mode
and dimension, with int and tuple (including negative) padding."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
import nn

torch = pytest.importorskip("torch")

NAMES = [f"{kind}Pad{d}d" for kind in ("Zero", "Constant", "Reflection", "Replication", "Circular")
         for d in (1, 2, 3)]


def _make(lib, name, padding):
    cls = getattr(nn if lib is autograd else lib.nn, name)
    return cls(padding, 2.5) if name.startswith("Constant") else cls(padding)


def _padding(name, kind):
    d = int(name[-2])
    if kind == "int":
        return 2
    base = (1, 2, 0, 1, 2, 1)[: 2 * d]
    return tuple(-1 if (i == 1 and kind == "negative") else p for i, p in enumerate(base))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("kind", ["int", "tuple", "negative"])
@pytest.mark.parametrize("batched", [True, False])
def test_forward_and_gradient_match_torch(name, kind, batched):
    d = int(name[-2])
    shape = ((2,) if batched else ()) + (3,) + (4, 5, 3)[:d]
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    padding = _padding(name, kind)
    ours_in = autograd.tensor(x, requires_grad=True)
    theirs_in = torch.tensor(x, requires_grad=True)
    ours = _make(autograd, name, padding)(ours_in)
    theirs = _make(torch, name, padding)(theirs_in)
    assert ours.dtype == np.float32 and ours.shape == tuple(theirs.shape)
    np.testing.assert_allclose(np.asarray(ours.detach()), theirs.detach().numpy(), rtol=1e-6)
    w = np.random.default_rng(1).standard_normal(tuple(theirs.shape)).astype(np.float32)
    (ours * autograd.tensor(w)).sum().backward()
    (theirs * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(np.asarray(ours_in.grad), theirs_in.grad.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_repr_matches_torch(name):
    assert repr(_make(autograd, name, _padding(name, "tuple"))) == repr(_make(torch, name, _padding(name, "tuple")))
    assert repr(_make(autograd, name, 1)) == repr(_make(torch, name, 1))


@pytest.mark.parametrize("name", [n for n in NAMES if not n.startswith(("Zero", "Constant"))])
@pytest.mark.parametrize("ndim_offset", [-1, 2])
def test_wrong_input_dims_raise_as_torch(name, ndim_offset):
    d = int(name[-2])
    shape = (3,) * (d + 1 + ndim_offset) if d + 1 + ndim_offset > 0 else (3,)
    with pytest.raises(Exception) as theirs:
        _make(torch, name, 1)(torch.ones(shape))
    with pytest.raises(type(theirs.value)):
        _make(autograd, name, 1)(autograd.ones(shape))


@pytest.mark.parametrize("padding", [(1, 2, 3), "a", (1.5, 1)])
def test_bad_padding_raises(padding):
    with pytest.raises((ValueError, TypeError)):
        nn.ZeroPad1d(padding)
