"""Gradient utilities (clip_grad_norm_, clip_grad_value_, parameters_to_vector,
vector_to_parameters) and pad_sequence (PyTorch's torch.nn.utils.rnn.pad_sequence)."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

import autograd
from autograd import Tensor, no_grad

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "vector_to_parameters"]


def _as_list(name: str, parameters) -> list[Tensor]:
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    for i, p in enumerate(params):
        if not isinstance(p, Tensor):
            raise TypeError(f"{name}: parameter #{i} is a {type(p).__name__}, expected a Tensor")
    return params


def _scale_grad_(p: Tensor, factor: float) -> None:
    g = p.grad
    # NOTE: a non-finite total norm makes inf * 0 = nan, as in PyTorch; no warning for that
    with np.errstate(invalid="ignore"):
        if g.grad_fn is None and g._data.flags.writeable:
            np.multiply(g._data, factor, out=g._data, casting="unsafe")
        else:
            p.grad = Tensor((g._data * factor).astype(g.dtype, copy=False))


def _total_norm(tensors: list[Tensor], norm_type: float, error_if_nonfinite: bool) -> float:
    """The `norm_type`-norm of the non-empty list `tensors` together (the norm of their
    per-tensor norms; ``inf``: the largest |x|), in float64; raises on a non-finite total if
    asked (clip_grad_norm_ and get_total_norm share it)."""
    arrays = [np.asarray(t._data, dtype=np.float64) for t in tensors]
    if math.isinf(norm_type):
        total = max(float(np.max(np.abs(a))) if a.size else 0.0 for a in arrays)
    else:
        norms = np.array([np.sum(np.abs(a) ** norm_type) ** (1.0 / norm_type) for a in arrays])
        total = float(np.sum(norms**norm_type) ** (1.0 / norm_type))
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, "
            "so it cannot be clipped. To disable this error and scale the gradients by the "
            "non-finite norm anyway, set `error_if_nonfinite=False`"
        )
    return total


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False) -> Tensor:
    """Scale all gradients together so that their joint norm is at most `max_norm`.

    The total norm is the `norm_type`-norm of the per-parameter gradient norms (the norm of all
    gradients concatenated; ``inf`` means the largest |g|). Gradients are multiplied in place by
    ``min(1, max_norm / (total_norm + 1e-6))``, as PyTorch.

    Args:
        parameters: a Tensor or an iterable of Tensors (those without `.grad` are skipped).
        max_norm: the largest allowed total norm.
        norm_type: p of the p-norm (``float('inf')`` allowed).
        error_if_nonfinite: raise if the total norm is nan or inf (else scale anyway).
    Returns:
        The total norm before clipping, as a 0-d Tensor.
    """
    params = [p for p in _as_list("clip_grad_norm_", parameters) if p.grad is not None]
    grads = [p.grad for p in params]
    norm_type = float(norm_type)
    if not grads:
        return Tensor(0.0)
    dtype = grads[0].dtype
    total = _total_norm(grads, norm_type, error_if_nonfinite)
    coef = min(float(max_norm) / (total + 1e-6), 1.0) if not math.isnan(total) else math.nan
    for p in params:
        _scale_grad_(p, coef)
    return Tensor(np.array(total, dtype=dtype))


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clamp every gradient elementwise into [-clip_value, clip_value], in place."""
    clip_value = float(clip_value)
    if clip_value < 0:
        raise ValueError(f"clip_grad_value_: clip_value must be non-negative, got {clip_value}")
    for p in _as_list("clip_grad_value_", parameters):
        g = p.grad
        if g is None:
            continue
        if g.grad_fn is None and g._data.flags.writeable:
            np.clip(g._data, -clip_value, clip_value, out=g._data)
        else:
            p.grad = Tensor(np.clip(g._data, -clip_value, clip_value))


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and concatenated into one 1-D tensor (differentiable)."""
    params = _as_list("parameters_to_vector", parameters)
    if not params:
        raise ValueError("parameters_to_vector: got no parameters")
    return autograd.cat([p.reshape(-1) for p in params])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of the 1-D `vec` into the parameters (in place, shapes kept)."""
    if not isinstance(vec, Tensor) or vec.ndim != 1:
        raise TypeError(
            "vector_to_parameters: expected a 1-D Tensor, got "
            + (f"shape {tuple(vec.shape)}" if isinstance(vec, Tensor) else type(vec).__name__)
        )
    params = _as_list("vector_to_parameters", parameters)
    total = sum(p.numel() for p in params)
    if total != vec.shape[0]:
        raise ValueError(
            f"vector_to_parameters: the vector has {vec.shape[0]} elements but the parameters "
            f"hold {total}"
        )
    offset = 0
    with no_grad():
        for p in params:
            n = p.numel()
            p.copy_(vec._data[offset:offset + n].reshape(p.shape))
            offset += n


def pad_sequence(sequences, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Stack sequences of different lengths (each (L_i, *)) into one tensor padded with
    `padding_value` to the longest: (T, B, *), or (B, T, *) with `batch_first`; padding after
    each sequence (`padding_side="right"`) or before it ("left"). As PyTorch's
    torch.nn.utils.rnn.pad_sequence: differentiable, and the result has the first sequence's
    dtype (token ids stay int64)."""
    if padding_side not in ("left", "right"):
        raise ValueError(
            f"pad_sequence: expected padding_side to be one of left or right, but got "
            f"{padding_side!r}"
        )
    seqs = list(sequences)
    if not seqs:
        raise RuntimeError("pad_sequence: received an empty list of sequences")
    for s in seqs:
        if not isinstance(s, Tensor) or s.ndim == 0:
            raise TypeError(
                "pad_sequence: expected a sequence of tensors of at least one dimension, got "
                + ("a 0-d tensor" if isinstance(s, Tensor) else type(s).__name__)
            )
    dtype = seqs[0].dtype
    longest = max(s.shape[0] for s in seqs)
    padded = []
    for s in seqs:
        extra = longest - s.shape[0]
        if s.dtype != dtype:
            s = s.to(dtype)
        if extra:
            side = (0, extra) if padding_side == "right" else (extra, 0)
            s = autograd.pad(s, (0, 0) * (s.ndim - 1) + side, value=padding_value)
        padded.append(s)
    return autograd.stack(padded, 0 if batch_first else 1)


__all__ += ["pad_sequence"]


# isort: split
from .clip_extra import clip_grad_norm, clip_grads_with_norm_, get_total_norm  # noqa: E402

__all__ += ["clip_grad_norm", "clip_grads_with_norm_", "get_total_norm"]
