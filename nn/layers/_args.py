"""Constructor argument checks shared by the layers: sizes and the parameters' dtype."""

from __future__ import annotations

import numpy as np


def size(layer: str, name: str, value, minimum: int = 1) -> int:
    """`value` as an int of at least `minimum` (1: a positive size; 0: sizes that may be empty,
    as Linear's); ValueError naming the layer and the argument otherwise (bools are refused)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        kind = {0: "non-negative", 1: "positive"}.get(minimum, f">= {minimum}")
        raise ValueError(f"{layer}: {name} must be a {kind} int, got {value!r}")
    return int(value)


def param_dtype(layer: str, dtype) -> np.dtype:
    """The dtype of a layer's parameters: float32 for None; TypeError for a non-floating dtype."""
    dtype = np.dtype(np.float32 if dtype is None else dtype)
    if dtype.kind != "f":
        raise TypeError(f"{layer}: parameters need a floating point dtype, got {dtype}")
    return dtype
