"""Reference models: published parameter counts, forward shapes, torchvision state_dict names,
a float64 gradient check of a BasicBlock, and a LeNet-5 training step that lowers the loss."""

import itertools

import numpy as np
import pytest

import autograd
import nn
import nn.functional as F
from autograd import Tensor
from nn import models


def count(model) -> int:
    return sum(p.numel() for p in model.parameters())


@pytest.fixture
def fast_init(monkeypatch):
    """Skip the random draws (the tensors keep np.empty's contents), so the 100M-parameter VGGs
    build in a blink; returns the list of (init function, tensor shape, args, kwargs) calls."""
    calls = []

    def recorder(name):
        def fill(tensor, *args, **kwargs):
            calls.append((name, tuple(tensor.shape), args, kwargs))
            return tensor
        return fill

    for name in ("uniform_", "normal_", "kaiming_uniform_", "kaiming_normal_"):
        monkeypatch.setattr(nn.init, name, recorder(name))
    return calls


def test_lenet5_classic_parameter_table_and_shapes():
    model = models.LeNet5()
    per_layer = [count(m) for m in model.children() if count(m)]
    assert per_layer == [156, 2_416, 48_120, 10_164, 850]
    assert count(model) == 61_706
    assert model(Tensor(np.zeros((2, 1, 32, 32), dtype=np.float32))).shape == (2, 10)
    assert models.LeNet5(padding=2)(Tensor(np.zeros((2, 1, 28, 28), dtype=np.float32))).shape == (2, 10)
    assert count(models.LeNet5(padding=2)) == 61_706
    relu_variant = models.LeNet5(num_classes=5, in_channels=3, activation=nn.ReLU, pool=nn.MaxPool2d)
    assert isinstance(relu_variant.pool1, nn.MaxPool2d) and isinstance(relu_variant.act1, nn.ReLU)
    assert relu_variant(Tensor(np.zeros((1, 3, 32, 32), dtype=np.float32))).shape == (1, 5)
    assert list(model.state_dict())[:4] == ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias"]


def test_lenet5_training_step_lowers_loss():
    autograd.manual_seed(0)
    model = models.LeNet5(activation=nn.ReLU, pool=nn.MaxPool2d)
    rng = np.random.default_rng(0)
    x = Tensor(rng.random((8, 1, 32, 32), dtype=np.float32))
    y = Tensor(rng.integers(0, 10, size=8))
    losses = []
    for _ in range(3):
        loss = F.cross_entropy(model(x), y)
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p._data -= 0.05 * p.grad._data
        losses.append(loss.item())
    assert losses[-1] < losses[0]


def test_deep_conv_net():
    model = models.DeepConvNet()
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    assert [m.out_channels for m in convs] == [16, 16, 32, 32, 64, 64]
    assert all(m.kernel_size == (3, 3) and m.padding == (1, 1) for m in convs)
    assert model.fc1.in_features == 64 * 3 * 3 and model.fc1.out_features == 50
    assert model.dropout.p == 0.5
    # 6 convs (C_in * C_out * 9 + C_out), fc 576 -> 50 -> 10
    widths = [1, 16, 16, 32, 32, 64, 64]
    expected = sum(a * b * 9 + b for a, b in itertools.pairwise(widths)) + 576 * 50 + 50 + 50 * 10 + 10
    assert count(model) == expected == 101_152
    # He init: N(0, 2 / fan_in), zero bias
    w = model.conv6.weight._data
    assert abs(w.std() - np.sqrt(2 / (64 * 9))) < 0.1 * np.sqrt(2 / (64 * 9))
    assert not model.conv6.bias._data.any()
    model.eval()
    assert model(Tensor(np.zeros((2, 1, 28, 28), dtype=np.float32))).shape == (2, 10)


def test_mlp():
    model = models.MLP([784, 256, 10])
    assert count(model) == 784 * 256 + 256 + 256 * 10 + 10
    assert [type(m).__name__ for m in model] == ["Linear", "ReLU", "Linear"]
    deep = models.MLP([20, 16, 8, 3], activation=nn.Tanh, dropout=0.25, flatten=True)
    assert [type(m).__name__ for m in deep] == [
        "Flatten", "Linear", "Tanh", "Dropout", "Linear", "Tanh", "Dropout", "Linear"]
    assert deep(Tensor(np.zeros((4, 1, 4, 5), dtype=np.float32))).shape == (4, 3)
    with pytest.raises(ValueError, match="at least two"):
        models.MLP([10])
    with pytest.raises(ValueError, match="dropout"):
        models.MLP([3, 2], dropout=1.0)


def test_resnet_parameter_counts():
    assert count(models.resnet18()) == 11_689_512
    assert count(models.resnet34()) == 21_797_672
    assert count(models.resnet50()) == 25_557_032
    assert count(models.resnet18(num_classes=10)) == 11_689_512 - 990 * 512 - 990


