"""nn.summary: the classic LeNet-5 table, receptive fields of stacked convs (closed forms), totals,
shared modules, restored training mode, and input checks."""

import numpy as np
import pytest

import nn
from autograd import Tensor
from nn import models


def test_lenet5_table_reproduces_classic_parameter_counts():
    result = nn.summary(models.LeNet5(), (1, 1, 32, 32))
    assert [r.params for r in result.rows if r.params] == [156, 2_416, 48_120, 10_164, 850]
    assert result.total_params == 61_706
    assert result.trainable_params == 61_706 and result.non_trainable_params == 0
    shapes = {r.name: r.output_shape for r in result.rows}
    assert shapes["conv1"] == (1, 6, 28, 28)
    assert shapes["pool1"] == (1, 6, 14, 14)
    assert shapes["conv2"] == (1, 16, 10, 10)
    assert shapes["pool2"] == (1, 16, 5, 5)
    assert shapes["fc3"] == (1, 10)
    text = str(result)
    for cell in ("conv1 (Conv2d)", "2,416", "48,120", "10,164", "Total params: 61,706"):
        assert cell in text
    # conv 5 -> pool 2 -> conv 5 -> pool 2: r = 5, 6, 6 + 4*2 = 14, 14 + 1*2 = 16; j = 1, 2, 2, 4
    fields = {r.name: (r.receptive_field, r.jump) for r in result.rows}
    assert fields["conv1"] == ((5, 5), (1, 1))
    assert fields["pool1"] == ((6, 6), (2, 2))
    assert fields["conv2"] == ((14, 14), (2, 2))
    assert fields["pool2"] == ((16, 16), (4, 4))
    assert fields["fc1"] == (None, None)


def test_receptive_field_of_stacked_3x3_convs():
    model = nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(),
        nn.Conv2d(4, 4, 3, padding=1), nn.ReLU(),
        nn.Conv2d(4, 4, 3, padding=1), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(4, 4, 3, padding=2, dilation=2),
        nn.Conv2d(4, 4, (3, 1), stride=(2, 1)),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 2),
    )
    rows = nn.summary(model, (2, 3, 16, 16)).rows
    fields = [r.receptive_field for r in rows]
    jumps = [r.jump for r in rows]
    # two stacked 3x3 convs see 5x5, three see 7x7; ReLU keeps the field
    assert fields[:6] == [(3, 3), (3, 3), (5, 5), (5, 5), (7, 7), (7, 7)]
    assert fields[6] == (8, 8) and jumps[6] == (2, 2)  # 2x2 pool: 7 + 1 * 1, jump 2
    assert fields[7] == (16, 16)  # dilated 3x3: 8 + 2 * 2 * 2
    assert fields[8] == (20, 16) and jumps[8] == (4, 2)  # (3, 1) kernel, stride (2, 1)
    assert fields[9][0] >= 16 and rows[9].output_shape == (2, 4, 1, 1)
    assert fields[10:] == [None, None]  # no spatial structure after Flatten
    assert "20x16" in str(nn.summary(model, (2, 3, 16, 16)))


def test_resnet18_final_receptive_field_is_435():
    rows = nn.summary(models.resnet18(num_classes=10), (1, 3, 64, 64)).rows
    last_conv = [r for r in rows if r.type == "Conv2d" and not r.name.endswith("downsample.0")][-1]
    assert last_conv.name == "layer4.1.conv2"
    assert last_conv.receptive_field == (435, 435) and last_conv.jump == (32, 32)
    # the residual add is made outside any layer: the block's ReLU takes the wider (main) branch
    relu = [r for r in rows if r.name == "layer2.0.relu"][-1]
    bn2 = next(r for r in rows if r.name == "layer2.0.bn2")
    assert relu.receptive_field == bn2.receptive_field


def test_totals_count_frozen_and_shared_parameters():
    shared = nn.Linear(4, 4)
    model = nn.Sequential(nn.Linear(3, 4), shared, nn.ReLU(), shared)
    model[0].weight.requires_grad_(False)
    result = nn.summary(model, (2, 3))
    assert [r.name for r in result.rows] == ["0", "1", "2", "1"]
    assert [r.params for r in result.rows] == [16, 20, 0, 0]
    assert [r.shared for r in result.rows] == [False, False, False, True]
    assert result.total_params == 36
    assert result.trainable_params == 24 and result.non_trainable_params == 12
    assert "(shared)" in str(result)
    assert result.rows[0].trainable_params == 4
    assert result.rows[1].as_dict()["output_shape"] == (2, 4)


def test_summary_runs_in_eval_mode_and_restores_state():
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Dropout(0.5))
    model.train()
    model[1].eval()
    before = model[1].running_mean._data.copy()
    nn.summary(model, (4, 1, 6, 6))
    assert model.training and model[0].training and not model[1].training and model[2].training
    np.testing.assert_array_equal(model[1].running_mean._data, before)
    assert model[0].weight.grad is None


def test_summary_html_multiple_inputs_and_errors():
    html = nn.summary(models.LeNet5(), (1, 1, 32, 32))._repr_html_()
    assert html.startswith("<table>") and "<td" in html and "61,706" in html

    class Pair(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(3, 2)
            self.b = nn.Linear(5, 2)

        def forward(self, x, y):
            return self.a(x) + self.b(y)

    result = nn.summary(Pair(), [(2, 3), (2, 5)])
    assert [r.output_shape for r in result.rows] == [(2, 2), (2, 2)]
    assert result.input_size == [(2, 3), (2, 5)]
    with pytest.raises(ValueError, match="input_size must be a shape"):
        nn.summary(models.LeNet5(), 32)
    with pytest.raises(TypeError, match=r"nn\.Module"):
        nn.summary(lambda x: x, (1, 2))


def test_summary_uses_zeros_of_the_requested_dtype():
    seen = []
    model = nn.Sequential(nn.Flatten())
    model[0].register_forward_hook(lambda m, args, out: seen.append(args[0]))
    nn.summary(model, (2, 3, 4), dtype=np.float64)
    assert isinstance(seen[0], Tensor) and seen[0].dtype == np.float64 and not seen[0]._data.any()
