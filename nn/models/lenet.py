"""LeNet5: the classic 1x32x32 digit classifier (conv 6@5x5, pool, conv 16@5x5, pool, FC 120, 84, 10)."""

from __future__ import annotations

from collections import OrderedDict

from ..containers import Sequential
from ..layers.activation import Tanh
from ..layers.conv import Conv2d
from ..layers.linear import Flatten, Linear
from ..layers.pooling import AvgPool2d
from ..module import Module

__all__ = ["LeNet5"]


class LeNet5(Sequential):
    """LeNet-5 (LeCun et al., 1998) with full C3 connections and a Linear output layer.

    Layers (on 1x32x32): conv1 6@5x5 -> 6x28x28, pool1 2x2 -> 6x14x14, conv2 16@5x5 -> 16x10x10,
    pool2 2x2 -> 16x5x5, fc1 400->120, fc2 120->84, fc3 84->num_classes. Parameters 156 + 2,416
    + 48,120 + 10,164 + 850 = 61,706 for one input channel and 10 classes.

    The default is the classic choice: tanh activations and average-pool subsampling (the
    paper's S2/S4 average 2x2 blocks; their trainable scale is left out). Pass
    ``activation=nn.ReLU, pool=nn.MaxPool2d`` for the common modern variant.

    Args:
        num_classes: outputs of the last layer.
        in_channels: input channels (1 for digits).
        padding: padding of conv1; ``padding=2`` takes 28x28 MNIST images to the same 28x28
            maps that a 32x32 input gives, so the table above holds unchanged.
        activation: module class (or factory) used after every conv and hidden Linear.
        pool: pooling module class, called as ``pool(2)`` (kernel 2, stride 2).

    Shapes: (N, in_channels, 32, 32) (or 28x28 with padding=2) -> (N, num_classes).
    """

    def __init__(self, num_classes: int = 10, in_channels: int = 1, padding: int = 0,
                 activation=Tanh, pool=AvgPool2d) -> None:
        layers: OrderedDict[str, Module] = OrderedDict()
        layers["conv1"] = Conv2d(in_channels, 6, 5, padding=padding)
        layers["act1"] = activation()
        layers["pool1"] = pool(2)
        layers["conv2"] = Conv2d(6, 16, 5)
        layers["act2"] = activation()
        layers["pool2"] = pool(2)
        layers["flatten"] = Flatten()
        layers["fc1"] = Linear(16 * 5 * 5, 120)
        layers["act3"] = activation()
        layers["fc2"] = Linear(120, 84)
        layers["act4"] = activation()
        layers["fc3"] = Linear(84, num_classes)
        super().__init__(layers)
