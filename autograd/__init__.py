"""tapegrad's autograd: a define-by-run reverse-mode autodiff engine on numpy.

    from autograd import Tensor
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    x.grad  # tensor([2., 4.])
"""

from __future__ import annotations

import numpy as np

from . import viz
from .creation import (
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    numel,
    ones,
    ones_like,
    tensor,
    zeros,
    zeros_like,
)
from .engine import AnomalyError, backward, grad
from .explain import explain
from .function import Function, FunctionCtx, once_differentiable
from .grad_mode import (
    detect_anomaly,
    enable_grad,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck, numerical_grad
from .node import Node
from .ops.out_arg import with_out
from .ops.registry import NUMPY_DISPATCH, REGISTRY
from .random import manual_seed
from .sampling import (
    bernoulli,
    multinomial,
    normal,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
)
from .serialization import CheckpointError, load, save
from .tensor import Tensor, is_tensor

# isort: split
from . import linalg  # (torch.linalg's norms: after the op table is loaded)

# Marker that `nn` and `optim` check, so PyPI's unrelated `autograd` package is never used by mistake.
__tapegrad__ = True
__version__ = "0.1.0"

# dtype objects, not numpy's scalar types: a tensor's `.dtype` is the same object, so
# `x.dtype is autograd.float32` holds, as `x.dtype is torch.float32` does in PyTorch
float16 = np.dtype(np.float16)
float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
double = float64
half = float16
int32 = np.dtype(np.int32)
int64 = np.dtype(np.int64)
long = int64
uint8 = np.dtype(np.uint8)
bool = np.dtype(np.bool_)


def _export_ops() -> list[str]:
    """Make every registered op a module-level function (and a Tensor method where it has one)."""
    # NOTE: the one place that adds methods to Tensor from outside its class, on purpose: the op
    # table is data, and registering an op makes it a function and a method (STYLE.md, "One
    # registry of ops"); a method Tensor or its mixins define by hand wins
    names = []
    for info in REGISTRY.values():
        function = with_out(info.fn, info.name)  # (module-level only: PyTorch's methods have no out=)
        for name in (info.name, *info.aliases):
            globals()[name] = function
            names.append(name)
            if info.method and name != "getitem":
                method = info.method if name == info.name else name
                if not hasattr(Tensor, method) or method in _OVERRIDABLE:
                    setattr(Tensor, method, info.fn)
    return names


# Methods that exist on Tensor only as placeholders for the registered op of the same name.
_OVERRIDABLE = frozenset({"any", "all", "square"})
_OP_NAMES = _export_ops()
for _np_fn, _fn in ((np.zeros_like, zeros_like), (np.ones_like, ones_like)):
    NUMPY_DISPATCH[_np_fn] = _fn

concatenate = globals()["cat"]

__all__ = [
    "AnomalyError", "Function", "explain", "viz", "linalg", "FunctionCtx", "GradcheckError", "Node", "Tensor",
    "arange", "as_tensor", "backward", "detect_anomaly", "empty", "empty_like", "enable_grad",
    "eye", "from_numpy", "full", "full_like", "grad", "gradcheck", "gradgradcheck",
    "is_anomaly_enabled", "is_grad_enabled", "is_tensor", "linspace", "manual_seed", "no_grad",
    "numerical_grad", "once_differentiable", "ones", "ones_like", "rand", "rand_like", "randint",
    "randn", "randn_like", "randperm", "set_grad_enabled", "tensor", "zeros", "zeros_like",
    "float16", "float32", "float64", "double", "half", "int32", "int64", "long", "uint8", "bool",
    *_OP_NAMES,
]

# PyTorch's names for devices, sizes, random generators, inference mode, checkpoints, dtype
# limits and promotion (see autograd.device, autograd.random)
from .creation_extra import logspace  # noqa: E402
from .device import Size, device, get_default_device, set_default_device  # noqa: E402
from .dtype_info import finfo, iinfo  # noqa: E402
from .grad_mode import inference_mode, is_inference_mode_enabled  # noqa: E402
from .promotion import get_default_dtype, promote_types, result_type, set_default_dtype  # noqa: E402
from .random import _GENERATOR as default_generator  # noqa: E402  (PyTorch's global Generator)
from .random import Generator, get_rng_state, initial_seed, seed, set_rng_state  # noqa: E402
from .threads import get_num_threads, limit_by_default, set_num_threads  # noqa: E402

int8 = np.dtype(np.int8)
int16 = np.dtype(np.int16)
__all__ += [
    "CheckpointError", "Generator", "Size", "bernoulli", "default_generator", "device", "finfo",
    "float", "get_default_device", "get_default_dtype", "get_num_threads", "get_rng_state",
    "iinfo", "inference_mode", "initial_seed", "int", "int8", "int16",
    "is_inference_mode_enabled", "load", "logspace", "multinomial", "normal", "numel",
    "promote_types", "randint_like", "result_type", "save", "seed", "set_default_device",
    "set_default_dtype", "set_num_threads", "set_rng_state",
]

# numpy's BLAS on one thread unless the user chose (why, with measurements: threads.py)
limit_by_default()
del limit_by_default


def __dir__():
    # numpy and the `annotations` future flag are this file's tools, not the package's names
    return sorted(set(globals()) - {"np", "annotations"})


# last: these shadow the builtins inside this module
float = float32
int = int32
