"""An in-place activation after a layer whose backward does not read its output backpropagates,
as in PyTorch (Linear and BatchNorm save their inputs, not their outputs)."""

import numpy as np
import pytest

import autograd
import nn
from autograd import Tensor


def _grads(layer_factory, inplace: bool, shape):
    autograd.manual_seed(0)
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal(shape), requires_grad=True)
    layer = layer_factory()
    model = nn.Sequential(layer, nn.ReLU(inplace=inplace))
    (model(x) * Tensor(rng.standard_normal((*shape[:1], 4, *shape[2:])))).sum().backward()
    return [x.grad.numpy()] + [p.grad.numpy() for p in layer.parameters()]


@pytest.mark.parametrize(
    ("factory", "shape"),
    [
        (lambda: nn.Linear(3, 4).double(), (5, 3)),
        (lambda: nn.BatchNorm2d(4).double(), (5, 4, 3, 3)),
        (lambda: nn.BatchNorm1d(4).double(), (5, 4)),
        (lambda: nn.LayerNorm(4).double(), (5, 4)),
    ],
)
def test_inplace_relu_after_a_layer_gives_the_out_of_place_gradients(factory, shape):
    for got, want in zip(_grads(factory, True, shape), _grads(factory, False, shape)):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
