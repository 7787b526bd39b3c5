"""GoogLeNet / Inception v1 (Szegedy et al., 2014) with torchvision's structure and parameter names
(``conv1.conv.weight``, ``inception3a.branch2.1.bn.weight``, ``aux1.fc1.weight``, ``fc.weight``)."""

from __future__ import annotations

from collections import namedtuple

from autograd import Tensor, cat

from .. import init
from ..containers import Sequential
from ..functional.activation import relu
from ..functional.pooling import adaptive_avg_pool2d
from ..layers.conv import Conv2d
from ..layers.dropout import Dropout
from ..layers.linear import Linear
from ..layers.normalization import BatchNorm2d
from ..layers.pooling import AdaptiveAvgPool2d, MaxPool2d
from ..module import Module

__all__ = ["BasicConv2d", "GoogLeNet", "GoogLeNetOutputs", "Inception", "InceptionAux", "googlenet"]

GoogLeNetOutputs = namedtuple("GoogLeNetOutputs", ["logits", "aux_logits2", "aux_logits1"])

# (in, 1x1, 3x3 reduce, 3x3, 5x5 reduce, 5x5, pool proj) of each Inception block, as the paper's table
_BLOCKS = {
    "3a": (192, 64, 96, 128, 16, 32, 32), "3b": (256, 128, 128, 192, 32, 96, 64),
    "4a": (480, 192, 96, 208, 16, 48, 64), "4b": (512, 160, 112, 224, 24, 64, 64),
    "4c": (512, 128, 128, 256, 24, 64, 64), "4d": (512, 112, 144, 288, 32, 64, 64),
    "4e": (528, 256, 160, 320, 32, 128, 128), "5a": (832, 256, 160, 320, 32, 128, 128),
    "5b": (832, 384, 192, 384, 48, 128, 128),
}


class BasicConv2d(Module):
    """Conv2d without bias, BatchNorm2d(eps=0.001), ReLU: `conv`, `bn`."""

    def __init__(self, in_channels: int, out_channels: int, **kwargs) -> None:
        super().__init__()
        self.conv = Conv2d(in_channels, out_channels, bias=False, **kwargs)
        self.bn = BatchNorm2d(out_channels, eps=0.001)

    def forward(self, x: Tensor) -> Tensor:
        """relu(bn(conv(x)))."""
        return relu(self.bn(self.conv(x)))


class Inception(Module):
    """Four parallel branches concatenated along channels: 1x1; 1x1 bottleneck then 3x3; 1x1
    bottleneck then the "5x5" branch; 3x3/1 max-pool then 1x1 projection.

    The bottlenecks cut the cost of the wide convolutions: a 3x3 from 192 to 128 channels costs
    221,184 weights, through a 96-channel 1x1 only 18,432 + 110,592. As torchvision (and its
    published 6,624,904 parameters), the "5x5" branch uses a 3x3 kernel (torchvision issue 906).

    Shapes: (N, in_channels, H, W) -> (N, ch1x1 + ch3x3 + ch5x5 + pool_proj, H, W).
    """

    def __init__(self, in_channels: int, ch1x1: int, ch3x3red: int, ch3x3: int, ch5x5red: int,
                 ch5x5: int, pool_proj: int, conv_block=None) -> None:
        super().__init__()
        conv_block = BasicConv2d if conv_block is None else conv_block
        self.branch1 = conv_block(in_channels, ch1x1, kernel_size=1)
        self.branch2 = Sequential(conv_block(in_channels, ch3x3red, kernel_size=1),
                                  conv_block(ch3x3red, ch3x3, kernel_size=3, padding=1))
        self.branch3 = Sequential(conv_block(in_channels, ch5x5red, kernel_size=1),
                                  conv_block(ch5x5red, ch5x5, kernel_size=3, padding=1))
        self.branch4 = Sequential(MaxPool2d(kernel_size=3, stride=1, padding=1, ceil_mode=True),
                                  conv_block(in_channels, pool_proj, kernel_size=1))

    def forward(self, x: Tensor) -> Tensor:
        """The four branches' outputs concatenated on dim 1."""
        return cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], 1)


class InceptionAux(Module):
    """Auxiliary classifier: adaptive 4x4 average pool, 1x1 conv to 128, Linear(2048, 1024), ReLU,
    Dropout(dropout), Linear(1024, num_classes)."""

    def __init__(self, in_channels: int, num_classes: int, conv_block=None, dropout: float = 0.7,
                 hidden: int = 1024, width: int = 128) -> None:
        super().__init__()
        conv_block = BasicConv2d if conv_block is None else conv_block
        self.conv = conv_block(in_channels, width, kernel_size=1)
        self.fc1 = Linear(width * 16, hidden)
        self.fc2 = Linear(hidden, num_classes)
        self.dropout = Dropout(p=dropout)

    def forward(self, x: Tensor) -> Tensor:
        """(N, in_channels, H, W) -> (N, num_classes)."""
        x = self.conv(adaptive_avg_pool2d(x, (4, 4))).flatten(1)
        return self.fc2(self.dropout(relu(self.fc1(x))))


