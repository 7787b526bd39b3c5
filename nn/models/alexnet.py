"""AlexNet (Krizhevsky et al., 2012) in torchvision's single-tower variant: `features.N`,
`avgpool`, `classifier.N`, 61,100,840 parameters at 1000 classes."""

from __future__ import annotations

from autograd import Tensor

from ..containers import Sequential
from ..layers.activation import ReLU
from ..layers.conv import Conv2d
from ..layers.dropout import Dropout
from ..layers.linear import Linear
from ..layers.lrn import LocalResponseNorm
from ..layers.pooling import AdaptiveAvgPool2d, MaxPool2d
from ..module import Module

__all__ = ["AlexNet", "alexnet"]


def _scaled(channels: int, width_mult: float) -> int:
    return max(1, round(channels * width_mult))


class AlexNet(Module):
    """Five convolutions (64@11x11/4, 192@5x5, 384, 256, 256 @3x3) with three 3x3/2 max-pools,
    AdaptiveAvgPool2d((6, 6)), then Dropout, Linear(9216, 4096), ReLU, Dropout, Linear(4096, 4096),
    ReLU, Linear(4096, num_classes). Same parameter names as torchvision.

    Args:
        num_classes: outputs of the last Linear.
        dropout: probability of both Dropouts.
        in_channels: input channels (3 for RGB, 1 for digits).
        small_input: for 28x28 / 32x32 images: the first conv is 5x5 with stride 1 and padding 2
            and the adaptive pool gives 2x2 maps (three 3x3/2 pools take 28 to 2), so the
            classifier starts from 256 * 4 features.
        width_mult: scales every conv's channels and the hidden Linears (0.25 gives 16, 48, 96,
            64, 64 channels and 1024 hidden units); 1.0 is the published network.
        lrn: insert the paper's local response normalization (n=5, alpha=1e-4, beta=0.75, k=2;
            PyTorch divides alpha by size, so LocalResponseNorm(5, alpha=5e-4, k=2)) after
            the first two ReLUs (torchvision leaves it out; it shifts the `features` indices).

    Shapes: (N, in_channels, 224, 224) (or 28x28 with small_input) -> (N, num_classes).
    """

    def __init__(self, num_classes: int = 1000, dropout: float = 0.5, in_channels: int = 3,
                 small_input: bool = False, width_mult: float = 1.0, lrn: bool = False) -> None:
        super().__init__()
        c1, c2, c3, c4, c5 = (_scaled(c, width_mult) for c in (64, 192, 384, 256, 256))
        hidden = _scaled(4096, width_mult)
        first = Conv2d(in_channels, c1, 5, stride=1, padding=2) if small_input else \
            Conv2d(in_channels, c1, 11, stride=4, padding=2)
        norm = [LocalResponseNorm(5, alpha=5e-4, beta=0.75, k=2.0)] if lrn else []
        self.features = Sequential(
            first, ReLU(inplace=True), *norm, MaxPool2d(kernel_size=3, stride=2),
            Conv2d(c1, c2, 5, padding=2), ReLU(inplace=True),
            *[LocalResponseNorm(5, alpha=5e-4, beta=0.75, k=2.0) for _ in norm],
            MaxPool2d(kernel_size=3, stride=2),
            Conv2d(c2, c3, 3, padding=1), ReLU(inplace=True),
            Conv2d(c3, c4, 3, padding=1), ReLU(inplace=True),
            Conv2d(c4, c5, 3, padding=1), ReLU(inplace=True),
            MaxPool2d(kernel_size=3, stride=2),
        )
        side = 2 if small_input else 6
        self.avgpool = AdaptiveAvgPool2d((side, side))
        self.classifier = Sequential(
            Dropout(p=dropout), Linear(c5 * side * side, hidden), ReLU(inplace=True),
            Dropout(p=dropout), Linear(hidden, hidden), ReLU(inplace=True),
            Linear(hidden, num_classes),
        )

    def forward(self, x: Tensor) -> Tensor:
        """(N, C, H, W) -> (N, num_classes)."""
        x = self.avgpool(self.features(x))
        return self.classifier(x.flatten(1))


def alexnet(num_classes: int = 1000, **kwargs) -> AlexNet:
    """torchvision's AlexNet: 61,100,840 parameters at 1000 classes (kwargs go to `AlexNet`)."""
    return AlexNet(num_classes=num_classes, **kwargs)
