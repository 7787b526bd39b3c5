"""GELU's normal CDF (float32 rational with folded coefficients) and its VJP's contract."""

import math

import numpy as np
import pytest

import nn.functional as F
from autograd import Tensor
from autograd.ops.special import ERF32_BLOCK, erf_float32
from nn.functional.gelu import gelu_cdf


def test_cdf_float32_is_accurate_across_blocks():
    x = np.linspace(-10, 10, 2 * ERF32_BLOCK + 33).astype(np.float32)
    ref = np.array([0.5 * math.erfc(-float(v) / math.sqrt(2.0)) for v in x])
    got = gelu_cdf(x.reshape(-1, 1))
    assert got.dtype == np.float32 and got.shape == (x.size, 1)
    # (absolute: Phi = (1 + erf) / 2 loses relative accuracy where Phi is tiny, as PyTorch's)
    err = np.abs(got[:, 0] - ref)
    assert np.max(err) < 3e-7
    # about as accurate as (1 + erf(x / sqrt(2))) / 2 in float32 from the erf it is derived from
    old = (erf_float32(x * np.float32(math.sqrt(0.5))) + np.float32(1)) * np.float32(0.5)
    assert np.max(err) <= 1.25 * np.max(np.abs(old - ref))
    special = gelu_cdf(np.array([np.nan, np.inf, -np.inf, 0.0], np.float32))
    assert np.isnan(special[0]) and list(special[1:]) == [1.0, 0.0, 0.5]


def test_cdf_float64_matches_math():
    x = np.linspace(-8, 8, 101)
    ref = np.array([0.5 * math.erfc(-v / math.sqrt(2.0)) for v in x])
    np.testing.assert_allclose(gelu_cdf(x), ref, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gelu_output_changed_in_place_keeps_the_gradient(dtype):
    """The VJP reads the input and Phi, never the output, so an in-place change of the output
    is no error and changes nothing (as PyTorch's GeluBackward, which saves only the input)."""
    x = np.linspace(-3, 3, 7).astype(dtype)
    a = Tensor(x, requires_grad=True)
    F.gelu(a).sum().backward()
    expected = a.grad._data.copy()
    b = Tensor(x, requires_grad=True)
    out = F.gelu(b)
    out.add_(1.0)
    out.sum().backward()
    np.testing.assert_array_equal(b.grad._data, expected)
