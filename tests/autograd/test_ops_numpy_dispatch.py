"""numpy functions called on Tensors reach the issue-15 ops, with numpy's argument spelling."""

import numpy as np

import autograd as ag

X = np.array([[1.25, -2.5], [3.75, 0.0]], dtype=np.float32)


def test_numpy_names_dispatch_with_numpy_arguments():
    t = ag.tensor(X)
    cases = [
        (np.cumsum(t, axis=0), np.cumsum(X, axis=0)), (np.cumsum(t), np.cumsum(X)),
        (np.cumprod(t, 1), np.cumprod(X, 1)), (np.any(t > 3, axis=0), np.any(X > 3, axis=0)),
        (np.all(t > -3, axis=1, keepdims=True), np.all(X > -3, axis=1, keepdims=True)),
        (np.round(t, 1), np.round(X, 1)), (np.floor(t), np.floor(X)), (np.arctan2(t, t + 1), np.arctan2(X, X + 1)),
        (np.isnan(t), np.isnan(X)), (np.logical_not(t), np.logical_not(X)), (np.fmod(t, 1.5), np.fmod(X, 1.5)),
    ]
    for got, want in cases:
        assert isinstance(got, ag.Tensor)
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_allclose(got._data, want, rtol=1e-6)
    rows, cols = np.nonzero(t)
    np.testing.assert_array_equal(rows._data, np.nonzero(X)[0])
    np.testing.assert_array_equal(cols._data, np.nonzero(X)[1])


def test_numpy_cumsum_is_differentiable():
    t = ag.tensor(X, requires_grad=True)
    np.cumsum(t, axis=1).sum().backward()
    np.testing.assert_array_equal(t.grad._data, [[2.0, 1.0], [2.0, 1.0]])
