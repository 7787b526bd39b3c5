"""linear, embedding."""

from __future__ import annotations

import numpy as np

import autograd
from autograd import Tensor
from autograd.ops.registry import Primitive

from . import _checks

__all__ = ["embedding", "linear"]

_ndarray = np.ndarray
_add_reduce = np.add.reduce
_BLAS_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def _leading_order(x: np.ndarray) -> tuple[int, ...] | None:
    """The order in memory (outermost first) of x's leading axes when it is not their own and
    x, so permuted, merges them into rows without a copy (W8's batch_first LSTM output, a
    transposed (L, N, H) array); None otherwise."""
    if x.ndim < 3 or x.flags.c_contiguous:
        return None
    lead = x.ndim - 1
    perm = tuple(sorted(range(lead), key=lambda i: -x.strides[i]))
    if perm == tuple(range(lead)) or not x.transpose(*perm, lead).flags.c_contiguous:
        return None
    return perm


def _linear_forward(x, w, b=None):
    perm = _leading_order(x)
    if perm is not None:
        # NOTE: the GEMM runs on the rows in x's memory order, and the output is written in the
        # input's order in one pass (with the bias): W8's head (32, 64, 256) -> 65, a transposed
        # (L, N, H) input, 755 -> 622 us (was: x copied by the reshape, then the bias pass); with
        # `_rows_of`, the head's forward and backward 2.19 -> 2.00 ms
        lead = x.ndim - 1
        rows = np.matmul(x.transpose(*perm, lead).reshape(-1, x.shape[-1]), w.T)
        rows = rows.reshape(*(x.shape[i] for i in perm), w.shape[0])
        back = rows.transpose(*np.argsort(perm), lead)
        out = np.empty((*x.shape[:-1], w.shape[0]), dtype=rows.dtype)
        if b is None:
            np.copyto(out, back)
        else:
            np.add(back, b, out=out)
        return out
    if x.ndim > 2:
        # NOTE: one 2-D GEMM over every leading dim; numpy's stacked matmul runs one small GEMM
        # per leading index (15-35% slower at a GPT's (16, 64, 128) activations)
        out = np.matmul(x.reshape(-1, x.shape[-1]), w.T)
        out = out.reshape(*x.shape[:-1], w.shape[0])
    else:
        out = np.matmul(x, w.T)
    if b is not None:
        out += b  # the product is a fresh array: add the bias in place
    return out


def _linear_vjp_x(g, out, x, w, b=None):
    """dx = g W for y = x W^T + b (on arrays, and on Tensors under create_graph)."""
    n_out, n_in = w.shape
    g2 = g if g.ndim == 2 else g.reshape(-1, n_out)  # .reshape: ndarrays and Tensors have it
    dx = np.matmul(g2, w)  # 2-D, as the forward
    return dx if g.ndim == 2 else dx.reshape(*g.shape[:-1], n_in)


def _linear_vjp_w(g, out, x, w, b=None):
    """dW = g^T x: one GEMM over every leading dim, written in the weight's own memory order, so
    the optimizer's updates of weight, gradient and state all walk memory in one order."""
    n_out, n_in = w.shape
    g2, x2 = _rows_of(g, x, n_out, n_in)
    if type(w) is _ndarray and w.strides[0] < w.strides[1]:
        # column-major weight (nn.Linear's): a fresh column-major array, not a transposed view,
        # so the engine can adopt it as the weight's .grad without a copy
        dtype = g2.dtype
        if dtype != x2.dtype:
            dtype = np.result_type(g2, x2)
        return np.matmul(g2.T, x2, out=np.empty((n_out, n_in), dtype=dtype, order="F"))
    return np.matmul(g2.T, x2)


def _rows_of(g, x, n_out: int, n_in: int):
    """g and x as matching 2-D row blocks for dW = g^T x, copying the smaller of the two when x's
    leading axes lie in memory in another order than their own (`_leading_order`)."""
    perm = _leading_order(x) if type(x) is _ndarray else None
    if perm is not None:
        lead = x.ndim - 1
        g_rows = g.transpose(*perm, lead)
        if n_out < n_in or g_rows.flags.c_contiguous:
            # NOTE: W8's head: g's (32, 64, 65) copied instead of x's (32, 64, 256): 786 -> 650 us
            return g_rows.reshape(-1, n_out), x.transpose(*perm, lead).reshape(-1, n_in)
    g2 = g if g.ndim == 2 else g.reshape(-1, n_out)
    x2 = x if x.ndim == 2 else x.reshape(-1, n_in)
    return g2, x2


