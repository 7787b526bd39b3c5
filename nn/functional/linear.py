"""linear, embedding."""

from __future__ import annotations

import numpy as np

import autograd
from autograd import Tensor
from autograd.ops.registry import Primitive

__all__ = ["embedding", "linear"]

_ndarray = np.ndarray
_add_reduce = np.add.reduce


def _linear_forward(x, w, b=None):
    out = np.matmul(x, w.T)
    if b is not None:
        out += b  # the product is a fresh array: add the bias in place
    return out


def _linear_grads(g, out, needs, x, w, b=None):
    """(dx, dW[, db]) for y = x W^T + b, each only where `needs[i]` is not None, else None.

    On arrays (a plain backward, as `vjp_all`: one call for all three) and on Tensors (recorded,
    through the per-input `vjps` below). dW is one GEMM over every leading dim, written in the
    weight's own memory order, so the optimizer's updates of weight, gradient and state all walk
    memory in one order.
    """
    n_out, n_in = w.shape
    g2 = g if g.ndim == 2 else g.reshape(-1, n_out)  # .reshape: ndarrays and Tensors have it
    # NOTE: dx last: the op before this layer reads it next, and the dW product (the largest
    # array here for a wide input) would push it out of the cache
    dw = None
    if needs[1] is not None:
        x2 = x if x.ndim == 2 else x.reshape(-1, n_in)
        if type(w) is _ndarray and w.strides[0] < w.strides[1]:
            # column-major weight (nn.Linear's): a fresh column-major array, not a transposed
            # view, so the engine can adopt it as the weight's .grad without a copy
            dtype = g2.dtype
            if dtype != x2.dtype:
                dtype = np.result_type(g2, x2)
            dw = np.matmul(g2.T, x2, out=np.empty((n_out, n_in), dtype=dtype, order="F"))
        else:
            dw = np.matmul(g2.T, x2)
    db = None
    if b is not None and needs[2] is not None:
        # NOTE: on arrays the ufunc's own reduce: ndarray.sum goes through a Python wrapper
        db = _add_reduce(g2, axis=0) if type(g2) is _ndarray else g2.sum(axis=0)
    dx = None if needs[0] is None else np.matmul(g, w)
    return (dx, dw) if b is None else (dx, dw, db)


_X, _W, _B = (True, None, None), (None, True, None), (None, None, True)

LINEAR = Primitive(
    "linear", _linear_forward,
    [
        lambda g, out, x, w, b: _linear_grads(g, out, _X, x, w, b)[0],
        lambda g, out, x, w, b: _linear_grads(g, out, _W, x, w, b)[1],
        lambda g, out, x, w, b: _linear_grads(g, out, _B, x, w, b)[2],
    ],
    "y = x W^T + b: dx = g W, dW = g^T x, db = sum(g)",
    vjp_all=_linear_grads,
)
LINEAR_NO_BIAS = Primitive(
    "linear_no_bias", _linear_forward,
    [
        lambda g, out, x, w: _linear_grads(g, out, _X, x, w)[0],
        lambda g, out, x, w: _linear_grads(g, out, _W, x, w)[1],
    ],
    "y = x W^T: dx = g W, dW = g^T x",
    vjp_all=_linear_grads,
)


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """Affine map ``input @ weight.T + bias``.

    Args:
        input: (*, in_features).
        weight: (out_features, in_features).
        bias: (out_features,) or None.
    Returns:
        (*, out_features).
    """
    w_shape = weight.shape
    if len(w_shape) != 2:
        raise ValueError(f"linear: weight must be 2-D (out_features, in_features), got shape {tuple(w_shape)}")
    if not isinstance(input, Tensor):
        input = Tensor(input)
    x_shape = input.shape
    if not x_shape or x_shape[-1] != w_shape[1]:
        raise ValueError(
            f"linear: input's last dimension must equal in_features={w_shape[1]} "
            f"(weight shape {tuple(w_shape)}), got input shape {tuple(x_shape)}"
        )
    if input.dtype != weight.dtype:
        from autograd.inplace import torch_dtype_name

        raise RuntimeError(
            f"linear: mat1 and mat2 must have the same dtype, but got "
            f"{torch_dtype_name(input.dtype)} and {torch_dtype_name(weight.dtype)} (the input is "
            f"{input.dtype}, the weight {weight.dtype}: convert the input, e.g. x.float(), or the "
            "layer, e.g. layer.double())"
        )
    if bias is not None and tuple(bias.shape) != (w_shape[0],):
        raise ValueError(f"linear: bias must have shape ({w_shape[0]},), got {tuple(bias.shape)}")
    if bias is None:
        return LINEAR_NO_BIAS(input, weight)
    return LINEAR(input, weight, bias)


def _check_indices(name: str, idx: np.ndarray, num: int) -> None:
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{name}: indices must be an integer tensor, got dtype {idx.dtype}")
    if idx.size and (idx.min() < 0 or idx.max() >= num):
        raise IndexError(
            f"{name}: index out of range: indices span [{idx.min()}, {idx.max()}] but "
            f"num_embeddings={num} (valid indices are 0..{num - 1})"
        )


def embedding(input, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    """Look up rows of `weight`: ``out[..., :] = weight[input[...], :]``.

    Args:
        input: integer tensor of indices, any shape (*), each in [0, num_embeddings).
        weight: (num_embeddings, embedding_dim).
        padding_idx: entries equal to it give ``weight[padding_idx]`` but pass no gradient to it.
    Returns:
        (*, embedding_dim).
    """
    idx = input._data if isinstance(input, Tensor) else np.asarray(input)
    if weight.ndim != 2:
        raise ValueError(f"embedding: weight must be 2-D, got shape {tuple(weight.shape)}")
    num = weight.shape[0]
    _check_indices("embedding", idx, num)
    out = weight[idx]
    if padding_idx is None:
        return out
    if not -num <= padding_idx < num:
        raise ValueError(f"embedding: padding_idx {padding_idx} must be within num_embeddings={num}")
    pad = padding_idx % num
    # NOTE: same values, but rows looked up at padding_idx come from a detached copy (no gradient)
    keep = (idx != pad)[..., None]
    return autograd.where(keep, out, out.detach())
