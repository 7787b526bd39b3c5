"""ResNet (He et al., 2015) with torchvision's structure, parameter names and initialization."""

from __future__ import annotations

from collections.abc import Callable

from autograd import Tensor

from .. import init
from ..containers import Sequential
from ..layers.activation import ReLU
from ..layers.conv import Conv2d
from ..layers.linear import Identity, Linear
from ..layers.normalization import BatchNorm2d
from ..layers.pooling import AdaptiveAvgPool2d, MaxPool2d
from ..module import Module

__all__ = ["BasicBlock", "Bottleneck", "ResNet", "resnet18", "resnet34", "resnet50"]


def conv3x3(in_planes: int, out_planes: int, stride: int = 1, groups: int = 1, dilation: int = 1) -> Conv2d:
    """3x3 convolution with padding = dilation and no bias (a BatchNorm follows)."""
    return Conv2d(in_planes, out_planes, 3, stride=stride, padding=dilation, groups=groups,
                  bias=False, dilation=dilation)


def conv1x1(in_planes: int, out_planes: int, stride: int = 1) -> Conv2d:
    """1x1 convolution without bias."""
    return Conv2d(in_planes, out_planes, 1, stride=stride, bias=False)


class BasicBlock(Module):
    """Two 3x3 conv-BN layers plus the identity (or `downsample`) shortcut: relu(F(x) + x).

    Args:
        inplanes: input channels.
        planes: output channels (expansion 1).
        stride: stride of the first conv (2 halves H and W).
        downsample: module applied to x for the shortcut when shapes change.
        norm_layer: normalization class (BatchNorm2d).

    Shapes: (N, inplanes, H, W) -> (N, planes, H / stride, W / stride).
    """

    expansion = 1

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: Module | None = None,
                 groups: int = 1, base_width: int = 64, dilation: int = 1,
                 norm_layer: Callable | None = None) -> None:
        super().__init__()
        norm_layer = BatchNorm2d if norm_layer is None else norm_layer
        if groups != 1 or base_width != 64:
            raise ValueError("BasicBlock: only supports groups=1 and base_width=64")
        if dilation > 1:
            raise ValueError("BasicBlock: dilation > 1 is not supported")
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = norm_layer(planes)
        self.relu = ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = norm_layer(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x: Tensor) -> Tensor:
        """relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))."""
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(out + identity)


class Bottleneck(Module):
    """1x1 reduce, 3x3 (carrying the stride, as torchvision's "ResNet v1.5"), 1x1 expand by 4, plus shortcut.

    Args:
        inplanes: input channels.
        planes: bottleneck channels; the output has planes * 4.
        stride: stride of the 3x3 conv.
        downsample: module applied to x for the shortcut when shapes change.
        groups, base_width: ResNeXt width: width = planes * base_width / 64 * groups.
        dilation: dilation of the 3x3 conv.
        norm_layer: normalization class (BatchNorm2d).

    Shapes: (N, inplanes, H, W) -> (N, 4 * planes, H / stride, W / stride).
    """

    expansion = 4

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: Module | None = None,
                 groups: int = 1, base_width: int = 64, dilation: int = 1,
                 norm_layer: Callable | None = None) -> None:
        super().__init__()
        norm_layer = BatchNorm2d if norm_layer is None else norm_layer
        width = int(planes * (base_width / 64.0)) * groups
        self.conv1 = conv1x1(inplanes, width)
        self.bn1 = norm_layer(width)
        self.conv2 = conv3x3(width, width, stride, groups, dilation)
        self.bn2 = norm_layer(width)
        self.conv3 = conv1x1(width, planes * self.expansion)
        self.bn3 = norm_layer(planes * self.expansion)
        self.relu = ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x: Tensor) -> Tensor:
        """relu(bn3(conv3(relu(bn2(conv2(relu(bn1(conv1(x)))))))) + shortcut(x))."""
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(out + identity)


