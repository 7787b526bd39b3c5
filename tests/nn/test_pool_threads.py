"""max-pool passes split over threads (run_split) give the one-thread result."""

import numpy as np
import pytest

from nn.functional import _parallel, pooling
from nn.functional.windows import Geometry


@pytest.fixture
def threads(monkeypatch):
    def use(n):
        monkeypatch.setattr(_parallel, "num_threads", lambda: n)
    return use


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
