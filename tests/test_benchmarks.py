"""The benchmark floors compute what tapegrad computes: same start, same steps, same weights.

A floor that did less work (or different math) than the engine would make the W2/W3 ratios
meaningless; the benchmark also starts every implementation from the floor's weights.
"""

from __future__ import annotations

import numpy as np
import pytest

import nn
import optim
from autograd import Tensor
from benchmarks import floors, workloads


@pytest.mark.parametrize(
    ("floor_cls", "layers", "shape", "momentum"),
    [
        (floors.MLPFloor, workloads._w2_layers, (784,), 0.9),
        (floors.CNNFloor, workloads._w3_layers, (1, 28, 28), 0.0),
    ],
    ids=["W2", "W3"],
)
def test_floor_and_tapegrad_take_the_same_sgd_steps(floor_cls, layers, shape, momentum):
    rng = np.random.default_rng(0)
    x, y = workloads._mnist_like(rng, 16, shape)
    floor = floor_cls(np.random.default_rng(1))
    model = layers(nn)
    for p, value in zip(model.parameters(), floor.torch_layout(), strict=True):
        p._data[...] = value
    opt = optim.SGD(model.parameters(), lr=0.01, momentum=momentum)
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(3):
        floor_loss = floor.step(x, y)
        opt.zero_grad()
        loss = loss_fn(model(Tensor(x)), Tensor(y))
        loss.backward()
        opt.step()
        assert float(loss._data) == pytest.approx(floor_loss, rel=1e-5)
    for p, value in zip(model.parameters(), floor.torch_layout()):
        np.testing.assert_allclose(p._data, value, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name", ["W5", "W7", "W8"])
def test_model_workloads_take_the_same_steps_on_both_engines(name):
    # both engines start from the same weights, so the losses agree step after step (the second
    # step's loss checks the gradients and the optimizer update of the first)
    pytest.importorskip("torch")
    from benchmarks import models

    pair = models.steps(name, check=False)
    for _ in range(2):
        ours, theirs = models.first_losses(pair)
        assert ours == pytest.approx(theirs, rel=1e-4)


def test_model_workloads_run_without_torch():
    from benchmarks import models

    step = models.make_step("W8", models.tapegrad(), None)
    assert np.isfinite(float(step().item()))
