"""Max pooling's backward over overlapping or padded windows (one bincount over the selected
pixels' flat indices): PyTorch's gradients on a ResNet stem's pool, ties included, and
infinite gradients that reach only the selected pixels."""

import numpy as np
import pytest

import nn.functional as F
from autograd import Tensor
from nn.functional import pooling


def test_overlapping_windows_take_the_bincount_path_and_tiles_do_not():
    x = Tensor(np.zeros((1, 1, 6, 6), dtype=np.float32))
    overlapping = pooling._pool_geometry("max_pool2d", x, 3, 2, 1, 1, False)
    tiled = pooling._pool_geometry("max_pool2d", x, 2, 2, 0, 1, False)
    assert not pooling._tiled(overlapping) and pooling._tiled(tiled)


def test_resnet_stem_pool_gradient_matches_torch_with_relu_ties():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    # after a ReLU, about half the pixels are 0: many windows tie, the first maximum must win
    x = np.maximum(rng.standard_normal((2, 8, 16, 16)), 0).astype(np.float32)
    g = rng.standard_normal((2, 8, 8, 8)).astype(np.float32)
    tx = torch.tensor(x, requires_grad=True)
    torch.nn.functional.max_pool2d(tx, 3, 2, 1).backward(torch.tensor(g))
    xt = Tensor(x, requires_grad=True)
    F.max_pool2d(xt, 3, 2, 1).backward(Tensor(g))
    assert xt.grad.dtype == np.float32
    np.testing.assert_allclose(xt.grad._data, tx.grad.numpy(), rtol=1e-6, atol=1e-6)


def test_infinite_gradients_over_overlapping_windows_stay_at_the_selected_pixels():
    x = np.arange(36.0).reshape(1, 1, 6, 6)
    xt = Tensor(x, requires_grad=True)
    out = F.max_pool2d(xt, 3, 2, 1)
    out.backward(Tensor(np.full(out.shape, np.inf)))
    grad = xt.grad._data
    assert not np.isnan(grad).any()
    # the maxima of an increasing ramp: the bottom-right pixel of each window
    expected = np.zeros((6, 6), dtype=bool)
    expected[np.ix_([1, 3, 5], [1, 3, 5])] = True
    np.testing.assert_array_equal(np.isinf(grad[0, 0]), expected)
