"""Mismatches with PyTorch found by differential probing of everyday Tensor ops: each test runs
one snippet on PyTorch and on tapegrad and compares values, dtypes, shapes and gradients."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag

torch = pytest.importorskip("torch")


def _same(ours, theirs, rtol=1e-5, atol=1e-6):
    """Assert a tapegrad tensor equals a PyTorch tensor in dtype, shape and values."""
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(np.asarray(ours.detach()), theirs.detach().numpy(),
                               rtol=rtol, atol=atol)


def test_mod_operator_is_differentiable_and_promotes_like_remainder():
    x = np.array([-7.0, 7.5, 3.0], dtype=np.float32)
    outs = {}
    for m in (torch, ag):
        t = m.tensor(x, requires_grad=True)
        y = t % 2
        assert y.requires_grad
        (y * m.tensor([1.0, 2.0, 3.0])).sum().backward()
        outs[m] = (y, t.grad, m.tensor(x) % m.tensor([2, 2, 2]),
                   5 % m.tensor([3, 4]), 2.5 % m.tensor([1.0, 2.0]),
                   m.tensor([5, 6], dtype=m.int32) % m.tensor(4))
    for ours, theirs in zip(outs[ag], outs[torch]):
        _same(ours, theirs)


@pytest.mark.parametrize("build", [
    lambda m, x: x.sum().double() * 2,
    lambda m, x: x[0].double() * 3,
    lambda m, x: x.sum().double() * m.tensor(2.0, dtype=m.float64),
])
def test_backward_through_a_cast_of_a_0d_tensor(build):
    # a VJP of 0-d arrays hands the cast's backward a numpy scalar; it crashed with
    # "'numpy.float64' object has no attribute 'to'"
    grads = []
    for m in (torch, ag):
        x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        build(m, x).backward()
        grads.append(x.grad)
    _same(grads[1], grads[0])
