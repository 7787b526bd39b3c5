"""In-place operations on tensors: each bumps the tensor's version, so backward can detect
that a value an op saved was changed afterwards (and say which op and which versions)."""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

import numpy as np

from .grad_mode import STATE
from .node import CLOCK

if TYPE_CHECKING:
    from .tensor import Tensor

MAX_TRACKED_CHANGES = 16


def bump_versions(tensors) -> None:
    """Record one in-place change to each of `tensors` (an optimizer step): one clock tick for all."""
    CLOCK[0] += 1
    now = CLOCK[0]
    for t in tensors:
        t._version += 1
        try:  # NOTE: not getattr(..., None): a call per tensor of every optimizer step
            t._mods.append(now)  # (a deque that keeps the last MAX_TRACKED_CHANGES ticks)
        except AttributeError:
            t._mods = deque((now,), maxlen=MAX_TRACKED_CHANGES)


class InplaceMixin:
    """`Tensor`'s in-place methods (`__setitem__`, `zero_`, `add_`, ...)."""

    __slots__ = ()

    def _check_inplace(self, what: str) -> None:
        if self.requires_grad and STATE.grad_enabled:
            if self.grad_fn is None:
                raise RuntimeError(
                    f"a leaf Variable that requires grad is being used in an in-place operation "
                    f"({what}); wrap it in `with autograd.no_grad():` (as optimizers and nn.init "
                    "do) or work on a copy"
                )
            raise RuntimeError(
                f"in-place operation {what} on a tensor that is part of a graph is not supported; "
                "use the out-of-place form (e.g. x = x.masked_fill(mask, v) instead of x[mask] = v)"
            )

    def _bump_version(self) -> None:
        """Record an in-place change (backward checks it against the ops that saved this tensor)."""
        bump_versions((self,))

    def _inplace(self, what: str, new_data) -> Tensor:
        self._check_inplace(what)
        np.copyto(self._data, new_data, casting="unsafe")
        self._bump_version()
        return self

    def __setitem__(self, key, value) -> None:
        self._check_inplace("__setitem__")
        self._data[index_key(key)] = value._data if hasattr(value, "grad_fn") else value
        self._bump_version()

    def copy_(self, src) -> Tensor:
        """Copy `src` into this tensor in place (broadcasting)."""
        return self._inplace("copy_", src._data if hasattr(src, "grad_fn") else src)

    def zero_(self) -> Tensor:
        """Fill with zeros in place."""
        return self._inplace("zero_", 0)

    def fill_(self, value) -> Tensor:
        """Fill with `value` in place."""
        return self._inplace("fill_", value._data if hasattr(value, "grad_fn") else value)

    def add_(self, other, alpha=1) -> Tensor:
        """self += alpha * other, in place."""
        o = other._data if hasattr(other, "grad_fn") else other
        return self._inplace("add_", self._data + (o if alpha == 1 else alpha * o))

    def sub_(self, other, alpha=1) -> Tensor:
        """self -= alpha * other, in place."""
        o = other._data if hasattr(other, "grad_fn") else other
        return self._inplace("sub_", self._data - (o if alpha == 1 else alpha * o))

    def mul_(self, other) -> Tensor:
        """self *= other, in place."""
        return self._inplace("mul_", self._data * (other._data if hasattr(other, "grad_fn") else other))

    def div_(self, other) -> Tensor:
        """self /= other, in place."""
        return self._inplace("div_", self._data / (other._data if hasattr(other, "grad_fn") else other))

    def clamp_(self, min=None, max=None) -> Tensor:
        """Clamp into [min, max] in place."""
        return self._inplace("clamp_", np.clip(self._data, min, max))

    def uniform_(self, a: float = 0.0, b: float = 1.0, generator=None) -> Tensor:
        """Fill with samples from U(a, b) in place (drawn in the tensor's float dtype)."""
        rng = _generator(generator)
        dtype = self._data.dtype if self._data.dtype in (np.float32, np.float64) else np.float64
        return self._inplace("uniform_", rng.random(self.shape, dtype=dtype) * (b - a) + a)

    def normal_(self, mean: float = 0.0, std: float = 1.0, generator=None) -> Tensor:
        """Fill with samples from N(mean, std^2) in place (drawn in the tensor's float dtype)."""
        rng = _generator(generator)
        dtype = self._data.dtype if self._data.dtype in (np.float32, np.float64) else np.float64
        return self._inplace("normal_", rng.standard_normal(self.shape, dtype=dtype) * std + mean)


def _generator(generator):
    from .random import default_generator

    return generator if generator is not None else default_generator()


def index_key(key):
    """Tensors inside an index become their arrays; lists become arrays (numpy semantics)."""
    if hasattr(key, "grad_fn"):
        return key._data
    if isinstance(key, tuple):
        return tuple(k._data if hasattr(k, "grad_fn") else k for k in key)
    if isinstance(key, list):
        return np.asarray([k._data if hasattr(k, "grad_fn") else k for k in key])
    return key
