"""Graph pictures read top to bottom: the forward chain is one straight column, parameters sit
beside their op, and the legend and caption come first (checked on `dot -Tjson` coordinates)."""

from __future__ import annotations

import json
import re
import shutil

import pytest

import autograd
import nn
import nn.functional as F
from autograd import viz

pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot")


def _layout(picture) -> dict:
    """DOT node name -> (x, y) centre in points (y grows upwards), plus the picture's bounding box."""
    data = json.loads(picture.pipe(format="json", encoding="utf-8"))
    nodes = {o["name"]: tuple(map(float, o["pos"].split(","))) for o in data["objects"] if "pos" in o}
    nodes["bb"] = tuple(map(float, data["bb"].split(",")))
    return nodes


def _convnet_picture():
    autograd.manual_seed(0)
    model = nn.models.DeepConvNet()
    x = autograd.randn(2, 1, 28, 28)
    with viz.trace_modules(model) as trace:
        loss = F.cross_entropy(model(x), autograd.tensor([1, 2]))
    with viz.record_grads(loss) as rec:
        loss.backward()
    return viz.draw(loss, modules=trace, grads=rec)


def test_forward_chain_is_a_straight_column():
    picture = _convnet_picture()
    pos = _layout(picture)
    ops = [name for name in pos if re.fullmatch(r"op\d+", name)]
    xs = sorted(pos[name][0] for name in ops)
    assert len(ops) >= 20
    # every op of the chain (and the loss) on one vertical line (the first conv, fed by the
    # image and its parameters from above, within a few points of it)
    assert xs[-1] - xs[0] < 20, xs
    # the picture is a column: far taller than wide (a staircase was 1918 x 3361 pt)
    _, _, width, height = pos["bb"]
    assert height > 4 * width, (width, height)


def test_parameters_sit_beside_their_op():
    picture = _convnet_picture()
    pos = _layout(picture)
    text = picture.source
    for layer in ("conv2", "conv6", "fc1", "fc2"):
        for param in ("weight", "bias"):
            node = re.search(rf'(v\d+) \[label="{layer}\.{param}\\n', text).group(1)
            op = re.search(rf"{node} -> (op\d+)|(op\d+) -> {node}", text)
            op = op.group(1) or op.group(2)
            assert abs(pos[node][1] - pos[op][1]) < 1, (layer, param)  # same row as the op


def test_legend_and_caption_are_at_the_top():
    picture = _convnet_picture()
    pos = _layout(picture)
    assert pos["legend"][1] > max(y for name, (x, y, *_) in pos.items() if name.startswith("op"))
    assert "labelloc=t" in picture.source


def test_a_module_called_twice_gets_a_cluster_per_call():
    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1, self.fc2, self.act = nn.Linear(4, 4), nn.Linear(4, 4), nn.ReLU()

        def forward(self, x):
            return self.act(self.fc2(self.act(self.fc1(x))))

    block = Block()
    with viz.trace_modules(block) as trace:
        out = block(autograd.randn(3, 4)).sum()
    text = viz.draw(out, modules=trace).source
    assert 'label="act (ReLU)"' in text and 'label="act#2 (ReLU)"' in text
    assert "1 ops" not in viz.draw(out, modules=trace, collapse_depth=1).source


def test_resnet18_is_a_column_too():
    # batch norm's weight.reshape chains sit on the op's row, and BasicBlock's relu, used twice,
    # gets a cluster per call (one cluster spanning both made a 10202 x 5362 pt staircase)
    autograd.manual_seed(0)
    model = nn.models.resnet18(num_classes=10)
    with viz.trace_modules(model) as trace:
        loss = F.cross_entropy(model(autograd.randn(2, 3, 32, 32)), autograd.tensor([3, 1]))
    picture = viz.draw(loss, modules=trace)
    text = picture.source
    assert 'label="layer1.0.relu#2 (ReLU)"' in text
    _, _, width, height = _layout(picture)["bb"]
    assert height > 3 * width, (width, height)
