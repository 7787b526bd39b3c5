"""DenseNet (Huang et al., 2017) with torchvision's structure and parameter names
(``features.conv0.weight``, ``features.denseblock1.denselayer1.norm1.weight``,
``features.transition1.conv.weight``, ``features.norm5.weight``, ``classifier.weight``)."""

from __future__ import annotations

from collections import OrderedDict

from autograd import Tensor, cat

from .. import init
from ..containers import ModuleDict, Sequential
from ..functional.activation import relu
from ..functional.dropout import dropout
from ..functional.pooling import adaptive_avg_pool2d
from ..layers.activation import ReLU
from ..layers.conv import Conv2d
from ..layers.linear import Identity, Linear
from ..layers.normalization import BatchNorm2d
from ..layers.pooling import AvgPool2d, MaxPool2d
from ..module import Module

__all__ = ["DenseBlock", "DenseLayer", "DenseNet", "Transition", "densenet121"]


class DenseLayer(Module):
    """One layer of a dense block: BN, ReLU, 1x1 conv to bn_size * growth_rate channels (the
    bottleneck), BN, ReLU, 3x3 conv to growth_rate channels, on the concatenation of all earlier
    feature maps of the block.

    Shapes: a list of (N, C_i, H, W) (or one tensor) with sum C_i = num_input_features
    -> (N, growth_rate, H, W).
    """

    def __init__(self, num_input_features: int, growth_rate: int, bn_size: int,
                 drop_rate: float = 0.0) -> None:
        super().__init__()
        self.norm1 = BatchNorm2d(num_input_features)
        self.relu1 = ReLU(inplace=True)
        self.conv1 = Conv2d(num_input_features, bn_size * growth_rate, 1, bias=False)
        self.norm2 = BatchNorm2d(bn_size * growth_rate)
        self.relu2 = ReLU(inplace=True)
        self.conv2 = Conv2d(bn_size * growth_rate, growth_rate, 3, padding=1, bias=False)
        self.drop_rate = float(drop_rate)

    def forward(self, features) -> Tensor:
        """growth_rate new channels from the concatenated earlier features."""
        x = features if isinstance(features, Tensor) else cat(list(features), 1)
        x = self.conv1(self.relu1(self.norm1(x)))
        x = self.conv2(self.relu2(self.norm2(x)))
        if self.drop_rate > 0:
            x = dropout(x, self.drop_rate, self.training)
        return x


class DenseBlock(ModuleDict):
    """`num_layers` DenseLayers (``denselayer1``, ...); layer i sees the block input and the
    outputs of layers 1..i-1, so the block adds num_layers * growth_rate channels.

    Shapes: (N, C, H, W) -> (N, C + num_layers * growth_rate, H, W).
    """

    def __init__(self, num_layers: int, num_input_features: int, bn_size: int, growth_rate: int,
                 drop_rate: float = 0.0) -> None:
        super().__init__()
        for i in range(num_layers):
            layer = DenseLayer(num_input_features + i * growth_rate, growth_rate, bn_size, drop_rate)
            self.add_module(f"denselayer{i + 1}", layer)

    def forward(self, x: Tensor) -> Tensor:
        """The input and every layer's output, concatenated on dim 1."""
        features = [x]
        for layer in self.values():
            features.append(layer(features))
        return cat(features, 1)


class Transition(Sequential):
    """Between dense blocks: BN, ReLU, 1x1 conv (compression), 2x2 average pool (halves H, W).

    Shapes: (N, num_input_features, H, W) -> (N, num_output_features, H // 2, W // 2).
    """

    def __init__(self, num_input_features: int, num_output_features: int) -> None:
        super().__init__(OrderedDict([
            ("norm", BatchNorm2d(num_input_features)),
            ("relu", ReLU(inplace=True)),
            ("conv", Conv2d(num_input_features, num_output_features, 1, bias=False)),
            ("pool", AvgPool2d(kernel_size=2, stride=2)),
        ]))


class DenseNet(Module):
    """DenseNet-BC: stem (7x7/2 conv, BN, ReLU, 3x3/2 max-pool), dense blocks separated by
    transitions that halve the channels, a final BN, ReLU, global average pool, Linear.

    Args:
        growth_rate: channels each DenseLayer adds (k in the paper).
        block_config: layers per dense block, e.g. (6, 12, 24, 16) for DenseNet-121.
        num_init_features: channels of the stem conv.
        bn_size: bottleneck width as a multiple of growth_rate.
        drop_rate: dropout after each DenseLayer.
        num_classes: outputs of `classifier`.
        memory_efficient: accepted for torchvision compatibility; must be False (no checkpointing).
        in_channels: input channels.
        small_input: for 28x28 / 32x32 images: a 3x3 stride-1 stem conv and no max-pool.

    Initialization (torchvision): convs kaiming_normal_, BN 1 / 0, Linear bias 0.
    Shapes: (N, in_channels, H, W) -> (N, num_classes).
    """

    def __init__(self, growth_rate: int = 32, block_config: tuple = (6, 12, 24, 16),
                 num_init_features: int = 64, bn_size: int = 4, drop_rate: float = 0.0,
                 num_classes: int = 1000, memory_efficient: bool = False, in_channels: int = 3,
                 small_input: bool = False) -> None:
        super().__init__()
        if memory_efficient:
            raise ValueError("DenseNet: memory_efficient=True (gradient checkpointing) is not "
                             "supported; pass memory_efficient=False")
        if small_input:
            stem = [("conv0", Conv2d(in_channels, num_init_features, 3, padding=1, bias=False)),
                    ("norm0", BatchNorm2d(num_init_features)), ("relu0", ReLU(inplace=True)),
                    ("pool0", Identity())]
        else:
            stem = [("conv0", Conv2d(in_channels, num_init_features, 7, stride=2, padding=3, bias=False)),
                    ("norm0", BatchNorm2d(num_init_features)), ("relu0", ReLU(inplace=True)),
                    ("pool0", MaxPool2d(kernel_size=3, stride=2, padding=1))]
        self.features = Sequential(OrderedDict(stem))
        channels = num_init_features
        for i, num_layers in enumerate(block_config):
            block = DenseBlock(num_layers, channels, bn_size, growth_rate, drop_rate)
            self.features.add_module(f"denseblock{i + 1}", block)
            channels += num_layers * growth_rate
            if i != len(block_config) - 1:
                self.features.add_module(f"transition{i + 1}", Transition(channels, channels // 2))
                channels //= 2
        self.features.add_module("norm5", BatchNorm2d(channels))
        self.classifier = Linear(channels, num_classes)
        for m in self.modules():
            if isinstance(m, Conv2d):
                init.kaiming_normal_(m.weight)
            elif isinstance(m, BatchNorm2d):
                init.ones_(m.weight)
                init.zeros_(m.bias)
            elif isinstance(m, Linear):
                init.zeros_(m.bias)

    def forward(self, x: Tensor) -> Tensor:
        """(N, C, H, W) -> (N, num_classes)."""
        x = relu(self.features(x))
        return self.classifier(adaptive_avg_pool2d(x, (1, 1)).flatten(1))


def densenet121(num_classes: int = 1000, **kwargs) -> DenseNet:
    """DenseNet-121: growth 32, blocks (6, 12, 24, 16), 64 stem channels; 7,978,856 parameters."""
    return DenseNet(32, (6, 12, 24, 16), 64, num_classes=num_classes, **kwargs)