def test_resnet_state_dict_names_follow_torchvision():
    model = models.resnet18()
    state = model.state_dict()
    assert len(state) == 122  # 62 parameters + 3 buffers for each of the 20 BatchNorms
    shapes = {
        "conv1.weight": (64, 3, 7, 7),
        "bn1.running_mean": (64,),
        "layer1.0.conv1.weight": (64, 64, 3, 3),
        "layer2.0.downsample.0.weight": (128, 64, 1, 1),
        "layer2.0.downsample.1.running_var": (128,),
        "layer4.1.bn2.bias": (512,),
        "fc.weight": (1000, 512),
        "fc.bias": (1000,),
    }
    for key, shape in shapes.items():
        assert tuple(state[key].shape) == shape, key
    assert "bn1.num_batches_tracked" in state
    bottleneck = models.resnet50().state_dict()
    assert tuple(bottleneck["layer1.0.conv3.weight"].shape) == (256, 64, 1, 1)
    assert tuple(bottleneck["layer3.0.downsample.0.weight"].shape) == (1024, 512, 1, 1)
    assert tuple(bottleneck["fc.weight"].shape) == (1000, 2048)


def test_resnet_init_and_forward():
    autograd.manual_seed(0)
    model = models.resnet18(num_classes=10, zero_init_residual=True)
    assert not model.layer1[0].bn2.weight._data.any()
    w = model.layer3[0].conv1.weight._data  # kaiming_normal_(fan_out): std sqrt(2 / (256 * 9))
    assert abs(w.std() - np.sqrt(2 / (256 * 9))) < 0.05 * np.sqrt(2 / (256 * 9))
    model.eval()
    out = model(Tensor(np.random.default_rng(0).standard_normal((1, 3, 32, 32)).astype(np.float32)))
    assert out.shape == (1, 10) and out.dtype == np.float32
    small = models.resnet18(num_classes=10, in_channels=1, small_input=True)
    assert small.conv1.kernel_size == (3, 3) and isinstance(small.maxpool, nn.Identity)
    small.eval()
    assert small(Tensor(np.zeros((1, 1, 16, 16), dtype=np.float32))).shape == (1, 10)


def test_vgg_counts_and_layout(fast_init):
    model = models.vgg16()
    assert count(model) == 138_357_544
    assert count(models.vgg11()) == 132_863_336
    state = model.state_dict()
    assert len(state) == 32
    assert tuple(state["features.0.weight"].shape) == (64, 3, 3, 3)
    assert tuple(state["features.28.weight"].shape) == (512, 512, 3, 3)
    assert tuple(state["classifier.0.weight"].shape) == (4096, 512 * 7 * 7)
    assert tuple(state["classifier.6.bias"].shape) == (1000,)
    assert isinstance(model.avgpool, nn.AdaptiveAvgPool2d) and model.avgpool.output_size == (7, 7)
    assert isinstance(model.features[4], nn.MaxPool2d)


def test_vgg_forward_small_and_init(fast_init):
    features = models.make_vgg_layers([8, "M", 16, "M"], batch_norm=True)
    # a narrow VGG: the classifier expects 512 channels, so finish the features with a 1x1 conv
    features.append(nn.Conv2d(16, 512, 1))
    model = models.VGG(features, num_classes=3, dropout=0.0)
    model.eval()
    with np.errstate(all="ignore"):  # the weights hold whatever np.empty gave
        assert model(Tensor(np.zeros((2, 3, 16, 16), dtype=np.float32))).shape == (2, 3)
    assert isinstance(features[1], nn.BatchNorm2d)
    # torchvision's init: convs kaiming_normal_(fan_out, relu) after their default init, Linears N(0, 0.01)
    assert ("kaiming_normal_", (8, 3, 3, 3), (), {"mode": "fan_out", "nonlinearity": "relu"}) in fast_init
    assert ("normal_", (4096, 512 * 7 * 7), (0.0, 0.01), {}) in fast_init
    assert ("normal_", (3, 4096), (0.0, 0.01), {}) in fast_init


@pytest.mark.parametrize("stride", [1, 2])
def test_basic_block_gradients_float64(stride):
    autograd.manual_seed(0)
    down = None
    if stride == 2:
        down = nn.Sequential(nn.Conv2d(2, 3, 1, stride=2, bias=False), nn.BatchNorm2d(3))
    block = models.BasicBlock(2, 3 if stride == 2 else 2, stride=stride, downsample=down).double()
    block.train()
    rng = np.random.default_rng(1)
    x = Tensor(rng.standard_normal((2, 2, 4, 4)), requires_grad=True)
    weights = Tensor(rng.standard_normal((2, 3 if stride == 2 else 2, 4 // stride, 4 // stride)))
    assert autograd.gradcheck(lambda x: block(x), (x,))

    def loss() -> Tensor:
        return (block(x) * weights).sum()

    block.zero_grad()
    loss().backward()
    eps = 1e-6
    for name, p in block.named_parameters():
        flat = p._data.reshape(-1)
        for k in rng.choice(flat.size, size=min(3, flat.size), replace=False):
            saved = flat[k]
            flat[k] = saved + eps
            up = loss().item()
            flat[k] = saved - eps
            down_value = loss().item()
            flat[k] = saved
            numeric = (up - down_value) / (2 * eps)
            assert abs(p.grad._data.reshape(-1)[k] - numeric) < 1e-5 * max(1.0, abs(numeric)), name


def test_bottleneck_shapes():
    down = nn.Sequential(nn.Conv2d(8, 16, 1, stride=2, bias=False), nn.BatchNorm2d(16))
    block = models.Bottleneck(8, 4, stride=2, downsample=down)
    assert block(Tensor(np.zeros((2, 8, 6, 6), dtype=np.float32))).shape == (2, 16, 3, 3)
    assert block.conv2.stride == (2, 2) and block.conv3.out_channels == 16
