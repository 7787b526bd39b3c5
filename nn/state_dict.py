"""Module.state_dict and Module.load_state_dict: a module's parameters and persistent buffers as a
flat dict of dotted names (``"0.weight"``, ``"bn.running_mean"``), out and back in."""

from __future__ import annotations

from collections import OrderedDict, namedtuple
from collections.abc import Iterator

import numpy as np

from autograd import Tensor, no_grad

__all__: list[str] = []


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """`(missing_keys, unexpected_keys)` returned by `load_state_dict(strict=False)`."""

    __slots__ = ()

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


def _as_array(value, key: str):
    """The array behind a state_dict value (Tensor, ndarray or number), or an error string."""
    array = value._data if isinstance(value, Tensor) else value
    try:
        array = np.asarray(array)
    except (TypeError, ValueError) as exc:
        return None, f"value for {key!r} is not array-like ({type(value).__name__}: {exc})"
    if array.dtype.kind not in "biuf":
        return None, f"value for {key!r} has non-numeric dtype {array.dtype}"
    return array, None


class StateDictMixin:
    """The state_dict half of `Module` (it walks `_parameters`, `_buffers` and `_modules`)."""

    def state_dict(self, destination: OrderedDict | None = None, prefix: str = "",
                   keep_vars: bool = False) -> OrderedDict:
        """OrderedDict of name -> Tensor for every parameter and persistent buffer.

        Keys follow PyTorch (``"0.weight"``, ``"bn.num_batches_tracked"``); values share memory
        with the module and are detached unless `keep_vars`.
        """
        if destination is None:
            destination = OrderedDict()
        for key, tensor in self._local_state(prefix):
            destination[key] = tensor if keep_vars else tensor.detach()
        for name, module in self._modules.items():
            if module is not None:  # (the child's own state_dict: an override of it counts)
                module.state_dict(destination, prefix + name + ".", keep_vars)
        return destination

    def _local_state(self, prefix: str) -> Iterator[tuple[str, Tensor]]:
        """Yield (key, tensor) for this module's own saved state: its parameters, then its
        persistent buffers (not its children's)."""
        for name, p in self._parameters.items():
            if p is not None:
                yield prefix + name, p
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers_set:
                yield prefix + name, b

    def _state_slots(self, prefix: str = "") -> Iterator[tuple[str, Tensor]]:
        """Yield (key, tensor) for every slot load_state_dict fills: the local state of this
        module and of each descendant (shared tensors under each name)."""
        yield from self._local_state(prefix)
        for name, module in self._modules.items():
            if module is not None:
                yield from module._state_slots(prefix + name + ".")

    def load_state_dict(self, state_dict, strict: bool = True) -> _IncompatibleKeys:
        """Copy values from `state_dict` into the parameters and buffers (their dtypes are kept).

        Everything is validated before anything is copied: missing keys, unexpected keys and
        shape mismatches are reported together in one RuntimeError. Shape mismatches always
        raise; missing/unexpected keys raise only when `strict`.

        Returns:
            ``(missing_keys, unexpected_keys)`` (a namedtuple, as PyTorch's).
        """
        if not hasattr(state_dict, "keys") or not hasattr(state_dict, "__getitem__"):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict).__name__}")
        slots = list(self._state_slots())
        expected = {key for key, _ in slots}
        missing = [key for key, _ in slots if key not in state_dict]
        unexpected = [key for key in state_dict if key not in expected]
        errors, copies = [], []
        for key, target in slots:
            if key not in state_dict:
                continue
            array, problem = _as_array(state_dict[key], key)
            if problem is not None:
                errors.append(problem)
            elif array.shape != target.shape:
                errors.append(
                    f"size mismatch for {key}: copying a param with shape {tuple(array.shape)} "
                    f"from checkpoint, the shape in current model is {tuple(target.shape)}."
                )
            else:
                copies.append((target, array))
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: "
                              + ", ".join(f'"{k}"' for k in unexpected) + ".")
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: "
                              + ", ".join(f'"{k}"' for k in missing) + ".")
        if errors:
            raise RuntimeError(
                f"Error(s) in loading state_dict for {type(self).__name__} (nothing was loaded):\n\t"
                + "\n\t".join(errors)
            )
        with no_grad():
            for target, array in copies:
                target.copy_(array)
        return _IncompatibleKeys(missing, unexpected)
