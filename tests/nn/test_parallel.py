"""run_split: elementwise kernels split over the BLAS threads give the one-thread result."""

import os

import numpy as np
import pytest

from autograd.ops.special import ERF32_BLOCK
from nn.functional import _parallel
from nn.functional.gelu import _cdf_float32, _gelu_forward, _gelu_grad_float32


@pytest.fixture
def threads(monkeypatch):
    def use(n):
        monkeypatch.setattr(_parallel, "num_threads", lambda: n)
    return use


def test_parts_cover_the_range_once_on_aligned_bounds(threads):
    threads(3)
    n = 3 * _parallel.MIN_PART + 5
    seen = np.zeros(n, np.int64)
    bounds = []

    def kernel(lo, hi):
        seen[lo:hi] += 1
        bounds.append((lo, hi))

    _parallel.run_split(kernel, n, align=1000)
    assert (seen == 1).all()
    assert len(bounds) == 3 and all(lo % 1000 == 0 for lo, _ in bounds)


def test_one_thread_or_a_short_range_is_one_call(threads):
    calls = []
    threads(1)
    _parallel.run_split(lambda lo, hi: calls.append((lo, hi)), 10 * _parallel.MIN_PART)
    threads(4)
    _parallel.run_split(lambda lo, hi: calls.append((lo, hi)), _parallel.MIN_PART + 1)
    assert calls == [(0, 10 * _parallel.MIN_PART), (0, _parallel.MIN_PART + 1)]


def test_a_kernel_error_reaches_the_caller(threads):
    threads(2)

    def kernel(lo, hi):
        if lo:
            raise ValueError("part failed")

    with pytest.raises(ValueError, match="part failed"):
        _parallel.run_split(kernel, 4 * _parallel.MIN_PART)


def test_gelu_kernels_on_threads_equal_one_thread(threads):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(5 * ERF32_BLOCK + 7) * 3).astype(np.float32)
    g = rng.standard_normal(x.shape).astype(np.float32)
    threads(1)
    cdf1 = _cdf_float32(x)
    grad1 = _gelu_grad_float32(g, x, cdf1)
    threads(3)
    np.testing.assert_array_equal(_cdf_float32(x), cdf1)
    np.testing.assert_array_equal(_gelu_grad_float32(g, x, cdf1), grad1)
    np.testing.assert_array_equal(_gelu_forward(x, cdf1), x * cdf1)


def test_a_pool_from_another_process_is_replaced(threads):
    threads(2)
    _parallel.run_split(lambda lo, hi: None, 4 * _parallel.MIN_PART)
    _parallel._POOL["pid"] = -1  # as in a child after fork
    _parallel.run_split(lambda lo, hi: None, 4 * _parallel.MIN_PART)
    assert _parallel._POOL["pid"] == os.getpid()


def test_num_threads_follows_the_blas_setting():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    with threadpoolctl.threadpool_limits(1, user_api="blas"):
        assert _parallel.num_threads() == 1


@pytest.mark.parametrize("mask", ["causal", "batched", None])
def test_attention_softmax_on_threads_equals_one_thread(threads, mask):
    import autograd
    import nn.functional as F

    rng = np.random.default_rng(1)
    q, k, v = (rng.standard_normal((8, 8, 64, 16)).astype(np.float32) for _ in range(3))
    kw = {"is_causal": True} if mask == "causal" else {}
    if mask == "batched":
        kw["attn_mask"] = rng.standard_normal((8, 1, 64, 64)).astype(np.float32)
    results = []
    for n in (1, 2):
        threads(n)
        ts = [autograd.Tensor(a, requires_grad=True) for a in (q, k, v)]
        out = F.scaled_dot_product_attention(*ts, **kw)
        (out * out).sum().backward()
        results.append([out._data, *(t.grad._data for t in ts)])
    for one, two in zip(*results, strict=True):
        np.testing.assert_array_equal(one, two)


@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm_on_threads_equals_one_thread(threads, affine):
    import autograd
    import nn.functional as F

    rng = np.random.default_rng(2)
    x = (rng.standard_normal((32, 64, 128)) * 2 + 1).astype(np.float32)
    w, b = (rng.standard_normal(128).astype(np.float32) for _ in range(2))
    results = []
    for n in (1, 2):
        threads(n)
        leaves = [autograd.Tensor(a, requires_grad=True) for a in ((x, w, b) if affine else (x,))]
        out = F.layer_norm(leaves[0], (128,), *leaves[1:])
        (out * out).sum().backward()
        results.append([out._data, *(t.grad._data for t in leaves)])
    for one, two in zip(*results, strict=True):
        np.testing.assert_array_equal(one, two)


def test_more_threads_add_workers(threads):
    threads(2)
    _parallel.run_split(lambda lo, hi: None, 4 * _parallel.MIN_PART)
    threads(4)
    seen = np.zeros(8 * _parallel.MIN_PART, np.int64)

    def kernel(lo, hi):
        seen[lo:hi] += 1

    _parallel.run_split(kernel, seen.size)
    assert len(_parallel._POOL["workers"]) >= 3 and (seen == 1).all()