class GoogLeNet(Module):
    """GoogLeNet: stem (7x7/2 conv, pool, 1x1, 3x3, pool), Inception 3a-3b, pool, 4a-4e, pool,
    5a-5b, global average pool, Dropout, Linear(1024, num_classes); optional auxiliary heads
    after 4a and 4d. Max-pools round up (ceil_mode), as torchvision.

    Args:
        num_classes: outputs of `fc` (and of the auxiliary heads).
        aux_logits: build `aux1` and `aux2`; in training mode `forward` then returns
            GoogLeNetOutputs(logits, aux_logits2, aux_logits1), in eval mode only the logits.
        transform_input: rescale ImageNet-normalized RGB input to the (x - 0.5) / 0.5 range the
            ported weights expect (3 input channels only).
        init_weights: torchvision's init (convs and Linears N(0, 0.01) truncated to [-2, 2], BN
            1 / 0); None means True.
        dropout, dropout_aux: dropout before `fc` and in the auxiliary heads.
        in_channels: input channels.
        small_input: for 28x28 / 32x32 images: a 3x3 stride-1 first conv (the four pools then
            take 28 to 2).
        width_mult: scales every channel count (0.25: Inception 3a has 16 + 32 + 8 + 8 outputs);
            1.0 is the published network.

    Parameters: 6,624,904 at 1000 classes without the auxiliary heads (13,004,888 with them).
    Shapes: (N, in_channels, 224, 224) (or 28x28 with small_input) -> (N, num_classes).
    """

    def __init__(self, num_classes: int = 1000, aux_logits: bool = True, transform_input: bool = False,
                 init_weights: bool | None = None, blocks=None, dropout: float = 0.2,
                 dropout_aux: float = 0.7, in_channels: int = 3, small_input: bool = False,
                 width_mult: float = 1.0) -> None:
        super().__init__()
        conv_block, inception_block, aux_block = blocks or (BasicConv2d, Inception, InceptionAux)
        if transform_input and in_channels != 3:
            raise ValueError(f"GoogLeNet: transform_input needs 3 input channels, got {in_channels}")
        self.aux_logits = aux_logits
        self.transform_input = transform_input

        def w(c: int) -> int:
            return max(1, round(c * width_mult))

        if small_input:
            self.conv1 = conv_block(in_channels, w(64), kernel_size=3, stride=1, padding=1)
        else:
            self.conv1 = conv_block(in_channels, w(64), kernel_size=7, stride=2, padding=3)
        self.maxpool1 = MaxPool2d(3, stride=2, ceil_mode=True)
        self.conv2 = conv_block(w(64), w(64), kernel_size=1)
        self.conv3 = conv_block(w(64), w(192), kernel_size=3, padding=1)
        self.maxpool2 = MaxPool2d(3, stride=2, ceil_mode=True)
        for name in ("3a", "3b", "4a", "4b", "4c", "4d", "4e", "5a", "5b"):
            setattr(self, f"inception{name}", inception_block(*(w(c) for c in _BLOCKS[name])))
            if name == "3b":
                self.maxpool3 = MaxPool2d(3, stride=2, ceil_mode=True)
            elif name == "4e":
                self.maxpool4 = MaxPool2d(2, stride=2, ceil_mode=True)
        if aux_logits:
            # NOTE: torchvision's aux-block signature (in, classes, dropout=); sizes only when scaled
            sizes = {} if width_mult == 1.0 else {"hidden": w(1024), "width": w(128)}
            self.aux1 = aux_block(w(512), num_classes, dropout=dropout_aux, **sizes)
            self.aux2 = aux_block(w(528), num_classes, dropout=dropout_aux, **sizes)
        else:
            self.aux1 = None
            self.aux2 = None
        self.avgpool = AdaptiveAvgPool2d((1, 1))
        self.dropout = Dropout(p=dropout)
        self.fc = Linear(w(1024), num_classes)
        if init_weights is None or init_weights:
            for m in self.modules():
                if isinstance(m, (Conv2d, Linear)):
                    init.trunc_normal_(m.weight, mean=0.0, std=0.01, a=-2, b=2)
                elif isinstance(m, BatchNorm2d):
                    init.ones_(m.weight)
                    init.zeros_(m.bias)

    def _transform(self, x: Tensor) -> Tensor:
        if not self.transform_input:
            return x
        channels = [x[:, i:i + 1] * (std / 0.5) + (mean - 0.5) / 0.5
                    for i, (mean, std) in enumerate(((0.485, 0.229), (0.456, 0.224), (0.406, 0.225)))]
        return cat(channels, 1)

    def forward(self, x: Tensor):
        """Logits (N, num_classes), or GoogLeNetOutputs in training mode with aux_logits."""
        x = self.maxpool1(self.conv1(self._transform(x)))
        x = self.maxpool2(self.conv3(self.conv2(x)))
        x = self.maxpool3(self.inception3b(self.inception3a(x)))
        x = self.inception4a(x)
        heads = self.training and self.aux_logits
        aux1 = self.aux1(x) if heads and self.aux1 is not None else None
        x = self.inception4d(self.inception4c(self.inception4b(x)))
        aux2 = self.aux2(x) if heads and self.aux2 is not None else None
        x = self.maxpool4(self.inception4e(x))
        x = self.avgpool(self.inception5b(self.inception5a(x)))
        x = self.fc(self.dropout(x.flatten(1)))
        return GoogLeNetOutputs(x, aux2, aux1) if heads else x


def googlenet(num_classes: int = 1000, **kwargs) -> GoogLeNet:
    """GoogLeNet as torchvision builds it untrained (auxiliary heads on unless aux_logits=False):
    6,624,904 parameters at 1000 classes without the heads, 13,004,888 with them."""
    return GoogLeNet(num_classes=num_classes, **kwargs)
