"""Pooling: nested-loop numpy references (overlapping windows, padding, dilation, ceil_mode),
first-maximum gradients at ties, float64 gradient checks of first and second order, errors,
layer reprs, and PyTorch parity (guarded)."""

import math

import numpy as np
import pytest

import autograd
import nn
import nn.functional as F
from autograd import Tensor


def out_size(length, k, s, p, d, ceil_mode):
    """PyTorch's documented pooling output size."""
    span = (length + 2 * p - d * (k - 1) - 1) / s
    size = (math.ceil(span) if ceil_mode else math.floor(span)) + 1
    if ceil_mode and (size - 1) * s >= length + p:
        size -= 1
    return size


def reference_max_pool(x, k, s, p, d, ceil_mode):
    """Loops over output pixels; returns values, flat argmax indices (first maximum), and the
    gradient of sum(out * g) as a function of g."""
    n, c, h, w = x.shape
    ho, wo = out_size(h, k, s, p, d, ceil_mode), out_size(w, k, s, p, d, ceil_mode)
    out = np.empty((n, c, ho, wo))
    idx = np.empty((n, c, ho, wo), dtype=np.int64)
    for a in range(n):
        for b in range(c):
            for i in range(ho):
                for j in range(wo):
                    best, where = -np.inf, None
                    for u in range(k):
                        for v in range(k):
                            r, q = i * s - p + u * d, j * s - p + v * d
                            if 0 <= r < h and 0 <= q < w and (where is None or x[a, b, r, q] > best):
                                best, where = x[a, b, r, q], r * w + q
                    out[a, b, i, j], idx[a, b, i, j] = best, where

    def grad(g):
        gx = np.zeros((n, c, h * w))
        for a in range(n):
            for b in range(c):
                for i in range(ho):
                    for j in range(wo):
                        gx[a, b, idx[a, b, i, j]] += g[a, b, i, j]
        return gx.reshape(x.shape)

    return out, idx, grad


def reference_avg_pool(x, k, s, p, ceil_mode, count_include_pad):
    """PyTorch's definition: the divisor counts the window clipped to the padded input (or, with
    count_include_pad=False, only the real pixels)."""
    n, c, h, w = x.shape
    ho, wo = out_size(h, k, s, p, 1, ceil_mode), out_size(w, k, s, p, 1, ceil_mode)
    out = np.empty((n, c, ho, wo))
    for i in range(ho):
        for j in range(wo):
            r0, q0 = i * s - p, j * s - p
            r1, q1 = min(r0 + k, h + p), min(q0 + k, w + p)
            pool = (r1 - r0) * (q1 - q0)
            r0, q0, r1, q1 = max(r0, 0), max(q0, 0), min(r1, h), min(q1, w)
            total = x[:, :, r0:r1, q0:q1].sum(axis=(2, 3))
            out[:, :, i, j] = total / (pool if count_include_pad else (r1 - r0) * (q1 - q0))
    return out


def reference_adaptive(x, ho, wo, reduce):
    n, c, h, w = x.shape
    out = np.empty((n, c, ho, wo))
    for i in range(ho):
        for j in range(wo):
            r0, r1 = (i * h) // ho, -(-((i + 1) * h) // ho)
            q0, q1 = (j * w) // wo, -(-((j + 1) * w) // wo)
            out[:, :, i, j] = reduce(x[:, :, r0:r1, q0:q1], axis=(2, 3))
    return out


MAX_CASES = [  # kernel, stride, padding, dilation, ceil_mode
    (2, 2, 0, 1, False),
    (3, 2, 0, 1, False),
    (3, 1, 1, 1, False),
    (3, 2, 1, 1, True),
    (2, 2, 0, 1, True),
    (3, 2, 1, 2, False),
    (2, 3, 1, 2, True),
]


@pytest.mark.parametrize(("k", "s", "p", "d", "ceil_mode"), MAX_CASES)
def test_max_pool2d_matches_loop_reference(k, s, p, d, ceil_mode):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 7, 8))
    expected, expected_idx, grad = reference_max_pool(x, k, s, p, d, ceil_mode)
    xt = Tensor(x, requires_grad=True)
    out, idx = F.max_pool2d(xt, k, s, p, d, ceil_mode=ceil_mode, return_indices=True)
    np.testing.assert_array_equal(out._data, expected)
    np.testing.assert_array_equal(idx._data, expected_idx)
    assert idx.dtype == np.int64
    g = rng.standard_normal(expected.shape)
    out.backward(Tensor(g))
    np.testing.assert_allclose(xt.grad._data, grad(g), rtol=1e-12, atol=1e-12)


def test_max_pool2d_ties_send_gradient_to_first_maximum():
    # overlapping 2x2 windows (stride 1) over a constant map: every window's first pixel wins
    x = Tensor(np.zeros((1, 1, 3, 3)), requires_grad=True)
    F.max_pool2d(x, 2, stride=1).sum().backward()
    np.testing.assert_array_equal(x.grad._data[0, 0], [[1, 1, 0], [1, 1, 0], [0, 0, 0]])


