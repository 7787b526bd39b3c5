"""pixel_shuffle / pixel_unshuffle (functional and layers) against PyTorch: values, gradients,
batch dims, round trip, repr, errors."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
import nn
import nn.functional as F

torch = pytest.importorskip("torch")


@pytest.mark.parametrize(("fn", "shape", "r"), [
    ("pixel_shuffle", (2, 8, 3, 2), 2), ("pixel_shuffle", (9, 2, 3), 3), ("pixel_shuffle", (2, 1, 4, 2, 2), 2),
    ("pixel_unshuffle", (2, 2, 4, 6), 2), ("pixel_unshuffle", (1, 6, 3), 3), ("pixel_unshuffle", (3, 2, 2), 1),
])
def test_matches_torch(fn, shape, r):
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    a, t = autograd.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ours, theirs = getattr(F, fn)(a, r), getattr(torch.nn.functional, fn)(t, r)
    np.testing.assert_array_equal(np.asarray(ours.detach()), theirs.detach().numpy())
    w = np.arange(theirs.numel(), dtype=np.float32).reshape(tuple(theirs.shape))
    (ours * autograd.tensor(w)).sum().backward()
    (theirs * torch.tensor(w)).sum().backward()
    np.testing.assert_array_equal(np.asarray(a.grad), t.grad.numpy())
    layer = nn.PixelShuffle(r) if fn == "pixel_shuffle" else nn.PixelUnshuffle(r)
    np.testing.assert_array_equal(np.asarray(layer(autograd.tensor(x))), theirs.detach().numpy())


def test_unshuffle_inverts_shuffle_and_reprs_match():
    x = autograd.randn(2, 12, 3, 4)
    np.testing.assert_array_equal(np.asarray(F.pixel_unshuffle(F.pixel_shuffle(x, 2), 2)), np.asarray(x))
    assert repr(nn.PixelShuffle(3)) == repr(torch.nn.PixelShuffle(3))
    assert repr(nn.PixelUnshuffle(2)) == repr(torch.nn.PixelUnshuffle(2))


@pytest.mark.parametrize("call", [
    lambda f, T: f.pixel_shuffle(T(np.ones((2, 3, 2, 2), np.float32)), 2),
    lambda f, T: f.pixel_shuffle(T(np.ones((4, 2), np.float32)), 2),
    lambda f, T: f.pixel_unshuffle(T(np.ones((1, 3, 3), np.float32)), 2),
    lambda f, T: f.pixel_shuffle(T(np.ones((1, 4, 2, 2), np.float32)), 0),
])
def test_errors_match_torch(call):
    with pytest.raises(Exception) as theirs:
        call(torch.nn.functional, torch.tensor)
    with pytest.raises(type(theirs.value)):
        call(F, autograd.tensor)
