"""nn.init.orthogonal_ and nn.init.dirac_ against PyTorch (dirac_ exactly; orthogonal_ by its
defining property, as its values come from another random stream) and their errors."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
import nn


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 4), (6, 2, 3, 3), (2, 3, 4)])
@pytest.mark.parametrize("gain", [1.0, 2.5])
def test_orthogonal_rows_or_columns_are_orthonormal_times_gain(shape, gain):
    w = autograd.empty(*shape)
    out = nn.init.orthogonal_(w, gain=gain, generator=np.random.default_rng(0))
    assert out is w and w.dtype == np.float32 and w.shape == shape
    m = np.asarray(w).reshape(shape[0], -1).astype(np.float64)
    gram = m @ m.T if m.shape[0] <= m.shape[1] else m.T @ m
    np.testing.assert_allclose(gram, gain**2 * np.eye(gram.shape[0]), atol=1e-5)


def test_orthogonal_draws_differ_and_follow_the_generator():
    a, b, c = (autograd.empty(4, 4) for _ in range(3))
    nn.init.orthogonal_(a, generator=np.random.default_rng(1))
    nn.init.orthogonal_(b, generator=np.random.default_rng(1))
    nn.init.orthogonal_(c, generator=np.random.default_rng(2))
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert not np.allclose(np.asarray(a), np.asarray(c))


def test_orthogonal_on_a_parameter_keeps_it_a_leaf():
    p = nn.Parameter(autograd.zeros(3, 3))
    nn.init.orthogonal_(p)
    assert p.is_leaf and p.requires_grad and p.grad_fn is None
    np.testing.assert_allclose(np.asarray(p.detach()) @ np.asarray(p.detach()).T, np.eye(3), atol=1e-5)


@pytest.mark.parametrize(("shape", "groups"), [((4, 4, 3), 1), ((6, 3, 3, 3), 2), ((2, 5, 2, 4), 1),
                                               ((4, 2, 3, 3, 3), 2), ((8, 3, 1, 5), 4)])
def test_dirac_equals_torch(shape, groups):
    torch = pytest.importorskip("torch")
    want = torch.nn.init.dirac_(torch.full(shape, 7.0), groups=groups).numpy()
    got = nn.init.dirac_(autograd.full(shape, 7.0), groups=groups)
    np.testing.assert_array_equal(np.asarray(got), want)


def test_dirac_conv_is_the_identity():
    w = nn.init.dirac_(autograd.empty(3, 3, 3, 3))
    x = autograd.randn(2, 3, 5, 5)
    np.testing.assert_allclose(np.asarray(nn.functional.conv2d(x, w, padding=1)), np.asarray(x), atol=1e-6)


@pytest.mark.parametrize("call", [
    lambda L: L.nn.init.orthogonal_(L.ones(3)),
    lambda L: L.nn.init.dirac_(L.ones(3, 3)),
    lambda L: L.nn.init.dirac_(L.ones(3, 2, 3), groups=2),
])
def test_errors_match_torch(call):
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError):
        call(torch)

    class Lib:
        nn = nn
        ones = staticmethod(autograd.ones)

    with pytest.raises(ValueError):
        call(Lib)
