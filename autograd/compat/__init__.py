"""Run unmodified PyTorch programs on tapegrad: after `install()`, `import torch` gives tapegrad.

    python -m autograd.compat train.py --epochs 3     # a script, with its own arguments

    import autograd.compat; autograd.compat.install()  # in a notebook or program
    import torch, torch.nn as nn                      # tapegrad's autograd and nn

The shim only maps module names and answers for absent accelerators: `torch` -> `autograd`,
`torch.nn` (and `functional`, `init`, `utils`, `modules`, `parameter`, `modules.*`) -> `nn`,
`torch.optim` (and `lr_scheduler`) -> `optim`, `torch.utils.data` (and its submodules) ->
`nn.data`, `torch.autograd` -> `autograd`; `torch.cuda` and `torch.backends.{cudnn,cuda,mps}`
answer as a CPU-only PyTorch build. Every function, class and dtype lives in `autograd`, `nn` or
`optim` under PyTorch's name, so a program whose imports are changed by hand runs the same.
A `torch.*` module tapegrad does not have raises ModuleNotFoundError naming it.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import warnings
from types import ModuleType

__all__ = ["install", "installed", "uninstall"]

# torch name -> (module that answers, extra children set as attributes)
_DIRECT = {
    "torch.nn.functional": "nn.functional",
    "torch.nn.init": "nn.init",
    "torch.optim.lr_scheduler": "optim.lr_scheduler",
    "torch.optim.optimizer": "optim.optimizer",
    "torch.autograd": "autograd",
    "torch.autograd.function": "autograd.function",
    "torch.autograd.grad_mode": "autograd.grad_mode",
    "torch.cuda": "autograd.compat.cuda",
    "torch.backends": "autograd.compat.backends",
    "torch.backends.cudnn": "autograd.compat.backends.cudnn",
    "torch.backends.cuda": "autograd.compat.backends.cuda",
    "torch.backends.mps": "autograd.compat.backends.mps",
}
# namespaces that stand for a tapegrad package without being it (so that setting the children
# PyTorch has, such as torch.nn.modules, adds nothing to tapegrad's own modules)
_PROXIES = {
    "torch": "autograd",
    "torch.nn": "nn",
    "torch.nn.modules": "nn",
    "torch.nn.parameter": "nn",
    "torch.nn.utils": "nn.utils",
    "torch.optim": "optim",
    "torch.utils": None,
    "torch.utils.data": "nn.data",
}
# any deeper module under these prefixes answers with the package's whole namespace, so
# `from torch.nn.modules.linear import Linear` and `from torch.utils.data.dataset import Subset`
# work without tapegrad copying PyTorch's file layout
_PREFIXES = (
    ("torch.nn.modules.", "nn"),
    ("torch.nn.utils.", "nn.utils"),
    ("torch.utils.data.", "nn.data"),
    ("torch.optim.", "optim"),
)

_STATE: dict = {"saved": None, "finder": None, "warned": False}


class _Namespace(ModuleType):
    """A module named like PyTorch's whose missing attributes come from a tapegrad module."""

    def __init__(self, name: str, target: ModuleType | None) -> None:
        super().__init__(name, f"PyTorch's {name}, answered by tapegrad (autograd.compat)")
        self.__path__ = []  # a package, so that `import torch.x.y` reaches our finder
        self.__dict__["_target"] = target

    def __getattr__(self, name: str):
        target = self.__dict__.get("_target")
        if target is not None and not name.startswith("__"):
            try:
                return getattr(target, name)
            except AttributeError:
                pass
        where = f" (tapegrad's {target.__name__})" if target is not None else ""
        raise AttributeError(
            f"module '{self.__name__}'{where} has no attribute '{name}': tapegrad does not have "
            "this PyTorch name"
        )

    def __dir__(self):
        target = self.__dict__.get("_target")
        return sorted(set(super().__dir__()) | set(dir(target) if target is not None else ()))


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Answers `import torch.<anything>` that is not already mapped: a deeper module under a
    known package becomes that package's namespace, anything else raises ModuleNotFoundError."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "torch" and not fullname.startswith("torch."):
            return None
        for prefix, _ in _PREFIXES:
            if fullname.startswith(prefix):
                return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        raise ModuleNotFoundError(
            f"No module named '{fullname}': tapegrad (autograd.compat) answers torch, torch.nn, "
            "torch.optim, torch.utils.data, torch.autograd, torch.cuda and torch.backends, "
            f"but has no {fullname}",
            name=fullname,
        )

    def create_module(self, spec):
        return None

    def exec_module(self, module) -> None:
        name = module.__name__
        target = next(t for p, t in _PREFIXES if name.startswith(p))
        # importlib returns what sys.modules holds after exec_module, so this replaces `module`
        sys.modules[name] = _Namespace(name, importlib.import_module(target))


def installed() -> bool:
    """True while `import torch` gives tapegrad."""
    return _STATE["finder"] is not None


def install() -> None:
    """Make `import torch` (and its submodules) give tapegrad in this process.

    Modules of a real PyTorch already imported are set aside (and come back with `uninstall()`);
    if PyTorch is installed, a warning says once that tapegrad answers instead. Calling it again
    does nothing.
    """
    if installed():
        return
    real = {k: v for k, v in sys.modules.items() if k == "torch" or k.startswith("torch.")}
    if real or importlib.util.find_spec("torch") is not None:
        if not _STATE["warned"]:
            _STATE["warned"] = True
            warnings.warn(
                "autograd.compat.install(): PyTorch is installed, but `import torch` now gives "
                "tapegrad (autograd, nn, optim); call autograd.compat.uninstall() to get PyTorch "
                "back",
                stacklevel=2,
            )
    for k in real:
        del sys.modules[k]
    modules = {}
    for name, target in _PROXIES.items():
        modules[name] = _Namespace(name, None if target is None else importlib.import_module(target))
    for name, target in _DIRECT.items():
        modules[name] = importlib.import_module(target)
    for name, module in modules.items():
        parent, _, child = name.rpartition(".")
        if parent in modules and isinstance(modules[parent], _Namespace):
            setattr(modules[parent], child, module)
    sys.modules.update(modules)
    finder = _Finder()
    sys.meta_path.insert(0, finder)
    _STATE["saved"] = real
    _STATE["finder"] = finder


def uninstall() -> None:
    """Undo `install()`: `import torch` finds the real PyTorch again (if installed)."""
    if not installed():
        return
    sys.meta_path.remove(_STATE["finder"])
    for k in [k for k in sys.modules if k == "torch" or k.startswith("torch.")]:
        del sys.modules[k]
    sys.modules.update(_STATE["saved"])
    _STATE["saved"] = None
    _STATE["finder"] = None
