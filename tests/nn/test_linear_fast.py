"""F.linear on 3-D input (one 2-D GEMM; the bias gradient as a GEMV) against PyTorch."""

import numpy as np
import pytest

import nn.functional as F
from autograd import Tensor

RNG = np.random.default_rng(3)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_linear_3d_values_and_gradients_match_torch(dtype):
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal((4, 6, 16)).astype(dtype)
    w = RNG.standard_normal((9, 16)).astype(dtype)
    b = RNG.standard_normal(9).astype(dtype)
    g = RNG.standard_normal((4, 6, 9)).astype(dtype)
    ours = [Tensor(a, requires_grad=True) for a in (x, w, b)]
    out = F.linear(*ours)
    (out * Tensor(g)).sum().backward()
    up = np.float64 if dtype == np.float16 else dtype  # (torch's CPU float16 matmul: compare wider)
    theirs = [torch.from_numpy(a.astype(up)).requires_grad_() for a in (x, w, b)]
    t_out = torch.nn.functional.linear(*theirs)
    t_out.backward(torch.from_numpy(g.astype(up)))
    tol = {np.float32: (1e-5, 1e-5), np.float64: (1e-12, 1e-12), np.float16: (2e-2, 5e-2)}[dtype]
    assert out.dtype == dtype
    np.testing.assert_allclose(out._data, t_out.detach().numpy(), rtol=tol[0], atol=tol[1])
    for a, t in zip(ours, theirs, strict=True):
        assert a.grad.dtype == dtype and a.grad.shape == a.shape
        np.testing.assert_allclose(a.grad._data, t.grad.numpy(), rtol=tol[0], atol=tol[1])
