"""DeepConvNet: the "deeper CNN" for 28x28 MNIST from "Deep Learning from Scratch" (Saito, ch. 8)."""

from __future__ import annotations

from collections import OrderedDict

from .. import init
from ..containers import Sequential
from ..layers.activation import ReLU
from ..layers.conv import Conv2d
from ..layers.dropout import Dropout
from ..layers.linear import Flatten, Linear
from ..layers.pooling import MaxPool2d
from ..module import Module

__all__ = ["DeepConvNet"]

CHANNELS = (16, 16, 32, 32, 64, 64)


class DeepConvNet(Sequential):
    """Six 3x3 convs (16, 16, 32, 32, 64, 64 channels, padding 1) with ReLU, a 2x2 max-pool after
    each pair, then FC 64*3*3 -> 50, ReLU, Dropout(0.5), FC 50 -> num_classes.

    Spatial sizes on 28x28: 28 -> 14 -> 7 -> 3 (the last pool floors 7 / 2). All convs and
    Linears use He initialization, N(0, 2 / fan_in) (kaiming_normal_ with ReLU gain), and zero
    biases, as the book. The book also pads the fourth conv by 2 and puts a second Dropout after
    the output layer; here every conv pads by 1 and the output is left undropped.

    Args:
        num_classes: outputs of the last layer.
        in_channels: input channels (1 for MNIST).
        input_size: input height = width; sets the FC input (64 * (input_size // 8)^2).
        dropout: probability of the Dropout after the hidden FC layer.

    Shapes: (N, in_channels, input_size, input_size) -> (N, num_classes).
    """

    def __init__(self, num_classes: int = 10, in_channels: int = 1, input_size: int = 28,
                 dropout: float = 0.5) -> None:
        side = input_size // 8
        if side < 1:
            raise ValueError(f"DeepConvNet: input_size must be at least 8, got {input_size}")
        layers: OrderedDict[str, Module] = OrderedDict()
        previous = in_channels
        for i, channels in enumerate(CHANNELS):
            layers[f"conv{i + 1}"] = Conv2d(previous, channels, 3, padding=1)
            layers[f"relu{i + 1}"] = ReLU()
            if i % 2 == 1:
                layers[f"pool{i // 2 + 1}"] = MaxPool2d(2)
            previous = channels
        layers["flatten"] = Flatten()
        layers["fc1"] = Linear(previous * side * side, 50)
        layers["relu7"] = ReLU()
        layers["dropout"] = Dropout(dropout)
        layers["fc2"] = Linear(50, num_classes)
        super().__init__(layers)
        for module in self.modules():
            if isinstance(module, (Conv2d, Linear)):
                init.kaiming_normal_(module.weight, nonlinearity="relu")
                init.zeros_(module.bias)


