"""`DeviceMixin`: where a tensor lives and what it is like, with PyTorch's signatures: `device`,
`to(device | dtype | tensor, non_blocking=, copy=)`, `cuda()`, `cpu()`, `shape ndim dtype T mT`,
`size()` as a `Size`, `dim() numel() nelement() element_size()`, and new tensors like it (`new_zeros new_ones new_full
new_empty new_tensor`, `multinomial`, `bernoulli`).

`Tensor` inherits it. tapegrad runs on the CPU: moving to another device raises, as a CPU-only
PyTorch build does (see `autograd.device`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .device import CPU, Size, check_device
from .device import device as _device_cls

if TYPE_CHECKING:
    from .tensor import Tensor


# NOTE: `Tensor` inherits this class, so this module is imported before Tensor exists; the
# constructors (creation.py, sampling.py) import Tensor, so the methods that call them import
# them when they run (at module level they would close an import cycle:
# tests/autograd/test_import_structure.py). None of them is on a training step's path.
def _creation():
    from . import creation

    return creation


def _sampling():
    from . import sampling

    return sampling


def _new_size(size) -> tuple:
    return size[0] if len(size) == 1 and isinstance(size[0], (tuple, list)) else size


class DeviceMixin:
    """`Tensor`'s device, shape and new-tensor methods (see module docstring)."""

    __slots__ = ()

    @property
    def device(self) -> _device_cls:
        """The device holding the tensor: always device("cpu")."""
        return CPU

    @property
    def is_cuda(self) -> bool:
        """False: tapegrad runs on the CPU."""
        return False

    @property
    def is_cpu(self) -> bool:
        """True: tapegrad runs on the CPU."""
        return True

    def to(self, *args, device=None, dtype=None, non_blocking: bool = False, copy: bool = False,
           memory_format=None) -> Tensor:
        """The tensor on `device` and/or with `dtype`, as PyTorch's `Tensor.to`.

        Forms: `to(dtype)`, `to(device, dtype=None)`, `to(other_tensor)` (its dtype and device),
        `to(device=..., dtype=...)`. Returns self when nothing changes, unless `copy=True`. Moving
        to a device other than the CPU raises (tapegrad runs on the CPU). `non_blocking` and
        `memory_format` have no effect on the CPU. The cast is differentiable between float dtypes.
        """
        for a in args:
            if isinstance(a, DeviceMixin):  # (a Tensor)
                dtype = a.dtype
            elif isinstance(a, (str, _device_cls)) or (isinstance(a, int) and not isinstance(a, bool)):
                device = a
            elif a is not None:
                dtype = a
        check_device(device, "Tensor.to")
        if dtype is None or np.dtype(dtype) == self._data.dtype:
            return self.clone() if copy else self
        return self.type(dtype)

    def cuda(self, device=None, non_blocking: bool = False, memory_format=None) -> Tensor:
        """Raises: tapegrad has no CUDA (as a CPU-only PyTorch build, AssertionError)."""
        check_device("cuda" if device is None else _as_cuda(device), "Tensor.cuda")
        return self

    def cpu(self) -> Tensor:
        """Return self (tapegrad runs on the CPU), so PyTorch code ports unchanged."""
        return self

    def get_device(self) -> int:
        """-1: the tensor is on the CPU."""
        return -1

    def pin_memory(self) -> Tensor:
        """Self: pinning only matters for copies to a GPU."""
        return self

    def contiguous(self) -> Tensor:
        """Self when its memory is in row-major order, else a row-major copy (in the graph), as
        in PyTorch: an in-place change to the copy leaves self as it was."""
        if self._data.flags.c_contiguous:
            return self
        from .ops.shape import CONTIGUOUS  # (here: the ops import the tensor modules)

        return CONTIGUOUS(self)

    def is_contiguous(self, memory_format=None) -> bool:
        """True when the memory is in row-major order (what `contiguous()` returns as is)."""
        return bool(self._data.flags.c_contiguous)

    # ----------------------------------------------------------------- sizes
    @property
    def shape(self) -> Size:
        """The dimension sizes as a `Size` (a tuple printing as torch.Size([...]), with
        `numel()`), as PyTorch's ``Tensor.shape``."""
        return Size(self._data.shape)

    @property
    def ndim(self) -> int:
        """Number of dimensions."""
        return self._data.ndim

    @property
    def dtype(self):
        """The numpy dtype of the data."""
        return self._data.dtype

    @property
    def T(self) -> Tensor:
        """The tensor with its dimensions reversed."""
        return self.permute(*range(self.ndim - 1, -1, -1))

    @property
    def mT(self) -> Tensor:
        """The last two dimensions swapped (batched matrix transpose)."""
        return self.transpose(-2, -1)

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

    def dim(self) -> int:
        """Number of dimensions."""
        return self._data.ndim

    def numel(self) -> int:
        """Number of elements."""
        return self._data.size

    def nelement(self) -> int:
        """Number of elements (as numel())."""
        return self._data.size

    def element_size(self) -> int:
        """Bytes per element."""
        return self._data.itemsize

    # ----------------------------------------------------------------- new tensors like this one
    def new_zeros(self, *size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
        """Zeros of `size` with self's dtype (unless `dtype` is given)."""
        return _creation().zeros(*_new_size(size), dtype=dtype or self.dtype, device=device,
                                 requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
        """Ones of `size` with self's dtype (unless `dtype` is given)."""
        return _creation().ones(*_new_size(size), dtype=dtype or self.dtype, device=device,
                                requires_grad=requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
        """An uninitialized tensor of `size` with self's dtype (unless `dtype` is given)."""
        return _creation().empty(*_new_size(size), dtype=dtype or self.dtype, device=device,
                                 requires_grad=requires_grad)

    def new_full(self, size, fill_value, dtype=None, device=None,
                 requires_grad: bool = False) -> Tensor:
        """`fill_value` in a tensor of `size` with self's dtype (unless `dtype` is given)."""
        return _creation().full(size, fill_value, dtype=dtype or self.dtype, device=device,
                                requires_grad=requires_grad)

    def new_tensor(self, data, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
        """A new leaf copying `data`, with self's dtype unless `dtype` is given (as PyTorch)."""
        return _creation().tensor(data, dtype=dtype or self.dtype, device=device,
                                  requires_grad=requires_grad)

    def multinomial(self, num_samples: int, replacement: bool = False, generator=None) -> Tensor:
        """Indices drawn from the categories weighted by the last dim (`autograd.multinomial`)."""
        return _sampling().multinomial(self, num_samples, replacement, generator)

    def bernoulli(self, p=None, *, generator=None) -> Tensor:
        """0/1 samples, 1 with probability self elementwise, or `p` (`autograd.bernoulli`)."""
        return _sampling().bernoulli(self, p, generator=generator)


def _as_cuda(dev):
    if isinstance(dev, int) and not isinstance(dev, bool):
        return _device_cls("cuda", dev)
    return dev
