"""The fast float32 paths of erf, GELU and sigmoid agree with math.erf and with PyTorch."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import autograd
import nn.functional as F
from autograd import Tensor
from autograd.ops.special import ERF32_BLOCK, erf_float32


def test_erf_float32_is_accurate_across_blocks_and_special_values():
    x = np.linspace(-7, 7, 3 * ERF32_BLOCK + 17).astype(np.float32)
    ref = np.array([math.erf(float(v)) for v in x])
    got = erf_float32(x.reshape(-1, 1))
    assert got.dtype == np.float32 and got.shape == (x.size, 1)
    assert np.max(np.abs(got[:, 0] - ref)) < 5e-7
    small = np.abs(x) < 1
    assert np.max(np.abs(got[small, 0] - ref[small]) / np.abs(ref[small]).clip(1e-30)) < 5e-7
    special = erf_float32(np.array([np.nan, np.inf, -np.inf, -0.0], np.float32))
    assert np.isnan(special[0]) and list(special[1:]) == [1.0, -1.0, 0.0]
    assert np.signbit(special[3])


def test_gelu_float32_forward_and_backward_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((3, ERF32_BLOCK // 2 + 5)) * 4).astype(np.float32)
    x[0, :4] = [0.0, -0.0, -12.0, 12.0]
    g = rng.standard_normal(x.shape).astype(np.float32)
    t = torch.from_numpy(x).requires_grad_()
    torch.nn.functional.gelu(t).backward(torch.from_numpy(g))
    ours = Tensor(x, requires_grad=True)
    out = F.gelu(ours)
    out.backward(Tensor(g))
    expected = torch.nn.functional.gelu(t).detach().numpy()
    np.testing.assert_allclose(out._data, expected, rtol=1e-6, atol=2e-6)
    np.testing.assert_allclose(ours.grad._data, t.grad.numpy(), rtol=1e-5, atol=2e-6)
    assert ours.grad._data[0, 0] == pytest.approx(0.5 * g[0, 0])


def test_gelu_float32_second_derivative_uses_recorded_ops():
    torch = pytest.importorskip("torch")
    x = np.linspace(-3, 3, 13).astype(np.float32)
    ours = Tensor(x, requires_grad=True)
    (gx,) = autograd.grad(F.gelu(ours).sum(), ours, create_graph=True)
    gx.sum().backward()
    t = torch.from_numpy(x).requires_grad_()
    (tg,) = torch.autograd.grad(torch.nn.functional.gelu(t).sum(), t, create_graph=True)
    tg.sum().backward()
    np.testing.assert_allclose(ours.grad._data, t.grad.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_matches_torch_to_a_few_ulp_without_warnings(dtype):
    torch = pytest.importorskip("torch")
    x = np.linspace(-800, 800, 20001).astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = Tensor(x).sigmoid()._data
    expected = torch.sigmoid(torch.from_numpy(x)).numpy()
    assert got.dtype == dtype
    tiny = np.finfo(dtype).tiny
    normal = expected > tiny
    rel = np.abs(got[normal] - expected[normal]) / expected[normal]
    assert rel.max() < 8 * np.finfo(dtype).eps
    np.testing.assert_array_equal(got[~normal] == 0, expected[~normal] == 0)


def test_linear_on_3d_input_is_one_2d_gemm_with_torch_values_and_second_order():
    from autograd import gradgradcheck

    rng = np.random.default_rng(3)
    x, w, b = rng.standard_normal((2, 3, 5)), rng.standard_normal((4, 5)), rng.standard_normal(4)
    leaves = [Tensor(a, requires_grad=True) for a in (x, w, b)]
    out = F.linear(*leaves)
    assert out.shape == (2, 3, 4)
    np.testing.assert_allclose(out._data, x @ w.T + b, rtol=1e-12)
    g = rng.standard_normal((2, 3, 4))
    out.backward(Tensor(g))
    np.testing.assert_allclose(leaves[0].grad._data, g @ w, rtol=1e-12)
    np.testing.assert_allclose(leaves[1].grad._data, g.reshape(-1, 4).T @ x.reshape(-1, 5), rtol=1e-12)
    assert gradgradcheck(lambda a, c, d: F.linear(a, c, d),
                         [Tensor(a, requires_grad=True) for a in (x, w, b)])


def test_sigmoid_float16_keeps_its_small_values():
    torch = pytest.importorskip("torch")
    x = np.linspace(-16, 16, 129).astype(np.float16)
    got = Tensor(x).sigmoid()._data
    assert got.dtype == np.float16
    np.testing.assert_allclose(got, torch.sigmoid(torch.from_numpy(x)).numpy(), rtol=2e-3, atol=0)
