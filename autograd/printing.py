"""PyTorch-like printing of tensors: ``tensor([1., 2.], requires_grad=True)``."""

from __future__ import annotations

import numpy as np


def format_tensor(t) -> str:
    """PyTorch-like repr: ``tensor([1., 2.], requires_grad=True)``."""
    data = t._data
    prefix = "tensor("
    finite = np.isfinite(data) if data.dtype.kind == "f" else None
    if data.dtype.kind == "f" and data.size and np.all(finite) and np.all(data == np.round(data)):
        body = np.array2string(data, separator=", ", prefix=prefix, max_line_width=80)
    elif data.dtype.kind == "f" and data.size and _integral(data[finite]):
        body = np.array2string(data, separator=", ", prefix=prefix, max_line_width=80,
                               formatter={"float_kind": _integral_formatter(data[finite])})
    elif data.dtype.kind == "f":
        body = np.array2string(
            data, separator=", ", prefix=prefix, precision=4, floatmode="fixed",
            suppress_small=True, max_line_width=80,
        )
    elif data.dtype == np.bool_ and data.size and data.all():
        # PyTorch pads to the widest value shown: all True needs none (numpy pads to "False")
        body = np.array2string(data, separator=", ", prefix=prefix, max_line_width=80,
                               formatter={"bool": lambda v: "True"})
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


def _integral(values: np.ndarray) -> bool:
    # (PyTorch switches to scientific notation from 1e8 on: numpy's default format does that)
    return bool(np.all(values == np.round(values)) and np.all(np.abs(values) < 1e8))


def _integral_formatter(finite: np.ndarray):
    """PyTorch's integer-mode format for floats holding nan or inf beside whole numbers: each
    value as ``1.``, padded to the widest nonzero finite one (nan and inf as they are)."""
    nonzero = finite[finite != 0]
    width = max((len(f"{v:.0f}") + 1 for v in nonzero), default=1)

    def fmt(value) -> str:
        text = f"{value:.0f}" if np.isfinite(value) else str(value)
        return (text + "." if np.isfinite(value) else text).rjust(width)

    return fmt
