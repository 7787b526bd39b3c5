"""Tensor methods about devices, conversion and new tensors, with PyTorch's signatures:
`device`, `to(device | dtype | tensor, non_blocking=, copy=)`, `cuda()`, `size()` as a `Size`,
`nelement()`, `new_zeros new_ones new_full new_empty new_tensor`.

They are attached to `Tensor` here, next to `autograd.device`, because they all answer the same
question (where a tensor lives and how it is converted), which tensor.py leaves to this module.
"""

from __future__ import annotations

import numpy as np

from . import creation, sampling
from .device import CPU, Size, check_device, device
from .tensor import Tensor, _to_array

_cast = Tensor.to  # tensor.py's dtype cast (differentiable between float dtypes)


def _device(self) -> device:
    """The device holding the tensor: always device("cpu")."""
    return CPU


def to(self, *args, device=None, dtype=None, non_blocking: bool = False, copy: bool = False,
       memory_format=None) -> Tensor:
    """The tensor on `device` and/or with `dtype`, as PyTorch's `Tensor.to`.

    Forms: `to(dtype)`, `to(device, dtype=None)`, `to(other_tensor)` (its dtype and device),
    `to(device=..., dtype=...)`. Returns self when nothing changes, unless `copy=True`. Moving to
    a device other than the CPU raises (tapegrad runs on the CPU). `non_blocking` and
    `memory_format` have no effect on the CPU. The cast is differentiable between float dtypes.
    """
    for a in args:
        if isinstance(a, Tensor):
            dtype = a.dtype
        elif isinstance(a, (str, _DEVICE_CLS)) or (isinstance(a, int) and not isinstance(a, bool)):
            device = a
        elif a is not None:
            dtype = a
    check_device(device, "Tensor.to")
    if dtype is None or np.dtype(dtype) == self._data.dtype:
        return self.clone() if copy else self
    return _cast(self, dtype)


_DEVICE_CLS = device


def cuda(self, device=None, non_blocking: bool = False, memory_format=None) -> Tensor:
    """Raises: tapegrad has no CUDA (as a CPU-only PyTorch build, AssertionError)."""
    check_device("cuda" if device is None else _as_cuda(device), "Tensor.cuda")
    return self


def _as_cuda(dev):
    if isinstance(dev, int) and not isinstance(dev, bool):
        return _DEVICE_CLS("cuda", dev)
    return dev


def size(self, dim: int | None = None):
    """The shape as a `Size` (a tuple printing as torch.Size([...])), or one dimension's size."""
    shape = self._data.shape
    if dim is None:
        return Size(shape)
    try:
        return shape[dim]
    except IndexError:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-len(shape)}, "
            f"{len(shape) - 1}], but got {dim})"
        ) from None


def nelement(self) -> int:
    """Number of elements (as numel())."""
    return self._data.size


def get_device(self) -> int:
    """-1: the tensor is on the CPU."""
    return -1


def pin_memory(self) -> Tensor:
    """Self: pinning only matters for copies to a GPU."""
    return self


def _new_size(size) -> tuple:
    return size[0] if len(size) == 1 and isinstance(size[0], (tuple, list)) else size


def new_zeros(self, *size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Zeros of `size` with self's dtype (unless `dtype` is given)."""
    return creation.zeros(*_new_size(size), dtype=dtype or self.dtype, device=device,
                          requires_grad=requires_grad)


def new_ones(self, *size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Ones of `size` with self's dtype (unless `dtype` is given)."""
    return creation.ones(*_new_size(size), dtype=dtype or self.dtype, device=device,
                         requires_grad=requires_grad)


def new_empty(self, *size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """An uninitialized tensor of `size` with self's dtype (unless `dtype` is given)."""
    return creation.empty(*_new_size(size), dtype=dtype or self.dtype, device=device,
                          requires_grad=requires_grad)


def new_full(self, size, fill_value, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """`fill_value` in a tensor of `size` with self's dtype (unless `dtype` is given)."""
    return creation.full(size, fill_value, dtype=dtype or self.dtype, device=device,
                         requires_grad=requires_grad)


def new_tensor(self, data, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A new leaf copying `data`, with self's dtype unless `dtype` is given (as PyTorch)."""
    return creation.tensor(_to_array(data, dtype or self.dtype), device=device,
                           requires_grad=requires_grad)


for _name, _fn in (("to", to), ("cuda", cuda), ("size", size), ("nelement", nelement),
                   ("get_device", get_device), ("pin_memory", pin_memory),
                   ("new_zeros", new_zeros), ("new_ones", new_ones), ("new_empty", new_empty),
                   ("new_full", new_full), ("new_tensor", new_tensor),
                   # PyTorch's Tensor.multinomial / Tensor.bernoulli: the functions, self first
                   ("multinomial", sampling.multinomial), ("bernoulli", sampling.bernoulli)):
    setattr(Tensor, _name, _fn)
Tensor.device = property(_device)
Tensor.is_cuda = property(lambda self: False, doc="False: tapegrad runs on the CPU.")
Tensor.is_cpu = property(lambda self: True, doc="True: tapegrad runs on the CPU.")
