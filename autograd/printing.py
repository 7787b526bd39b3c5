"""PyTorch-like printing of tensors: ``tensor([1., 2.], requires_grad=True)``."""

from __future__ import annotations

import numpy as np


def format_tensor(t) -> str:
    """PyTorch-like repr: ``tensor([1., 2.], requires_grad=True)``."""
    data = t._data
    prefix = "tensor("
    if data.dtype.kind == "f" and data.size and np.all(np.isfinite(data)) and np.all(data == np.round(data)):
        body = np.array2string(data, separator=", ", prefix=prefix, max_line_width=80)
    elif data.dtype.kind == "f":
        body = np.array2string(
            data, separator=", ", prefix=prefix, precision=4, floatmode="fixed",
            suppress_small=True, max_line_width=80,
        )
    else:
        body = np.array2string(data, separator=", ", prefix=prefix, max_line_width=80)
    # an empty tensor of other than one dim shows its size, as PyTorch (the body is "[]" always)
    extras = [f"size={data.shape}"] if data.size == 0 and data.ndim != 1 else []
    if data.dtype not in (np.float32, np.int64, np.bool_) or (data.size == 0 and data.dtype != np.float32):
        extras.append(f"dtype={data.dtype}")
    if t.grad_fn is not None:
        extras.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        extras.append("requires_grad=True")
    return prefix + body + "".join(", " + e for e in extras) + ")"
