"""Linear, Identity, Flatten, Unflatten, Embedding."""

from __future__ import annotations

import math

import numpy as np

from autograd import Tensor

from .. import init
from ..functional import _checks
from ..functional.linear import LINEAR, LINEAR_NO_BIAS, embedding, linear
from ..module import Module, Parameter

__all__ = ["Embedding", "Flatten", "Identity", "Linear", "Unflatten"]


def _float_dtype(dtype):
    dtype = np.dtype(np.float32 if dtype is None else dtype)
    if dtype.kind != "f":
        raise TypeError(f"parameters need a floating point dtype, got {dtype}")
    return dtype


def _positive_int(layer: str, name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ValueError(f"{layer}: {name} must be a non-negative int, got {value!r}")
    return int(value)


class Identity(Module):
    """Returns its input unchanged (any constructor arguments are ignored, as in PyTorch)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__()

    def forward(self, input):
        """Return `input`."""
        return input


class Linear(Module):
    """Affine layer ``y = x @ weight.T + bias``.

    Args:
        in_features: size of each input's last dimension.
        out_features: size of each output's last dimension.
        bias: learn an additive bias.
        device: accepted for PyTorch compatibility (tapegrad runs on numpy).
        dtype: parameter dtype (float32 by default).

    Shapes: input (*, in_features) -> output (*, out_features). weight: (out_features,
    in_features), initialized by kaiming_uniform_(a=sqrt(5)), i.e. U(±1/sqrt(in_features));
    bias U(±1/sqrt(in_features)) (PyTorch's `reset_parameters`).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 device=None, dtype=None) -> None:
        super().__init__()
        self.in_features = _positive_int("Linear", "in_features", in_features)
        self.out_features = _positive_int("Linear", "out_features", out_features)
        dtype = _float_dtype(dtype)
        # NOTE: stored column-major, i.e. as the transpose of a C-contiguous (in, out) array: the
        # forward x @ weight.T is then a plain GEMM on contiguous operands, which BLAS runs ~15%
        # faster than the transposed-operand GEMM a row-major weight needs. Shape and values are
        # PyTorch's (out_features, in_features); only the memory order differs.
        self.weight = Parameter(np.empty((self.in_features, self.out_features), dtype=dtype).T)
        if bias:
            self.bias = Parameter(np.empty((self.out_features,), dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default init: weight kaiming_uniform_(a=sqrt(5)), bias U(±1/sqrt(fan_in))."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.in_features
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        """(*, in_features) -> (*, out_features)."""
        if not isinstance(input, Tensor):
            _checks.tensor_input("Linear", input)
        shape = input._data.shape
        if not shape or shape[-1] != self.in_features:
            raise _checks.ShapeError(
                f"{self!r} expected input with last dimension {self.in_features}, got shape {shape}"
            )
        params = self._parameters
        try:  # NOTE: one dict instead of two Module.__getattr__ lookups (this runs every step)
            weight, bias = params["weight"], params["bias"]
        except KeyError:  # re-bound outside the parameter registry (del + plain attribute)
            weight, bias = self.weight, self.bias
        if input._data.dtype != weight._data.dtype:
            _checks.same_dtype("Linear", input, weight)
        if type(weight) is not Parameter or len(weight._data.shape) != 2:
            return linear(input, weight, bias)  # F.linear's checks and messages
        # the input was checked above; a misshaped weight or bias fails inside the op, naming it
        return LINEAR(input, weight, bias) if bias is not None else LINEAR_NO_BIAS(input, weight)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Flatten(Module):
    """Flatten dims `start_dim`..`end_dim` into one: (N, C, H, W) -> (N, C*H*W) by default."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:
        """Flattened view of `input`."""
        if not isinstance(input, Tensor):
            _checks.tensor_input("Flatten", input)
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Expand dim `dim` into `unflattened_size`: e.g. (N, 12) -> (N, 3, 4) with dim=1, (3, 4)."""

    def __init__(self, dim: int, unflattened_size) -> None:
        super().__init__()
        self.dim = dim
        self.unflattened_size = tuple(unflattened_size)

    def forward(self, input: Tensor) -> Tensor:
        """`input` with dim `dim` split into `unflattened_size`."""
        dim = self.dim % input.ndim if -input.ndim <= self.dim < input.ndim else None
        if dim is None:
            raise IndexError(f"{self!r}: dim {self.dim} is out of range for input shape {tuple(input.shape)}")
        sizes = self.unflattened_size
        known = int(np.prod([s for s in sizes if s != -1]))
        n = input.shape[dim]
        if sizes.count(-1) > 1 or (-1 not in sizes and known != n) or (known and n % known):
            raise ValueError(
                f"{self!r}: unflattened_size {sizes} does not match size {n} of dim {self.dim} "
                f"(input shape {tuple(input.shape)})"
            )
        return input.reshape(*input.shape[:dim], *sizes, *input.shape[dim + 1:])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class Embedding(Module):
    """Lookup table: integer indices (*) -> rows of `weight`, shape (*, embedding_dim).

    Args:
        num_embeddings: number of rows (valid indices are 0..num_embeddings-1).
        embedding_dim: size of each row.
        padding_idx: this row is initialized to zeros and never receives a gradient.
        _weight: an initial weight (num_embeddings, embedding_dim) instead of N(0, 1).
        _freeze: make the weight not require grad.
        device: accepted for PyTorch compatibility (ignored).
        dtype: parameter dtype (float32 by default).
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 _weight=None, _freeze: bool = False, device=None, dtype=None) -> None:
        super().__init__()
        self.num_embeddings = _positive_int("Embedding", "num_embeddings", num_embeddings)
        self.embedding_dim = _positive_int("Embedding", "embedding_dim", embedding_dim)
        if padding_idx is not None:
            if not -self.num_embeddings <= padding_idx < self.num_embeddings:
                raise ValueError(
                    f"Embedding: padding_idx {padding_idx} must be within num_embeddings="
                    f"{self.num_embeddings}"
                )
            padding_idx %= self.num_embeddings
        self.padding_idx = padding_idx
        if _weight is None:
            self.weight = Parameter(
                np.empty((self.num_embeddings, self.embedding_dim), dtype=_float_dtype(dtype)),
                requires_grad=not _freeze,
            )
            self.reset_parameters()
        else:
            w = _weight._data if isinstance(_weight, Tensor) else np.asarray(_weight)
            if w.shape != (self.num_embeddings, self.embedding_dim):
                raise ValueError(
                    f"Embedding: _weight must have shape ({self.num_embeddings}, "
                    f"{self.embedding_dim}), got {w.shape}"
                )
            self.weight = Parameter(Tensor(w), requires_grad=not _freeze)

    @classmethod
    def from_pretrained(cls, embeddings, freeze: bool = True, padding_idx: int | None = None) -> Embedding:
        """An Embedding whose weight is a copy of the 2-D `embeddings` (frozen by default)."""
        w = embeddings._data if isinstance(embeddings, Tensor) else np.asarray(embeddings)
        if w.ndim != 2:
            raise ValueError(f"Embedding.from_pretrained: embeddings must be 2-D, got shape {w.shape}")
        return cls(w.shape[0], w.shape[1], padding_idx, _weight=np.array(w), _freeze=freeze)

    def reset_parameters(self) -> None:
        """N(0, 1) init; the padding row (if any) is zero."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight._data[self.padding_idx] = 0

    def forward(self, input) -> Tensor:
        """Integer indices (*) -> (*, embedding_dim)."""
        _checks.tensor_input("Embedding", input, "of indices")
        idx = input._data
        if idx.dtype.kind not in "iu":
            raise _checks.DtypeError(
                f"{self!r} expected integer indices (int64), got dtype {idx.dtype}: convert them "
                "with .long()"
            )
        if idx.size and (idx.min() < 0 or idx.max() >= self.num_embeddings):
            raise IndexError(
                f"{self!r}: index out of range: indices span [{idx.min()}, {idx.max()}], "
                f"valid indices are 0..{self.num_embeddings - 1}"
            )
        return embedding(input, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        return s