def _linear_vjp_b(g, out, x, w, b):
    """db = sum of g over every leading dim."""
    g2 = g if g.ndim == 2 else g.reshape(-1, w.shape[0])
    if type(g2) is not _ndarray:
        return g2.sum(axis=0)
    if g2.dtype in _BLAS_FLOATS:
        # NOTE: a row of ones times g (BLAS): 2x faster than np.add.reduce down the columns of
        # a GPT's (1024, 512) gradient
        return np.matmul(np.ones(g2.shape[0], dtype=g2.dtype), g2)
    return _add_reduce(g2, axis=0)  # (the ufunc's own reduce: ndarray.sum is a Python wrapper)


LINEAR = Primitive(
    "linear", _linear_forward, [_linear_vjp_x, _linear_vjp_w, _linear_vjp_b],
    "y = x W^T + b: dx = g W, dW = g^T x, db = sum(g)",
)
LINEAR_NO_BIAS = Primitive(
    "linear_no_bias", _linear_forward, [_linear_vjp_x, _linear_vjp_w],
    "y = x W^T: dx = g W, dW = g^T x",
)


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """Affine map ``input @ weight.T + bias`` (nn.Linear's forward).

    Args:
        input: (*, in_features), of the weight's dtype.
        weight: (out_features, in_features).
        bias: (out_features,) or None.
    Returns:
        (*, out_features).
    """
    if not isinstance(input, Tensor):
        _checks.tensor_input("linear", input)
    if not isinstance(weight, Tensor):
        _checks.tensor_input("linear", weight, "weight")
    x_shape = input._data.shape  # (the arrays' shapes: the .shape property is a call per read)
    w_shape = weight._data.shape
    if len(w_shape) != 2:
        raise ValueError(f"linear: weight must be 2-D (out_features, in_features), got shape {w_shape}")
    if not x_shape or x_shape[-1] != w_shape[1]:
        raise _checks.ShapeError(
            f"linear: expected input with last dimension in_features={w_shape[1]} (weight shape "
            f"{w_shape}), got input shape {x_shape}"
        )
    if input._data.dtype != weight._data.dtype:
        _checks.same_dtype("linear", input, weight, torch_words="mat1 and mat2")
    if bias is None:
        return LINEAR_NO_BIAS(input, weight)
    if bias._data.shape != (w_shape[0],):
        raise ValueError(f"linear: bias must have shape ({w_shape[0]},), got {tuple(bias.shape)}")
    return LINEAR(input, weight, bias)


def _check_indices(name: str, idx: np.ndarray, num: int) -> None:
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{name}: indices must be an integer tensor, got dtype {idx.dtype}")
    if idx.size and (idx.min() < 0 or idx.max() >= num):
        raise IndexError(
            f"{name}: index out of range: indices span [{idx.min()}, {idx.max()}] but "
            f"num_embeddings={num} (valid indices are 0..{num - 1})"
        )


