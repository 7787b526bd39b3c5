"""MLP: a stack of Linear layers with an activation (and optional dropout) between them."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable, Sequence

from ..containers import Sequential
from ..layers.activation import ReLU
from ..layers.dropout import Dropout
from ..layers.linear import Flatten, Linear
from ..module import Module

__all__ = ["MLP"]


def _make(activation) -> Module:
    """A fresh activation module from a class/factory, or a copy of a given instance."""
    if isinstance(activation, Module):
        return copy.deepcopy(activation)
    module = activation()
    if not isinstance(module, Module):
        raise TypeError(f"MLP: activation must build an nn.Module, got {type(module).__name__}")
    return module


class MLP(Sequential):
    """Multi-layer perceptron: Linear(sizes[0], sizes[1]) -> act -> ... -> Linear(sizes[-2], sizes[-1]).

    No activation follows the last layer (it returns logits / raw outputs).

    Args:
        sizes: layer widths including input and output, e.g. ``[784, 256, 10]``.
        activation: module class or factory called once per hidden layer (``nn.ReLU``,
            ``nn.Tanh``, ``lambda: nn.LeakyReLU(0.1)``), or a module instance (copied).
        dropout: probability of the Dropout placed after each hidden activation (0 = none).
        bias: give every Linear a bias.
        flatten: start with ``nn.Flatten()``, so images (N, C, H, W) go in directly.

    Shapes: (N, sizes[0]) -> (N, sizes[-1]); parameters = sum of (a + 1) * b over
    consecutive widths (a, b) (without the + 1 when `bias` is False).
    """

    def __init__(self, sizes: Sequence[int], activation: Callable | Module = ReLU, dropout: float = 0.0,
                 bias: bool = True, flatten: bool = False) -> None:
        sizes = list(sizes)
        if len(sizes) < 2 or any(isinstance(s, bool) or not isinstance(s, int) or s < 1 for s in sizes):
            raise ValueError(f"MLP: sizes must list at least two positive ints (input and output widths), got {sizes!r}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"MLP: dropout must be in [0, 1), got {dropout!r}")
        layers: list[Module] = [Flatten()] if flatten else []
        for i, (a, b) in enumerate(itertools.pairwise(sizes)):
            layers.append(Linear(a, b, bias=bias))
            if i < len(sizes) - 2:
                layers.append(_make(activation))
                if dropout > 0:
                    layers.append(Dropout(dropout))
        super().__init__(*layers)
        self.sizes = sizes
