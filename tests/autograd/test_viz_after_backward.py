"""A picture drawn after a plain backward keeps the boxes of inputs that need no gradient."""

from __future__ import annotations

import re

import numpy as np

import autograd
import nn
import nn.functional as F
from autograd import Tensor, viz
from autograd.node import CONSTANT_INPUTS


def _constant_labels(source: str) -> list[str]:
    return re.findall(r'c\d+ \[label="([^"]*)"', source)


def _linear_graph():
    autograd.manual_seed(0)
    model = nn.Linear(4, 3)
    x = autograd.randn(5, 4)
    x.name = "x"
    loss = model(x).sum()
    return model, x, loss


def test_linear_input_box_survives_backward():
    model, _x, loss = _linear_graph()
    before = _constant_labels(viz.draw(loss, params=model).source)
    loss.backward()
    after = _constant_labels(viz.draw(loss, params=model).source)
    assert before == after == ["x\\n(5, 4) float32"]
    assert loss.grad_fn.args is None  # the graph was freed: the box comes from kept metadata


def test_freed_inputs_show_no_values_and_one_box_per_tensor():
    x = Tensor(np.ones((2, 3), np.float32))
    w = Tensor(np.ones((2, 3), np.float32), requires_grad=True)
    loss = ((x * w) + x).sum()
    loss.backward()
    labels = _constant_labels(viz.draw(loss, show_values=True).source)
    assert labels == ["(2, 3) float32\\n(freed)"]  # x feeds two ops: still one box


def test_freed_graph_keeps_no_arrays():
    _, x, loss = _linear_graph()
    loss.backward()
    node = loss.grad_fn.edges[0]  # the linear node
    assert node.args is None and node.arrays is None
    assert CONSTANT_INPUTS[node] == {0: ((5, 4), np.float32, "x", id(x))}


def test_custom_function_input_after_backward():
    class Double(autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * 2 + b

        @staticmethod
        def backward(ctx, g):
            return g * 2, None

    w = Tensor(np.ones(3, np.float32), requires_grad=True)
    b = Tensor(np.zeros(3, np.float32))
    y = autograd.tensor([0, 1])
    logits = Double.apply(w, b).reshape(1, 3).expand(2, 3)
    loss = F.cross_entropy(logits, y)
    before = sorted(_constant_labels(viz.draw(loss).source))
    loss.backward()
    assert sorted(_constant_labels(viz.draw(loss).source)) == before
    assert before == ["(3,) float32"]  # b (the targets are saved as an array, not an input)
