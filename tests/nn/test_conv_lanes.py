"""Convolutions split over the BLAS threads (batch lanes on Python threads, `_parallel.run_split`)
give the one-thread result, and the lanes' GEMMs run on one BLAS thread each."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import autograd
import nn.functional as F
from autograd import Tensor
from autograd.threads import THREAD_VARIABLES
from nn.functional import _parallel
from nn.functional import conv as conv_module

ROOT = Path(__file__).resolve().parents[2]

# (N, C, H, W), (O, C/G, kh, kw), stride, padding, dilation, groups: the narrow channel-major
# path (C=1, RGB), the row path, the weight-order path (more weights than columns), the strided
# fold path of grad input, groups and dilation
CASES = [
    ((7, 1, 9, 8), (4, 1, 3, 3), 1, 1, 1, 1),
    ((5, 3, 8, 8), (6, 3, 3, 3), 1, 1, 1, 1),
    ((6, 4, 7, 7), (5, 4, 3, 3), 1, 1, 1, 1),
    ((4, 8, 2, 2), (64, 8, 3, 3), 1, 1, 1, 1),
    ((5, 4, 9, 9), (6, 4, 3, 3), 2, 1, 1, 1),
    ((6, 4, 8, 8), (6, 2, 3, 3), 1, 2, 2, 2),
]


@pytest.fixture
def lanes(monkeypatch):
    """Force the split: `n` BLAS threads and parts of any size, one image per chunk."""
    monkeypatch.setattr(_parallel, "MIN_PART", 1)
    monkeypatch.setattr(conv_module, "CHUNK_BYTES", 1)

    def use(n):
        monkeypatch.setattr(_parallel, "num_threads", lambda: n)
    return use


def _conv_and_grads(x, w, b, stride, padding, dilation, groups):
    leaves = [Tensor(a, requires_grad=True) for a in (x, w, b)]
    out = F.conv2d(*leaves, stride=stride, padding=padding, dilation=dilation, groups=groups)
    g = np.random.default_rng(1).standard_normal(out.shape).astype(x.dtype)
    out.backward(Tensor(g))
    return [out._data, *(t.grad._data for t in leaves)]


@pytest.mark.parametrize("case", CASES)
def test_conv_in_lanes_equals_one_thread(lanes, case):
    xs, ws, stride, padding, dilation, groups = case
    rng = np.random.default_rng(0)
    x, w = (rng.standard_normal(s).astype(np.float32) for s in (xs, ws))
    b = rng.standard_normal(ws[0]).astype(np.float32)
    lanes(1)
    one = _conv_and_grads(x, w, b, stride, padding, dilation, groups)
    for n in (2, 3):
        lanes(n)
        split = _conv_and_grads(x, w, b, stride, padding, dilation, groups)
        # forward and grad input are the same products per image; the weight and bias
        # gradients add the lanes' partial sums in another order: float32 rounding apart
        np.testing.assert_array_equal(split[0], one[0])
        np.testing.assert_array_equal(split[1], one[1])
        np.testing.assert_allclose(split[2], one[2], rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(split[3], one[3], rtol=1e-5, atol=1e-5)


def test_conv_in_lanes_passes_gradcheck(lanes):
    lanes(2)
    rng = np.random.default_rng(2)
    x = Tensor(rng.standard_normal((4, 2, 5, 5)), requires_grad=True)
    w = Tensor(rng.standard_normal((3, 2, 3, 3)), requires_grad=True)
    b = Tensor(rng.standard_normal(3), requires_grad=True)
    assert autograd.gradcheck(lambda x, w, b: F.conv2d(x, w, b, padding=1), (x, w, b))
    assert autograd.gradgradcheck(lambda x, w, b: F.conv2d(x, w, b, stride=2), (x, w, b))


# (in a fresh process: pytest-xdist runs tests off the main thread, where run_split leaves BLAS
# alone)
_PINNED_INSIDE = """
import threadpoolctl
import numpy
from nn.functional import _parallel

def blas():
    info = threadpoolctl.threadpool_info()
    return max(lib["num_threads"] for lib in info if lib["user_api"] == "blas")

threadpoolctl.threadpool_limits(2, user_api="blas")
seen = []
_parallel.run_split(lambda lo, hi: seen.append(blas()), 4 * _parallel.MIN_PART)
print(_parallel.num_threads(), seen, blas())
"""


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="BLAS caps threads at the core count")
def test_blas_runs_one_thread_per_call_inside_the_lanes_only():
    pytest.importorskip("threadpoolctl")
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARIABLES}
    env["PYTHONPATH"] = str(ROOT)
    result = subprocess.run([sys.executable, "-c", _PINNED_INSIDE], capture_output=True,
                            text=True, env=env, check=True)
    assert result.stdout.split("\n")[0] == "2 [1, 1] 2"


def test_lanes_return_their_results_in_order(lanes):
    lanes(3)
    assert _parallel.run_split(lambda lo, hi: (lo, hi), 9) == [(0, 3), (3, 6), (6, 9)]
    lanes(1)
    assert _parallel.run_split(lambda lo, hi: (lo, hi), 9) == [(0, 9)]


def test_each_part_runs_on_its_own_worker_every_call(lanes):
    import threading

    lanes(3)
    names = [_parallel.run_split(lambda lo, hi: threading.current_thread().name, 9)
             for _ in range(5)]
    assert names[0][0] == threading.current_thread().name
    assert len(set(names[0])) == 3 and all(n == names[0] for n in names)


class _FakeBLAS:
    """A BLAS controller that records its thread count (threadpoolctl's interface)."""

    def __init__(self, threads):
        self.threads = threads

    def get_num_threads(self):
        return self.threads

    def set_num_threads(self, n):
        self.threads = n


def test_a_failing_part_restores_blas_threads(monkeypatch):
    blas = _FakeBLAS(2)
    monkeypatch.setattr(_parallel, "_BLAS", [blas, None])
    monkeypatch.setattr(_parallel, "num_threads", lambda: 2)

    def kernel(lo, hi):
        assert blas.threads == 1
        if lo:
            raise ValueError("part failed")

    with pytest.raises(ValueError, match="part failed"):
        _parallel.run_split(kernel, 4 * _parallel.MIN_PART)
    assert blas.threads == 2


def test_splits_from_another_thread_leave_blas_alone(monkeypatch):
    import threading

    blas = _FakeBLAS(2)
    monkeypatch.setattr(_parallel, "_BLAS", [blas, None])
    monkeypatch.setattr(_parallel, "num_threads", lambda: 2)
    seen = []
    caller = threading.Thread(target=_parallel.run_split,
                              args=(lambda lo, hi: seen.append(blas.threads), 4 * _parallel.MIN_PART))
    caller.start()
    caller.join()
    assert seen == [2, 2] and blas.threads == 2
