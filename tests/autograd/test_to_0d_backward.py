"""Backward through a dtype cast of a 0-d tensor followed by a reduction: the cast's VJP gets
a numpy scalar there and must cast it back (it raised AttributeError)."""

import numpy as np
import pytest

import autograd

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("reduce", ["mean", "sum"])
@pytest.mark.parametrize("src, dst", [("float64", "float32"), ("float32", "float64")])
def test_cast_of_0d_then_reduction_backward(reduce, src, dst):
    ours = autograd.tensor(np.array(0.5, dtype=src), requires_grad=True)
    theirs = torch.tensor(np.array(0.5, dtype=src), requires_grad=True)
    getattr((ours * 3).to(getattr(autograd, dst)), reduce)().backward()
    getattr((theirs * 3).to(getattr(torch, dst)), reduce)().backward()
    assert ours.grad.dtype == getattr(autograd, src)
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy())
