"""Convolution batch chunks (run_tasks, run_sum) and max-pool passes (run_split) on several
threads give the one-thread result."""

import threading

import numpy as np
import pytest

from autograd import Tensor
from nn.functional import _parallel, conv, pooling
from nn.functional.windows import Geometry

threadpoolctl = pytest.importorskip("threadpoolctl")


@pytest.fixture
def threads(monkeypatch):
    def use(n):
        monkeypatch.setattr(_parallel, "num_threads", lambda: n)
    return use


def test_tasks_run_once_each_on_several_threads_with_one_blas_thread_inside(threads):
    _parallel.num_threads()  # (finds the BLAS libraries before the fixture replaces the count)
    seen, idents, blas = [], set(), []
    threads(2)
    with threadpoolctl.threadpool_limits(2, user_api="blas"):
        def task(i):
            seen.append(i)
            idents.add(threading.get_ident())
            blas.append(max(c.get_num_threads() for c in _parallel._BLAS if c is not None))

        _parallel.run_tasks(task, 5)
        after = threadpoolctl.threadpool_info()
    assert sorted(seen) == list(range(5))
    assert len(idents) == 2 and set(blas) == {1}
    assert all(lib["num_threads"] == 2 for lib in after if lib["user_api"] == "blas")


def test_one_thread_runs_the_tasks_in_order_on_the_caller(threads):
    threads(1)
    seen = []
    _parallel.run_tasks(lambda i: seen.append((i, threading.get_ident())), 4)
    assert seen == [(i, threading.get_ident()) for i in range(4)]


def test_a_task_error_reaches_the_caller(threads):
    threads(2)

    def task(i):
        if i == 3:
            raise ValueError("task failed")

    with pytest.raises(ValueError, match="task failed"):
        _parallel.run_tasks(task, 4)


@pytest.mark.parametrize("limit", [1 << 24, 0])  # products kept, or added one by one
def test_run_sum_adds_in_order_as_a_loop(threads, monkeypatch, limit):
    monkeypatch.setattr(_parallel, "SUM_BYTES", limit)
    rng = np.random.default_rng(0)
    terms = (rng.standard_normal((7, 33, 5)) * 10.0 ** rng.integers(-4, 5, (7, 1, 1)))
    terms = terms.astype(np.float32)
    expected = terms[0].copy()
    for t in terms[1:]:
        expected += t
    backwards = terms[-1].copy()
    for t in terms[-2::-1]:
        backwards += t
    assert not np.array_equal(expected, backwards)  # (the order shows in the bits)

    def product(k, out):
        out[...] = terms[k]

    threads(3)
    total = np.empty_like(expected)
    _parallel.run_sum(product, len(terms), total)
    np.testing.assert_array_equal(total, expected)
    _parallel.run_sum(product, 0, total)
    assert not total.any()


CASES = [  # (input shape, weight shape, stride, padding): W3's layers, a strided (fold) one, RGB
    ((7, 16, 12, 12), (8, 16, 3, 3), 1, 1),
    ((7, 8, 11, 11), (6, 8, 3, 3), 2, 1),
    ((7, 1, 12, 12), (4, 1, 3, 3), 1, 1),
    ((5, 6, 9, 9), (6, 3, 3, 3), 1, 0),  # groups=2
]


@pytest.mark.parametrize("xs, ws, stride, padding", CASES)
def test_conv_faces_on_threads_are_bitwise_the_one_thread_result(threads, monkeypatch, xs, ws,
                                                                  stride, padding):
    monkeypatch.setattr(conv, "CHUNK_BYTES", 1)  # one image per chunk: 5-7 chunks
    rng = np.random.default_rng(1)
    x = rng.standard_normal(xs).astype(np.float32)
    w = rng.standard_normal(ws).astype(np.float32)
    b = rng.standard_normal(ws[0]).astype(np.float32)
    groups = xs[1] // ws[1]
    y = conv.conv2d(Tensor(x), Tensor(w), Tensor(b), stride, padding, groups=groups)
    g = rng.standard_normal(y.shape).astype(np.float32)
    geom = Geometry(*xs, ws[2], ws[3], stride, stride, 1, 1, *(padding,) * 4, groups)

    def faces():
        return (conv._conv_forward(x, w, b, geom), conv._conv_transpose_forward(g, w, geom),
                conv._conv_weight_forward(x, g, geom))

    threads(1)
    with threadpoolctl.threadpool_limits(1, user_api="blas"):
        expected = faces()
    threads(2)
    for ours, ref in zip(faces(), expected, strict=True):
        np.testing.assert_array_equal(ours, ref)


@pytest.mark.parametrize("shape", [(9, 3, 8, 8), (9, 2, 7, 9)])  # whole tiles; a cut-off border
def test_max_pool_passes_on_threads_are_the_one_thread_result(threads, monkeypatch, shape):
    rng = np.random.default_rng(2)
    x = rng.integers(-3, 4, shape).astype(np.float32)  # (ties: the first maximum wins)
    x[4, 1, 2, 3] = np.nan
    geom = Geometry(*shape, 2, 2, 2, 2)
    g = rng.standard_normal((shape[0], shape[1], geom.ho, geom.wo)).astype(np.float32)
    threads(1)
    idx, best = pooling._argmax_windows(x, geom)
    grad = pooling._scatter(g, idx, geom, None)
    threads(3)
    monkeypatch.setattr(_parallel, "MIN_PART", 1)
    ours = pooling._argmax_windows(x, geom)
    np.testing.assert_array_equal(ours[0], idx)
    np.testing.assert_array_equal(ours[1], best)
    np.testing.assert_array_equal(pooling._scatter(g, idx, geom, None), grad)
    assert np.isnan(best[4, 1, 1, 1]) and idx[4, 1, 1, 1] == 1  # (row 2, column 3: offset (0, 1))
