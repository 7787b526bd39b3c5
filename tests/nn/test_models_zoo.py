"""AlexNet, GoogLeNet, DenseNet: published parameter counts, torchvision's state_dict names, forward
shapes of the full and small-input variants, and a training step on digits-sized input."""

import numpy as np
import pytest

import autograd
import nn
import nn.functional as F
import optim
from autograd import Tensor
from nn import models


def count(model) -> int:
    return sum(p.numel() for p in model.parameters())


def zeros(*shape):
    return Tensor(np.zeros(shape, dtype=np.float32))


def test_alexnet_count_names_and_shape():
    model = models.AlexNet()
    assert count(model) == 61_100_840
    assert count(models.alexnet(num_classes=10)) == 61_100_840 - 4096 * 990 - 990
    keys = list(model.state_dict())
    assert keys == [f"features.{i}.{k}" for i in (0, 3, 6, 8, 10) for k in ("weight", "bias")] + [
        f"classifier.{i}.{k}" for i in (1, 4, 6) for k in ("weight", "bias")]
    assert tuple(model.features[0].weight.shape) == (64, 3, 11, 11)
    assert tuple(model.classifier[1].weight.shape) == (4096, 9216)
    assert model.classifier[0].p == 0.5 and models.AlexNet(dropout=0.1).classifier[3].p == 0.1
    model.eval()
    assert model(zeros(1, 3, 224, 224)).shape == (1, 1000)


def test_alexnet_small_input_and_lrn():
    model = models.AlexNet(num_classes=10, in_channels=1, small_input=True, width_mult=0.25)
    assert [m.out_channels for m in model.features if isinstance(m, nn.Conv2d)] == [16, 48, 96, 64, 64]
    assert model(zeros(2, 1, 28, 28)).shape == (2, 10)
    with_lrn = models.AlexNet(lrn=True)
    assert isinstance(with_lrn.features[2], nn.LocalResponseNorm)
    assert isinstance(with_lrn.features[6], nn.LocalResponseNorm)
    assert (with_lrn.features[2].alpha, with_lrn.features[2].k) == (5e-4, 2.0)  # the paper: 1e-4 * n
    assert count(with_lrn) == 61_100_840


def test_googlenet_counts_and_names():
    assert count(models.GoogLeNet(aux_logits=False)) == 6_624_904
    full = models.googlenet()
    assert full.aux_logits and count(full) == 13_004_888
    keys = list(models.GoogLeNet(aux_logits=False).state_dict())
    assert keys[:6] == ["conv1.conv.weight", "conv1.bn.weight", "conv1.bn.bias", "conv1.bn.running_mean",
                        "conv1.bn.running_var", "conv1.bn.num_batches_tracked"]
    assert keys[-2:] == ["fc.weight", "fc.bias"]
    for key in ("inception3a.branch2.1.conv.weight", "inception4e.branch4.1.bn.running_var",
                "inception5b.branch3.0.conv.weight"):
        assert key in keys
    assert "aux1.fc1.weight" in full.state_dict() and "aux2.conv.conv.weight" in full.state_dict()
    assert tuple(full.aux1.fc1.weight.shape) == (1024, 2048)
    # the "5x5" branch is a 3x3 in torchvision (and its published count)
    assert tuple(full.inception3a.branch3[1].conv.weight.shape) == (32, 16, 3, 3)
    assert full.inception3a.branch1.bn.eps == 0.001


def test_inception_block_concatenates_branches():
    block = models.Inception(192, 64, 96, 128, 16, 32, 32)
    assert block(zeros(2, 192, 7, 7)).shape == (2, 256, 7, 7)


def test_googlenet_outputs_train_and_eval():
    model = models.GoogLeNet(num_classes=7, in_channels=1, small_input=True, width_mult=0.125)
    out = model(zeros(2, 1, 28, 28))
    assert isinstance(out, models.GoogLeNetOutputs)
    assert [t.shape for t in out] == [(2, 7)] * 3
    model.eval()
    assert model(zeros(2, 1, 28, 28)).shape == (2, 7)
    big = models.GoogLeNet(aux_logits=False, transform_input=True, width_mult=0.125)
    assert big(zeros(1, 3, 64, 64)).shape == (1, 1000)
    with pytest.raises(ValueError, match="3 input channels"):
        models.GoogLeNet(transform_input=True, in_channels=1)


def test_densenet121_count_names_and_blocks():
    model = models.densenet121()
    assert count(model) == 7_978_856
    keys = list(model.state_dict())
    assert keys[0] == "features.conv0.weight" and keys[-2:] == ["classifier.weight", "classifier.bias"]
    for key in ("features.denseblock1.denselayer1.norm1.weight",
                "features.denseblock4.denselayer16.conv2.weight",
                "features.transition3.conv.weight", "features.norm5.running_mean"):
        assert key in keys
    assert "features.transition4.conv.weight" not in keys
    assert tuple(model.features.denseblock1.denselayer6.conv1.weight.shape) == (128, 224, 1, 1)
    assert model.classifier.in_features == 1024
    with pytest.raises(ValueError, match="memory_efficient"):
        models.DenseNet(memory_efficient=True)


def test_dense_block_grows_channels():
    block = models.DenseBlock(3, 8, bn_size=2, growth_rate=4)
    assert block(zeros(2, 8, 5, 5)).shape == (2, 20, 5, 5)
    assert models.Transition(20, 10)(zeros(2, 20, 6, 6)).shape == (2, 10, 3, 3)


def test_densenet_full_size_forward_small_config():
    model = models.DenseNet(growth_rate=4, block_config=(1, 1), num_init_features=8, num_classes=3)
    model.eval()
    assert model(zeros(1, 3, 64, 64)).shape == (1, 3)


@pytest.mark.parametrize("build", [
    lambda: models.AlexNet(10, dropout=0.0, in_channels=1, small_input=True, width_mult=0.125),
    lambda: models.GoogLeNet(10, aux_logits=False, in_channels=1, small_input=True, width_mult=0.125),
    lambda: models.DenseNet(8, (2, 2), 16, bn_size=2, num_classes=10, in_channels=1, small_input=True),
], ids=["alexnet", "googlenet", "densenet"])
def test_small_variants_learn_a_batch(build):
    autograd.manual_seed(0)
    model = build()
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, size=16)
    images = rng.random((16, 1, 28, 28), dtype=np.float32)
    # a bright band whose row depends on the class makes the task learnable in a few steps
    rows = np.arange(28)[None, :] // 3 == labels[:, None]
    images[:, 0] += 2.0 * rows[:, :, None]
    x, y = Tensor(images), Tensor(labels)

    opt = optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(30):
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert all(p.grad is not None for p in model.parameters())
    assert losses[-1] < 0.5 * losses[0], losses
