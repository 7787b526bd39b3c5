"""VGG (Simonyan & Zisserman, 2014) with torchvision's layout: `features.N`, `avgpool`, `classifier.N`."""

from __future__ import annotations

from autograd import Tensor

from .. import init
from ..containers import Sequential
from ..layers.activation import ReLU
from ..layers.conv import Conv2d
from ..layers.dropout import Dropout
from ..layers.linear import Linear
from ..layers.normalization import BatchNorm2d
from ..layers.pooling import AdaptiveAvgPool2d, MaxPool2d
from ..module import Module

__all__ = ["VGG", "make_vgg_layers", "vgg11", "vgg16"]

# channel counts of the 3x3 convs; "M" is a 2x2 max-pool (torchvision's configurations A and D)
CONFIGS = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
}


def make_vgg_layers(cfg: list, batch_norm: bool = False, in_channels: int = 3) -> Sequential:
    """The `features` stack: Conv2d(3x3, padding 1) [+ BatchNorm2d] + ReLU per number, MaxPool2d(2) per "M"."""
    layers: list[Module] = []
    for v in cfg:
        if v == "M":
            layers.append(MaxPool2d(kernel_size=2, stride=2))
            continue
        layers.append(Conv2d(in_channels, v, kernel_size=3, padding=1))
        if batch_norm:
            layers.append(BatchNorm2d(v))
        layers.append(ReLU(inplace=True))
        in_channels = v
    return Sequential(*layers)


class VGG(Module):
    """VGG: `features`, AdaptiveAvgPool2d((7, 7)), then the classifier
    Linear(512*7*7, 4096), ReLU, Dropout, Linear(4096, 4096), ReLU, Dropout, Linear(4096, num_classes).

    Args:
        features: the conv stack (see `make_vgg_layers`), ending with 512 channels.
        num_classes: outputs of the last Linear.
        init_weights: torchvision's init: convs kaiming_normal_(fan_out, relu) with zero bias,
            BN 1 / 0, Linears N(0, 0.01) with zero bias.
        dropout: probability of both Dropouts.

    Shapes: (N, 3, H, W) -> (N, num_classes); H, W >= 32 (224 gives 7x7 maps before the pool).
    """

    def __init__(self, features: Module, num_classes: int = 1000, init_weights: bool = True,
                 dropout: float = 0.5) -> None:
        super().__init__()
        self.features = features
        self.avgpool = AdaptiveAvgPool2d((7, 7))
        self.classifier = Sequential(
            Linear(512 * 7 * 7, 4096), ReLU(True), Dropout(p=dropout),
            Linear(4096, 4096), ReLU(True), Dropout(p=dropout),
            Linear(4096, num_classes),
        )
        if init_weights:
            for m in self.modules():
                if isinstance(m, Conv2d):
                    init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                    if m.bias is not None:
                        init.zeros_(m.bias)
                elif isinstance(m, BatchNorm2d):
                    init.ones_(m.weight)
                    init.zeros_(m.bias)
                elif isinstance(m, Linear):
                    init.normal_(m.weight, 0.0, 0.01)
                    init.zeros_(m.bias)

    def forward(self, x: Tensor) -> Tensor:
        """(N, 3, H, W) -> (N, num_classes)."""
        x = self.avgpool(self.features(x))
        return self.classifier(x.flatten(1))


def vgg11(num_classes: int = 1000, in_channels: int = 3, batch_norm: bool = False, **kwargs) -> VGG:
    """VGG-11 (configuration A); 132,863,336 parameters at 1000 classes without BN."""
    return VGG(make_vgg_layers(CONFIGS["A"], batch_norm, in_channels), num_classes=num_classes, **kwargs)


def vgg16(num_classes: int = 1000, in_channels: int = 3, batch_norm: bool = False, **kwargs) -> VGG:
    """VGG-16 (configuration D); 138,357,544 parameters at 1000 classes without BN."""
    return VGG(make_vgg_layers(CONFIGS["D"], batch_norm, in_channels), num_classes=num_classes, **kwargs)