def test_max_pool2d_propagates_nan_and_infinite_gradients():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    x[0, 0, 0, 1] = np.nan
    out, idx = F.max_pool2d(Tensor(x), 2, return_indices=True)
    assert np.isnan(out._data[0, 0, 0, 0]) and idx._data[0, 0, 0, 0] == 1
    assert out._data[0, 0, 1, 1] == 15
    # an infinite output gradient reaches only the selected pixel, never 0 * inf = nan elsewhere
    xt = Tensor(np.arange(16.0).reshape(1, 1, 4, 4), requires_grad=True)
    F.max_pool2d(xt, 2).backward(Tensor(np.full((1, 1, 2, 2), np.inf)))
    assert np.isinf(xt.grad._data).sum() == 4 and not np.isnan(xt.grad._data).any()


@pytest.mark.parametrize(("k", "s", "p", "ceil_mode", "include"), [
    (2, 2, 0, False, True),
    (3, 2, 1, False, True),
    (3, 1, 1, False, False),
    (3, 2, 1, True, True),
    (3, 2, 1, True, False),
    (2, 2, 1, True, False),
    (3, 3, 0, True, True),
])
def test_avg_pool2d_matches_loop_reference(k, s, p, ceil_mode, include):
    x = np.random.default_rng(1).standard_normal((2, 2, 7, 8))
    expected = reference_avg_pool(x, k, s, p, ceil_mode, include)
    out = F.avg_pool2d(Tensor(x), k, s, p, ceil_mode=ceil_mode, count_include_pad=include)
    np.testing.assert_allclose(out._data, expected, rtol=1e-12, atol=1e-12)


def test_avg_pool2d_divisor_override_and_closed_form_gradient():
    x = Tensor(np.arange(16.0).reshape(1, 1, 4, 4), requires_grad=True)
    out = F.avg_pool2d(x, 2, divisor_override=1)
    np.testing.assert_array_equal(out._data[0, 0], [[10, 18], [42, 50]])
    # overlapping 3x3 windows, stride 1: each pixel receives 1/9 per window that covers it
    x.grad = None
    F.avg_pool2d(x, 3, stride=1).sum().backward()
    hits = np.array([1, 2, 2, 1])
    np.testing.assert_allclose(x.grad._data[0, 0], np.outer(hits, hits) / 9)


@pytest.mark.parametrize("size", [1, (2, 3), (3, 5), (7, 8), (4, None), (9, 11)])
def test_adaptive_pools_match_loop_reference(size):
    x = np.random.default_rng(2).standard_normal((2, 3, 7, 8))
    ho, wo = (size, size) if isinstance(size, int) else (size[0], size[1] or 8)
    np.testing.assert_allclose(F.adaptive_avg_pool2d(Tensor(x), size)._data,
                               reference_adaptive(x, ho, wo, np.mean), rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(F.adaptive_max_pool2d(Tensor(x), size)._data,
                                  reference_adaptive(x, ho, wo, np.max))


@pytest.mark.parametrize("fn", [
    lambda x: F.max_pool2d(x, 2),
    lambda x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True),
    lambda x: F.max_pool2d(x, 2, 1, dilation=2),
    lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
    lambda x: F.avg_pool2d(x, 2, 1),
    lambda x: F.adaptive_avg_pool2d(x, (3, 4)),
    lambda x: F.adaptive_max_pool2d(x, (3, 4)),
])
def test_pooling_gradcheck_first_and_second_order(fn):
    x = Tensor(np.random.default_rng(3).permutation(60).reshape(1, 2, 5, 6) / 10.0, requires_grad=True)
    assert autograd.gradcheck(fn, (x,))
    assert autograd.gradgradcheck(fn, (x,))


def test_pooling_keeps_float32_and_accepts_unbatched():
    x = Tensor(np.random.default_rng(4).standard_normal((3, 6, 6)).astype(np.float32), requires_grad=True)
    for out in (F.max_pool2d(x, 2), F.avg_pool2d(x, 3, 1, 1), F.adaptive_avg_pool2d(x, 4)):
        assert out.dtype == np.float32 and out.ndim == 3
        out.sum().backward()
        assert x.grad.dtype == np.float32
        x.grad = None


def test_pooling_errors():
    x = Tensor(np.zeros((1, 1, 4, 4), dtype=np.float32))
    with pytest.raises(ValueError, match="at most half of kernel size"):
        F.max_pool2d(x, 2, padding=2)
    with pytest.raises(ValueError, match="output size is too small"):
        F.max_pool2d(x, 5)
    with pytest.raises(ValueError, match=r"max_pool2d: expected 3-D \(C, H, W\) or 4-D"):
        F.max_pool2d(Tensor(np.zeros((4, 4), dtype=np.float32)), 2)
    with pytest.raises(ValueError, match="avg_pool2d: kernel_size must be a positive int"):
        F.avg_pool2d(x, 0)
    with pytest.raises(ValueError, match="divisor_override"):
        F.avg_pool2d(x, 2, divisor_override=0)
    with pytest.raises(ValueError, match="output_size"):
        F.adaptive_avg_pool2d(x, (1, 2, 3))


