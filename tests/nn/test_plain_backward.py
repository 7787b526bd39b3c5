"""A first-order backward through nn's layers and losses passes arrays between VJPs (no Tensors)."""

from __future__ import annotations

import numpy as np
import pytest

import nn
import nn.functional as F
from autograd import Tensor
from autograd.ops.registry import PRIMITIVES

from ..autograd.optable import vjps_must_return_arrays

RNG = np.random.default_rng(0)


def leaf(*shape):
    return Tensor(RNG.standard_normal(shape).astype(np.float32), requires_grad=True)


def labels(n, classes):
    return Tensor(RNG.integers(0, classes, n))


CASES = {
    "conv-bn-pools": lambda: nn.Sequential(
        nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(4, 4, 3, stride=2, padding=1), nn.AvgPool2d(2, ceil_mode=True), nn.AdaptiveMaxPool2d(1),
        nn.Flatten(), nn.Linear(4, 3, bias=False),
    )(leaf(2, 2, 8, 8)).sum(),
    "adaptive-avg-pool": lambda: F.adaptive_avg_pool2d(leaf(1, 2, 5, 7), (2, 3)).sum(),
    "activations": lambda: sum(
        (f(leaf(3, 4)).sum() for f in (F.gelu, F.elu, F.leaky_relu, F.hardtanh, F.softplus, F.silu, F.selu)),
        Tensor(np.float32(0)),
    ),
    "layer-norm-dropout": lambda: nn.Sequential(nn.LayerNorm(6), nn.Dropout(0.5))(leaf(3, 6)).sum(),
    "cross-entropy-paths": lambda: (
        F.cross_entropy(leaf(4, 5), labels(4, 5))
        + F.cross_entropy(leaf(4, 5), Tensor(np.array([0, -100, 2, 1])))
        + F.cross_entropy(leaf(4, 5), labels(4, 5), label_smoothing=0.1)
        + F.cross_entropy(leaf(2, 5, 3), Tensor(RNG.integers(0, 5, (2, 3))))
    ),
    "binary-losses": lambda: (
        F.binary_cross_entropy(leaf(5).sigmoid(), Tensor(RNG.uniform(0, 1, 5).astype(np.float32)))
        + F.binary_cross_entropy_with_logits(leaf(5), Tensor(RNG.uniform(0, 1, 5).astype(np.float32)))
        + F.mse_loss(leaf(5), leaf(5)) + F.huber_loss(leaf(5), leaf(5)) + F.l1_loss(leaf(5), leaf(5))
    ),
    "embedding-lstm-gru": lambda: (
        nn.LSTM(4, 3, batch_first=True)(nn.Embedding(7, 4)(Tensor(RNG.integers(0, 7, (2, 5)))))[0].sum()
        + nn.GRU(4, 3)(leaf(5, 2, 4))[0].sum() + nn.RNN(4, 3)(leaf(5, 2, 4))[0].sum()
    ),
    "attention": lambda: nn.MultiheadAttention(8, 2, batch_first=True)(leaf(2, 3, 8), leaf(2, 4, 8), leaf(2, 4, 8))[0].sum(),
}


@pytest.mark.parametrize("name", list(CASES))
def test_first_order_backward_builds_no_tensor_gradients(name):
    loss = CASES[name]()
    with vjps_must_return_arrays():
        loss.backward()


def test_the_guard_sees_nn_primitives_and_catches_a_tensor_gradient():
    # the guard must be able to fail: a VJP that wraps its result in a Tensor is caught
    prim = PRIMITIVES["relu"]
    saved = prim.vjps
    prim.vjps = (lambda g, out, x: Tensor(g * (out > 0)),)
    try:
        y = F.relu(leaf(3)).sum()
        with pytest.raises(AssertionError, match="relu"), vjps_must_return_arrays():
            y.backward()
    finally:
        prim.vjps = saved
    assert {"linear", "conv2d", "cross_entropy_reduced", "max_pool2d"} <= set(PRIMITIVES)
    lin = PRIMITIVES["linear"]
    saved = lin.vjps
    lin.vjps = (saved[0], lambda g, out, x, w, b: Tensor(saved[1](g, out, x, w, b)), saved[2])
    try:
        y = nn.Linear(3, 2)(leaf(4, 3)).sum()
        with pytest.raises(AssertionError, match="'linear' for input 1"), vjps_must_return_arrays():
            y.backward()
    finally:
        lin.vjps = saved
