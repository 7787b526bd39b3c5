"""Module.to, .float, .double, .half, .cpu, .cuda: the dtype (and device) of a module's
parameters and buffers, changed in place so optimizers holding them keep working."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

import autograd
from autograd import Tensor
from autograd.device import check_device

if TYPE_CHECKING:  # (annotations only: module.py imports this file)
    from .module import Module

__all__: list[str] = []


class ConversionMixin:
    """The dtype/device half of `Module` (it walks `modules()` and their registries)."""

    def _apply_to_arrays(self, convert: Callable[[np.ndarray], np.ndarray]) -> Module:
        """Replace each parameter's and buffer's array by ``convert(array)``, keeping the objects."""
        for module in self.modules():
            for p in module._parameters.values():
                if p is not None:
                    p._data = convert(p._data)
                    if p.grad is not None:
                        p.grad = Tensor(convert(p.grad._data))
            for b in module._buffers.values():
                if b is not None:
                    b._data = convert(b._data)
        return self

    def to(self, *args, device=None, dtype=None, non_blocking: bool = False,
           memory_format=None) -> Module:
        """Cast floating parameters and buffers to a dtype, in place; returns self.

        Forms as PyTorch: `to(device)`, `to(dtype)`, `to(device, dtype)`, `to(tensor)` (its
        dtype), `to(device=..., dtype=...)`. Only the CPU exists: another device raises, as a
        CPU-only PyTorch build does.
        """
        for a in args:
            if isinstance(a, Tensor):
                dtype = a.dtype
            elif isinstance(a, (str, autograd.device)) or (isinstance(a, int)
                                                            and not isinstance(a, bool)):
                device = a
            elif a is not None:
                dtype = a
        check_device(device, f"{type(self).__name__}.to")
        if dtype is None:
            return self
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(
                f"nn.Module.to only accepts floating point or complex dtypes, but got desired "
                f"dtype={dtype}"
            )
        return self._apply_to_arrays(lambda a: a.astype(dtype) if a.dtype.kind == "f" else a)

    def cuda(self, device=None) -> Module:
        """Raises: tapegrad runs on the CPU (as a CPU-only PyTorch build, AssertionError)."""
        check_device("cuda" if device is None else autograd.device("cuda", device)
                     if isinstance(device, int) else device, f"{type(self).__name__}.cuda")
        return self

    def float(self) -> Module:
        """Cast floating parameters and buffers to float32."""
        return self.to(np.float32)

    def double(self) -> Module:
        """Cast floating parameters and buffers to float64 (e.g. for gradcheck)."""
        return self.to(np.float64)

    def half(self) -> Module:
        """Cast floating parameters and buffers to float16."""
        return self.to(np.float16)

    def cpu(self) -> Module:
        """Return self (tapegrad runs on the CPU), so PyTorch code ports unchanged."""
        return self