def test_pooling_layers():
    x = Tensor(np.random.default_rng(5).standard_normal((2, 3, 8, 8)).astype(np.float32))
    assert repr(nn.MaxPool2d(2)) == "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
    assert repr(nn.AvgPool2d(3, 2, 1)) == "AvgPool2d(kernel_size=3, stride=2, padding=1)"
    assert repr(nn.AdaptiveAvgPool2d((7, 7))) == "AdaptiveAvgPool2d(output_size=(7, 7))"
    assert repr(nn.AdaptiveMaxPool2d(1)) == "AdaptiveMaxPool2d(output_size=1)"
    np.testing.assert_array_equal(nn.MaxPool2d(3, 2, 1)(x)._data, F.max_pool2d(x, 3, 2, 1)._data)
    out, idx = nn.MaxPool2d(2, return_indices=True)(x)
    assert out.shape == idx.shape == (2, 3, 4, 4)
    np.testing.assert_array_equal(nn.AvgPool2d(2, ceil_mode=True)(x)._data, F.avg_pool2d(x, 2)._data)
    assert nn.AdaptiveAvgPool2d((None, 2))(x).shape == (2, 3, 8, 2)
    assert nn.AdaptiveMaxPool2d(3)(x).shape == (2, 3, 3, 3)


# ---------------------------------------------------------------- PyTorch parity (optional)
@pytest.mark.parametrize(("k", "s", "p", "d", "ceil_mode"), MAX_CASES)
def test_max_pool2d_matches_torch(k, s, p, d, ceil_mode):
    torch = pytest.importorskip("torch")
    # rounded values create ties, where both libraries must pick the same (first) maximum
    x = np.round(np.random.default_rng(6).standard_normal((2, 3, 9, 8)), 0).astype(np.float32)
    tx = torch.tensor(x, requires_grad=True)
    ref, ref_idx = torch.nn.functional.max_pool2d(tx, k, s, p, d, ceil_mode=ceil_mode, return_indices=True)
    g = np.random.default_rng(7).standard_normal(tuple(ref.shape)).astype(np.float32)
    ref.backward(torch.tensor(g))
    xt = Tensor(x, requires_grad=True)
    out, idx = F.max_pool2d(xt, k, s, p, d, ceil_mode=ceil_mode, return_indices=True)
    out.backward(Tensor(g))
    np.testing.assert_array_equal(out._data, ref.detach().numpy())
    np.testing.assert_array_equal(idx._data, ref_idx.numpy())
    np.testing.assert_allclose(xt.grad._data, tx.grad.numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(("k", "s", "p", "ceil_mode", "include"), [
    (3, 2, 1, True, True), (3, 2, 1, True, False), (2, 1, 1, False, False), (3, 3, 0, True, True),
])
def test_avg_pool2d_matches_torch(k, s, p, ceil_mode, include):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(8).standard_normal((2, 3, 9, 8)).astype(np.float32)
    tx = torch.tensor(x, requires_grad=True)
    ref = torch.nn.functional.avg_pool2d(tx, k, s, p, ceil_mode=ceil_mode, count_include_pad=include)
    ref.sum().backward()
    xt = Tensor(x, requires_grad=True)
    out = F.avg_pool2d(xt, k, s, p, ceil_mode=ceil_mode, count_include_pad=include)
    out.sum().backward()
    np.testing.assert_allclose(out._data, ref.detach().numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(xt.grad._data, tx.grad.numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("size", [(3, 5), (4, 4), 1])
def test_adaptive_pools_match_torch(size):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(9).standard_normal((2, 3, 9, 7)).astype(np.float32)
    tf = torch.nn.functional
    np.testing.assert_allclose(F.adaptive_avg_pool2d(Tensor(x), size)._data,
                               tf.adaptive_avg_pool2d(torch.tensor(x), size).numpy(), rtol=1e-5, atol=1e-6)
    ours, ours_idx = F.adaptive_max_pool2d(Tensor(x), size, return_indices=True)
    theirs, theirs_idx = tf.adaptive_max_pool2d(torch.tensor(x), size, return_indices=True)
    np.testing.assert_array_equal(ours._data, theirs.numpy())
    np.testing.assert_array_equal(ours_idx._data, theirs_idx.numpy())


def test_max_pooling_is_named_max_pool2d_in_the_graph():
    x = autograd.randn(1, 1, 4, 4, requires_grad=True)
    assert F.max_pool2d(x, 2).grad_fn.name() == "MaxPool2dBackward"  # (was WindowGatherBackward)
