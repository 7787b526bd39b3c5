"""Sequential, ModuleList, ModuleDict."""

from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping

from .module import Module

__all__ = ["ModuleDict", "ModuleList", "Sequential"]


def _index(container: str, idx, size: int) -> int:
    """A valid non-negative position for `idx` in a container of `size`, or IndexError."""
    idx = operator.index(idx)
    if not -size <= idx < size:
        raise IndexError(f"{container}: index {idx} is out of range for length {size}")
    return idx % size


def _delete_and_renumber(container: str, modules: dict, idx) -> None:
    """Delete entry `idx` (int or slice) of a numbered container, then renumber the keys
    "0", "1", ... as PyTorch does."""
    items = list(modules.values())
    if isinstance(idx, slice):
        del items[idx]
    else:
        del items[_index(container, idx, len(items))]
    modules.clear()
    for i, module in enumerate(items):
        modules[str(i)] = module


def _check_module(container: str, module) -> Module:
    if not isinstance(module, Module):
        raise TypeError(f"{container} entries must be Modules, got {type(module).__name__}")
    return module


class Sequential(Module):
    """Modules applied one after another: ``forward(x) = m_n(...m_1(x))``.

    Args:
        *args: the modules (named ``"0"``, ``"1"``, ...), or one OrderedDict of name -> module.
    """

    def __init__(self, *args) -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, module in args[0].items():
                self.add_module(name, _check_module("Sequential", module))
        else:
            for i, module in enumerate(args):
                self.add_module(str(i), _check_module("Sequential", module))

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return Sequential(OrderedDict(list(self._modules.items())[idx]))
        keys = list(self._modules)
        return self._modules[keys[_index("Sequential", idx, len(keys))]]

    def __setitem__(self, idx, module: Module) -> None:
        keys = list(self._modules)
        self.add_module(keys[_index("Sequential", idx, len(keys))], _check_module("Sequential", module))

    def __delitem__(self, idx) -> None:
        _delete_and_renumber("Sequential", self._modules, idx)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> Sequential:
        """Add `module` at the end (named by its position); returns self."""
        self.add_module(str(len(self)), _check_module("Sequential", module))
        return self

    def extend(self, modules: Iterable[Module]) -> Sequential:
        """Append each module in `modules`; returns self."""
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> Sequential:
        """Insert `module` before position `index` (renumbering the keys); returns self."""
        _check_module("Sequential", module)
        n = len(self._modules)
        index = operator.index(index)
        if not -n <= index <= n:
            raise IndexError(f"Sequential.insert: index {index} is out of range for length {n}")
        if index < 0:
            index += n
        items = list(self._modules.values())
        items.insert(index, module)
        self._modules.clear()
        for i, m in enumerate(items):
            self._modules[str(i)] = m
        return self

    def pop(self, key):
        """Remove the module at index `key` (or the slice `key`) and return it; the rest are
        renumbered."""
        removed = self[key]
        del self[key]
        return removed

    def forward(self, input):
        """Feed `input` through each module in order."""
        for module in self._modules.values():
            input = module(input)
        return input


class ModuleList(Module):
    """A list of modules whose parameters are registered (named ``"0"``, ``"1"``, ...).

    Args:
        modules: an iterable of modules to start with.
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return ModuleList(list(self._modules.values())[idx])
        return self._modules[str(_index("ModuleList", idx, len(self)))]

    def __setitem__(self, idx, module: Module) -> None:
        key = str(_index("ModuleList", idx, len(self)))
        self.add_module(key, _check_module("ModuleList", module))

    def __delitem__(self, idx) -> None:
        _delete_and_renumber("ModuleList", self._modules, idx)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __iadd__(self, modules: Iterable[Module]) -> ModuleList:
        return self.extend(modules)

    def append(self, module: Module) -> ModuleList:
        """Add `module` at the end; returns self."""
        self.add_module(str(len(self)), _check_module("ModuleList", module))
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        """Append each module in `modules`; returns self."""
        if isinstance(modules, Module) and not isinstance(modules, (ModuleList, Sequential)):
            raise TypeError("ModuleList.extend should be called with an iterable of Modules, "
                            f"got a single {type(modules).__name__}")
        for module in modules:
            self.append(module)
        return self

    def pop(self, key):
        """Remove the module at index `key` (or the slice `key`) and return it; the rest are
        renumbered."""
        removed = self[key]
        del self[key]
        return removed

    def insert(self, index: int, module: Module) -> None:
        """Insert `module` before position `index`."""
        _check_module("ModuleList", module)
        items = list(self._modules.values())
        items.insert(operator.index(index), module)
        self._modules.clear()
        for i, m in enumerate(items):
            self._modules[str(i)] = m


class ModuleDict(Module):
    """A dict of modules whose parameters are registered under their keys (insertion order kept).

    Args:
        modules: a mapping or an iterable of ``(name, module)`` pairs.
    """

    def __init__(self, modules: Mapping[str, Module] | Iterable | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, _check_module("ModuleDict", module))

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key) -> bool:
        return key in self._modules

    def keys(self):
        """The module names."""
        return self._modules.keys()

    def items(self):
        """``(name, module)`` pairs."""
        return self._modules.items()

    def values(self):
        """The modules."""
        return self._modules.values()

    def pop(self, key: str) -> Module:
        """Remove and return the module under `key`."""
        return self._modules.pop(key)

    def clear(self) -> None:
        """Remove every module."""
        self._modules.clear()

    def update(self, modules) -> None:
        """Add (or replace) modules from a mapping or an iterable of ``(name, module)`` pairs."""
        pairs = modules.items() if isinstance(modules, (Mapping, ModuleDict)) else modules
        for i, pair in enumerate(pairs):
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise TypeError(f"ModuleDict.update: element #{i} should be a (name, module) pair")
            self[pair[0]] = pair[1]