def _lookup(w: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Rows of `w` (V, D) at integer `idx` (*): (*, D)."""
    return np.take(w, idx, axis=0)


def _lookup_grad(g: np.ndarray, idx: np.ndarray, num: int) -> np.ndarray:
    """Adjoint of `_lookup`: (num, D) whose row r is the sum of g's rows (*, D) where idx == r.

    The indices are sorted once and each run of equal ones summed by one `np.add.reduceat`
    (np.add.at, the unbuffered scatter-add, is 3-4x slower at a language model's 2048
    lookups into 65 rows).
    """
    flat = idx.reshape(-1)
    dim = g.shape[-1]
    rows = g.reshape(flat.size, dim)
    out = np.zeros((num, dim), dtype=g.dtype)
    if flat.size:
        order = np.argsort(flat, kind="stable")
        ordered = flat[order]
        starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
        out[ordered[starts]] = np.add.reduceat(rows[order], starts, axis=0)
    return out


# The lookup and its adjoint are both linear in their array input; each one's VJP is the other.
LOOKUP = Primitive(
    "embedding_lookup", _lookup,
    [lambda g, out, w, idx: LOOKUP_GRAD.apply_in_vjp(g, idx=idx, num=w.shape[0])],
    "out = w[idx]: dw[r] = sum of g where idx == r",
)
LOOKUP_GRAD = Primitive(
    "embedding_lookup_grad", _lookup_grad,
    [lambda gg, out, g, idx, num: LOOKUP.apply_in_vjp(gg, idx=idx)],
    "the scatter-add is linear; its VJP is the lookup gg[idx]",
)


# scale_grad_by_freq: the identity whose gradient is divided by each index's count
SCALE_GRAD = Primitive(
    "embedding_scale_grad", lambda x, scale: x.copy(),
    [lambda g, out, x, scale: g * scale],
    "identity forward; the gradient of each looked-up row is divided by its index's count",
)


def _renorm_rows(weight: Tensor, idx: np.ndarray, max_norm: float, norm_type: float) -> None:
    """PyTorch's embedding_renorm_: rows referenced by `idx` whose `norm_type`-norm exceeds
    `max_norm` are scaled (in place, without gradient) to norm max_norm / (norm + 1e-7)."""
    rows = np.unique(idx)
    if not rows.size:
        return
    w = weight._data
    norms = np.linalg.norm(w[rows].astype(np.float64), ord=norm_type, axis=1)
    big = norms > max_norm
    if big.any():
        rows = rows[big]
        scale = (max_norm / (norms[big] + 1e-7))[:, None]
        with autograd.no_grad():
            weight[Tensor(rows)] = Tensor((w[rows] * scale).astype(w.dtype))


_SPARSE_WARNED = [False]


def embedding(input, weight: Tensor, padding_idx: int | None = None, max_norm: float | None = None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Look up rows of `weight`: ``out[..., :] = weight[input[...], :]``.

    Args:
        input: integer tensor of indices, any shape (*), each in [0, num_embeddings).
        weight: (num_embeddings, embedding_dim).
        padding_idx: entries equal to it give ``weight[padding_idx]`` but pass no gradient to it.
        max_norm: rows looked up whose `norm_type`-norm exceeds it are first rescaled in place
            (no gradient) to that norm, as PyTorch.
        scale_grad_by_freq: divide each row's gradient by how often its index occurs in `input`.
        sparse: accepted; the gradient is dense (tapegrad has no sparse tensors; with SGD-type
            optimizers the update is the same).
    Returns:
        (*, embedding_dim).
    """
    idx = input._data if isinstance(input, Tensor) else np.asarray(input)
    if weight.ndim != 2:
        raise ValueError(f"embedding: weight must be 2-D, got shape {tuple(weight.shape)}")
    num = weight.shape[0]
    _check_indices("embedding", idx, num)
    if not isinstance(weight, Tensor):
        weight = Tensor(weight)
    if sparse and not _SPARSE_WARNED[0]:
        _SPARSE_WARNED[0] = True
        import warnings

        warnings.warn("embedding(sparse=True): tapegrad has no sparse tensors; the weight's "
                      "gradient is dense (same values)", UserWarning, stacklevel=2)
    if max_norm is not None:
        _renorm_rows(weight, idx, max_norm, norm_type)
    out = LOOKUP(weight, idx=idx)
    if scale_grad_by_freq and out.requires_grad:
        _, inverse, counts = np.unique(idx, return_inverse=True, return_counts=True)
        scale = (1.0 / counts[inverse.reshape(-1)]).reshape((*idx.shape, 1)).astype(out._data.dtype)
        out = SCALE_GRAD(out, scale=scale)
    if padding_idx is None:
        return out
    if not -num <= padding_idx < num:
        raise ValueError(f"embedding: padding_idx {padding_idx} must be within num_embeddings={num}")
    pad = padding_idx % num
    # NOTE: same values, but rows looked up at padding_idx come from a detached copy (no gradient)
    keep = (idx != pad)[..., None]
    return autograd.where(keep, out, out.detach())