class ResNet(Module):
    """ResNet: stem (7x7/2 conv, BN, ReLU, 3x3/2 max-pool), four stages of blocks, global average
    pool, Linear. Names and shapes of parameters match torchvision (``conv1.weight``,
    ``layer1.0.conv1.weight``, ``layer2.0.downsample.0.weight``, ``fc.weight``, ...).

    Args:
        block: `BasicBlock` or `Bottleneck`.
        layers: blocks per stage, e.g. [2, 2, 2, 2] for ResNet-18.
        num_classes: outputs of `fc`.
        in_channels: input channels (3 for RGB).
        zero_init_residual: zero the last BN weight of each block, so blocks start as identities.
        groups, width_per_group: ResNeXt / wide-ResNet options (as torchvision).
        replace_stride_with_dilation: three bools: dilate stages 2-4 instead of striding.
        norm_layer: normalization class (BatchNorm2d).
        small_input: for 32x32 images (CIFAR, MNIST): a 3x3 stride-1 stem conv and no max-pool
            (changes conv1's shape; off by default, which is torchvision's layout).

    Initialization (torchvision): convs kaiming_normal_(mode='fan_out', nonlinearity='relu'),
    BN weight 1 and bias 0, fc PyTorch's Linear default.

    Shapes: (N, in_channels, H, W) -> (N, num_classes); 224x224 gives 7x7 maps before pooling.
    """

    def __init__(self, block: type, layers: list[int], num_classes: int = 1000, in_channels: int = 3,
                 zero_init_residual: bool = False, groups: int = 1, width_per_group: int = 64,
                 replace_stride_with_dilation: list[bool] | None = None,
                 norm_layer: Callable | None = None, small_input: bool = False) -> None:
        super().__init__()
        if block not in (BasicBlock, Bottleneck) and not hasattr(block, "expansion"):
            raise TypeError(f"ResNet: block must be BasicBlock, Bottleneck or a class with `expansion`, got {block!r}")
        if len(layers) != 4:
            raise ValueError(f"ResNet: layers must give 4 stage depths, got {layers!r}")
        self._norm_layer = BatchNorm2d if norm_layer is None else norm_layer
        self.inplanes = 64
        self.dilation = 1
        replace = replace_stride_with_dilation or [False, False, False]
        if len(replace) != 3:
            raise ValueError(f"ResNet: replace_stride_with_dilation should be None or a 3-element list, got {replace!r}")
        self.groups = groups
        self.base_width = width_per_group
        if small_input:
            self.conv1 = Conv2d(in_channels, self.inplanes, 3, stride=1, padding=1, bias=False)
        else:
            self.conv1 = Conv2d(in_channels, self.inplanes, 7, stride=2, padding=3, bias=False)
        self.bn1 = self._norm_layer(self.inplanes)
        self.relu = ReLU(inplace=True)
        self.maxpool = Identity() if small_input else MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, 64, layers[0])
        self.layer2 = self._make_layer(block, 128, layers[1], stride=2, dilate=replace[0])
        self.layer3 = self._make_layer(block, 256, layers[2], stride=2, dilate=replace[1])
        self.layer4 = self._make_layer(block, 512, layers[3], stride=2, dilate=replace[2])
        self.avgpool = AdaptiveAvgPool2d((1, 1))
        self.fc = Linear(512 * block.expansion, num_classes)
        for m in self.modules():
            if isinstance(m, Conv2d):
                init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, BatchNorm2d):
                init.ones_(m.weight)
                init.zeros_(m.bias)
        if zero_init_residual:
            for m in self.modules():
                if isinstance(m, Bottleneck):
                    init.zeros_(m.bn3.weight)
                elif isinstance(m, BasicBlock):
                    init.zeros_(m.bn2.weight)

    def _make_layer(self, block: type, planes: int, blocks: int, stride: int = 1,
                    dilate: bool = False) -> Sequential:
        """One stage: the first block may stride and gets a 1x1 conv + BN downsample shortcut."""
        norm_layer = self._norm_layer
        downsample = None
        previous_dilation = self.dilation
        if dilate:
            self.dilation *= stride
            stride = 1
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = Sequential(conv1x1(self.inplanes, planes * block.expansion, stride),
                                    norm_layer(planes * block.expansion))
        layers = [block(self.inplanes, planes, stride, downsample, self.groups, self.base_width,
                        previous_dilation, norm_layer)]
        self.inplanes = planes * block.expansion
        for _ in range(1, blocks):
            layers.append(block(self.inplanes, planes, groups=self.groups, base_width=self.base_width,
                                dilation=self.dilation, norm_layer=norm_layer))
        return Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        """(N, C, H, W) -> (N, num_classes)."""
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = self.avgpool(x)
        return self.fc(x.flatten(1))


def resnet18(num_classes: int = 1000, in_channels: int = 3, **kwargs) -> ResNet:
    """ResNet-18: BasicBlock x [2, 2, 2, 2]; 11,689,512 parameters at 1000 classes."""
    return ResNet(BasicBlock, [2, 2, 2, 2], num_classes=num_classes, in_channels=in_channels, **kwargs)


def resnet34(num_classes: int = 1000, in_channels: int = 3, **kwargs) -> ResNet:
    """ResNet-34: BasicBlock x [3, 4, 6, 3]; 21,797,672 parameters at 1000 classes."""
    return ResNet(BasicBlock, [3, 4, 6, 3], num_classes=num_classes, in_channels=in_channels, **kwargs)


def resnet50(num_classes: int = 1000, in_channels: int = 3, **kwargs) -> ResNet:
    """ResNet-50: Bottleneck x [3, 4, 6, 3]; 25,557,032 parameters at 1000 classes."""
    return ResNet(Bottleneck, [3, 4, 6, 3], num_classes=num_classes, in_channels=in_channels, **kwargs)
