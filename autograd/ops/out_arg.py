"""PyTorch's `out=` keyword for the op table's module-level functions (`torch.mul(a, b, out=c)`).

The result is computed as without `out`, then written into `out` in place, as PyTorch does:
- `out` keeps its dtype. PyTorch's elementwise ops and reductions (`CASTING`) cast the result
  into it when `can_cast` allows (same or a higher category of bool < integer < float <
  complex); its other ops (matmul, abs, clamp, softmax, ...) want the result's dtype exactly;
  else PyTorch's errors;
- an `out` of another shape is resized (with PyTorch's deprecation warning unless it was empty);
- no gradient flows through `out=`: with grad mode on, an input or `out` that requires grad
  raises PyTorch's error;
- ops with several results (`max(x, dim)`, `sort`, `topk`) take a tuple of tensors;
- the return value is `out` itself (or the tuple, as the op's named tuple).
Methods (`a.mul(b)`) and operators have no `out`, as in PyTorch, and run without this wrapper.
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable

import numpy as np

from ..grad_mode import STATE, no_grad
from ..tensor import Tensor

__all__ = ["with_out"]

_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}
# ops whose out= may have another dtype than the result (PyTorch 2.13, probed op by op)
CASTING = frozenset({
    "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "pow",
    "maximum", "minimum", "atan2", "remainder", "fmod", "exp", "exp2", "expm1", "log", "log2",
    "log10", "log1p", "sqrt", "rsqrt", "sigmoid", "tanh", "sin", "cos", "tan", "asin", "acos",
    "atan", "sinh", "cosh", "erf", "erfc", "reciprocal", "square", "sum", "mean", "prod",
    "cumsum", "cumprod", "logsumexp", "std", "var", "lerp", "cat", "concatenate", "concat",
    "stack", "outer", "logical_not", "logical_and", "logical_or", "logical_xor", "eq", "ne",
    "lt", "le", "gt", "ge", "argmax", "argmin", "addcmul", "addcdiv", "hypot", "xlogy",
    "logaddexp", "logaddexp2",
})
_TORCH_NAMES = {
    "float16": "Half", "float32": "Float", "float64": "Double", "int8": "Char", "int16": "Short",
    "int32": "Int", "int64": "Long", "uint8": "Byte", "bool": "Bool", "complex64": "ComplexFloat",
    "complex128": "ComplexDouble",
}


def with_out(fn: Callable, name: str) -> Callable:
    """`fn` accepting PyTorch's keyword-only `out=` (returned unchanged if it has one already)."""
    if "out" in inspect.signature(fn).parameters:
        return fn

    @functools.wraps(fn)
    def call(*args, out=None, **kwargs):
        if out is None:
            return fn(*args, **kwargs)
        if STATE.grad_enabled and _any_requires_grad((*args, *kwargs.values(), out)):
            raise RuntimeError(
                f"{name}(): functions with out=... arguments don't support automatic "
                "differentiation, but one of the arguments requires grad."
            )
        result = fn(*args, **kwargs)
        if isinstance(result, tuple):
            if not isinstance(out, (tuple, list)) or len(out) != len(result):
                raise TypeError(f"{name}(): out must be a tuple of {len(result)} tensors, "
                                f"got {type(out).__name__}")
            written = [_write(name, o, r) for o, r in zip(out, result, strict=True)]
            return type(result)(*written) if hasattr(result, "_fields") else tuple(written)
        return _write(name, out, result)

    return call


def _any_requires_grad(values) -> bool:
    for v in values:
        if isinstance(v, Tensor) and v.requires_grad:
            return True
        if isinstance(v, (tuple, list)) and _any_requires_grad(v):  # cat([...]), out=(v, i)
            return True
    return False


def _write(name: str, out, result):
    """Write `result` into the tensor `out` in place (cast and resized as PyTorch); return out."""
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    values = result._data if isinstance(result, Tensor) else np.asarray(result)
    if name not in CASTING and values.dtype != out.dtype:
        raise RuntimeError(f"Found dtype {_torch_name(out.dtype)} but expected "
                           f"{_torch_name(values.dtype)}")
    if _CATEGORY[values.dtype.kind] > _CATEGORY[out.dtype.kind]:
        raise RuntimeError(f"result type {_torch_name(values.dtype)} can't be cast to the "
                           f"desired output type {_torch_name(out.dtype)}")
    if tuple(out.shape) != values.shape:
        if out._view is not None:
            raise RuntimeError(f"{name}(): out is a view of another tensor with shape "
                               f"{tuple(out.shape)}, and the result has shape {values.shape}: "
                               "a view cannot be resized; pass a tensor of the result's shape")
        if out._data.size:
            warnings.warn(
                f"An output with one or more elements was resized since it had shape "
                f"{list(out.shape)}, which does not match the required output shape "
                f"{list(values.shape)}. This behavior is deprecated, and in a future PyTorch "
                "release outputs will not be resized unless they have zero elements. You can "
                "explicitly reuse an out tensor t by resizing it, inplace, to zero elements with "
                "t.resize_(0).", UserWarning, stacklevel=3)
        out._data = np.empty(values.shape, out._data.dtype)
    with no_grad():
        out.copy_(Tensor(values))
    return out


def _torch_name(dtype) -> str:
    return _TORCH_NAMES.get(np.dtype(dtype).name, np.dtype(dtype).name)
