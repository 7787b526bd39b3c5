"""Negative log-likelihood losses over classes: `nll_loss` and `cross_entropy` (log_softmax then
NLL), with class-index or class-probability targets, `weight`, `ignore_index` and label smoothing,
matching PyTorch's normalization of weighted means.

Cross-entropy is one fused primitive in its commonest cases: (N, C) logits with valid class
indices, no weight or smoothing (one node for the whole loss, reduced or per row).
"""

from __future__ import annotations

import numpy as np

from autograd import Tensor
from autograd.inplace import torch_dtype_name
from autograd.ops.registry import Primitive

from . import _checks
from .loss_common import _REDUCTIONS, _as_tensor

__all__ = ["cross_entropy", "nll_loss"]

# NOTE: the ufuncs' own reductions, without the Python wrappers of np.sum / ndarray.min (each adds
# up to three calls on the hot cross-entropy path)
_sum_of = np.add.reduce
_max_of = np.maximum.reduce


def _class_targets(name: str, input: Tensor, target, ignore_index: int) -> np.ndarray:
    """Validate integer targets for an (N, C, d1...) input; returns the target array."""
    _checks.class_index_target(name, input, target)
    t = target._data if isinstance(target, Tensor) else np.asarray(target)
    expected = (input.shape[0], *input.shape[2:])
    if t.shape != expected:
        raise ValueError(
            f"{name}: expected target of shape {expected} for input of shape "
            f"{tuple(input.shape)}, got {tuple(t.shape)}"
        )
    n_classes = input.shape[1]
    valid = t[t != ignore_index]
    if valid.size and (valid.min() < 0 or valid.max() >= n_classes):
        raise IndexError(
            f"{name}: target values must be class indices in [0, {n_classes - 1}] (or "
            f"ignore_index={ignore_index}), found targets in [{valid.min()}, {valid.max()}] "
            f"with {n_classes} classes"
        )
    return t


def _class_weight(name: str, weight, input: Tensor):
    """The (C,) class weight as an array; a list or ndarray (which has no tensor dtype of its
    own here) takes the input's dtype."""
    if weight is None:
        return None
    n_classes = input.shape[1]
    w = weight._data if isinstance(weight, Tensor) else np.asarray(weight, dtype=input.dtype)
    if w.shape != (n_classes,):
        raise ValueError(f"{name}: weight must have shape ({n_classes},) (one per class), got {w.shape}")
    return w


def _index_weight_dtype(name: str, input: Tensor, w) -> None:
    """With class-index targets PyTorch casts no class weight tensor: a float64 (numpy-made) or
    int64 weight with a float32 input raises there, so it raises here too."""
    if w is not None and w.dtype != input._data.dtype:
        raise _checks.DtypeError(
            f"{name}: expected scalar type {torch_dtype_name(input._data.dtype)} but found "
            f"{torch_dtype_name(w.dtype)}: the class weight must have the input's dtype "
            f"{input._data.dtype}, got {w.dtype}; convert it with weight.to(input.dtype)"
        )


def _unbatched(input: Tensor, target):
    """(C,) input with a () target -> (1, C) and (1,) (PyTorch's unbatched form)."""
    t = target._data if isinstance(target, Tensor) else np.asarray(target)
    if input.ndim == 1 and t.ndim == 0:
        return input.unsqueeze(0), t.reshape(1), True
    if input.ndim == 1 and t.shape == input.shape:
        # (a probability target keeps its graph: it may require grad)
        target = target.reshape(1, -1) if isinstance(target, Tensor) else t.reshape(1, -1)
        return input.unsqueeze(0), target, True
    return input, target, False


def nll_loss(input: Tensor, target, weight=None, ignore_index: int = -100,
             reduction: str = "mean") -> Tensor:
    """Negative log-likelihood: -weight[t] * input[n, t], for log-probabilities `input`.

    Args:
        input: (N, C) or (N, C, d1, ...) log-probabilities, or (C,) with a scalar target.
        target: (N,) or (N, d1, ...) integer class indices in [0, C).
        weight: (C,) per-class weight, or None.
        ignore_index: targets equal to it contribute nothing (nor to the mean's denominator).
        reduction: ``'mean'`` divides the sum by the total weight of the non-ignored targets.
    """
    _checks.tensor_input("nll_loss", input)
    _checks.floating("nll_loss", input)
    input, target, squeeze = _unbatched(input, target)
    if input.ndim < 2:
        raise ValueError(f"nll_loss: expected input of shape (N, C, ...), got {tuple(input.shape)}")
    if reduction not in _REDUCTIONS:
        raise ValueError(f"nll_loss: reduction must be one of {_REDUCTIONS}, got {reduction!r}")
    t = _class_targets("nll_loss", input, target, ignore_index)
    w = _class_weight("nll_loss", weight, input)
    _index_weight_dtype("nll_loss", input, w)
    loss, wt = _nll_terms(input, t, w, ignore_index)
    if squeeze and reduction == "none":
        loss = loss.reshape(())
    return _reduce_weighted(loss, wt, reduction)


def _nll_terms(logp: Tensor, t: np.ndarray, w, ignore_index: int):
    """Per-element -w[t] * logp[n, t] (0 where ignored) and the per-element weights w[t]."""
    keep = t != ignore_index
    safe = np.where(keep, t, 0)
    wt = keep.astype(logp.dtype) if w is None else np.where(keep, w[safe], 0).astype(logp.dtype)
    picked = logp.gather(1, Tensor(np.expand_dims(safe, 1))).squeeze(1)
    # masked_fill, not a product with 0: an ignored target gets a gradient of exactly 0 even when
    # the mean's denominator is 0 (all ignored: PyTorch's loss is nan and its gradient 0)
    return (-picked * wt).masked_fill(~keep, 0.0), wt


def _reduce_weighted(loss: Tensor, wt: np.ndarray, reduction: str) -> Tensor:
    if reduction == "none":
        return loss
    total = loss.sum()
    if reduction == "sum":
        return total
    return _mean_of(total, float(wt.sum()))


def _mean_of(total: Tensor, denom: float) -> Tensor:
    """`total / denom` for a 'mean' reduction. Every target ignored gives 0 / 0 = nan, as in
    PyTorch; the ignored terms' gradients stay 0 (they are masked, not multiplied by 0)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return total / denom


def _ce_rows_forward(x, target, keep):
    # log-softmax form, log(sum(exp(z))) - z[t] with z = x - max: adding the max back first
    # and subtracting x[t] after would cancel (float32 loses ~1e-4 relative at logits ~1e4)
    z = x - np.amax(x, axis=1, keepdims=True)
    lse = np.log(np.sum(np.exp(z), axis=1))
    picked = np.take_along_axis(z, target[:, None], axis=1)[:, 0]
    return (lse - picked) * keep


def _ce_rows_vjp(g, out, x, target, keep):
    if isinstance(x, Tensor):
        onehot = np.zeros(x.shape, dtype=x.dtype)
        np.put_along_axis(onehot, target[:, None], 1, axis=1)
        return (x.softmax(1) - Tensor(onehot)) * g.masked_fill(Tensor(keep == 0), 0.0)[:, None]
    p = np.exp(x - np.amax(x, axis=1, keepdims=True))
    p /= np.sum(p, axis=1, keepdims=True)
    p[np.arange(x.shape[0]), target] -= 1
    # (where, not g * keep: an ignored row's gradient is 0 even for an infinite g, as PyTorch's)
    p *= np.where(keep != 0, g, 0)[:, None]
    return p


# Fused log_softmax + NLL for the common case (2-D input, class indices, no weight, no smoothing).
CROSS_ENTROPY_ROWS = Primitive(
    "cross_entropy", _ce_rows_forward, [_ce_rows_vjp],
    "ce_n = logsumexp(x_n) - x_n[t_n]; d ce_n/dx_n = softmax(x_n) - onehot(t_n)",
)


def _softmax_rows(x: np.ndarray):
    """(softmax of each row of the 2-D array `x`, logsumexp of each row): the statistics that
    cross-entropy's forward and backward share, computed once by its caller."""
    top = _max_of(x, axis=1, keepdims=True)
    e = np.exp(x - top)
    sums = _sum_of(e, axis=1, keepdims=True)
    e /= sums
    return e, np.log(sums[:, 0]) + top[:, 0]


def _ce_reduced_forward(x, target, count, softmax, logsumexp):
    return _sum_of(logsumexp - x[np.arange(x.shape[0]), target]) / count


def _ce_reduced_vjp(g, out, x, target, count, softmax, logsumexp):
    if isinstance(x, Tensor):  # (create_graph: from x itself, so the VJP is differentiable)
        onehot = np.zeros(x.shape, dtype=x.dtype)
        np.put_along_axis(onehot, target[:, None], 1, axis=1)
        return (x.softmax(1) - Tensor(onehot)) * (g / count)
    scale = g / count
    gx = softmax * scale  # a new array: the saved softmax stays intact for a retained graph
    gx[np.arange(gx.shape[0]), target] -= scale
    return gx


# The whole loss as one node for the commonest case: (N, C) logits, N valid class indices, no
# weight or smoothing, reduction mean (count = N) or sum (count = 1).
CROSS_ENTROPY_REDUCED = Primitive(
    "cross_entropy_reduced", _ce_reduced_forward, [_ce_reduced_vjp],
    "ce = sum_n(logsumexp(x_n) - x_n[t_n]) / count; d ce/dx_n = (softmax(x_n) - onehot(t_n)) / count",
)


def _all_targets_valid(t: np.ndarray, n_rows: int, n_classes: int, ignore_index: int) -> bool:
    """t is (n_rows,) integer class indices, all in [0, C), none equal to ignore_index."""
    if (t.ndim != 1 or t.shape[0] != n_rows or n_rows == 0 or 0 <= ignore_index < n_classes
            or (t.dtype != np.int64 and t.dtype != np.uint8)):  # (other dtypes: the general path
        # names the mistake, as PyTorch, which takes Long or Byte targets only)
        return False  # (an ignore_index among the classes may match a target: the general path)
    try:
        # NOTE: one call checks both ends: bincount refuses negative values, and a target >= C
        # makes the counts longer than C (a reduction and a compare cost two calls more)
        return len(np.bincount(t, minlength=n_classes)) == n_classes
    except (TypeError, ValueError):  # negative, or not castable to a platform int (uint64, float)
        return False


def cross_entropy(input: Tensor, target, weight=None, ignore_index: int = -100,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy of logits: nll_loss(log_softmax(input, 1), target), as PyTorch.

    Args:
        input: (N, C) or (N, C, d1, ...) unnormalized scores, or (C,) for one sample.
        target: class indices (N,) / (N, d1, ...) (integers), or class probabilities with the
            input's shape (floats).
        weight: (C,) per-class weight, or None.
        ignore_index: index targets equal to it contribute nothing (class indices only).
        reduction: ``'mean'``: with index targets, sum / total weight of the non-ignored
            targets; with probability targets, sum / N.
        label_smoothing: eps in [0, 1]: mixes the target with the uniform distribution,
            loss = (1 - eps) nll + eps / C * sum_c(-w_c logp_c).
    Returns:
        The reduced loss (a scalar), or per-sample losses for ``'none'``.
    """
    if not isinstance(input, Tensor):
        _checks.tensor_input("cross_entropy", input)
    if input._data.dtype.kind != "f":
        _checks.floating("cross_entropy", input)
    shape = input._data.shape  # (not the .ndim/.shape properties: a call each, every step)
    if (
        weight is None and label_smoothing == 0.0 and len(shape) == 2
        and (reduction == "mean" or reduction == "sum")
    ):
        t = target._data if isinstance(target, Tensor) else np.asarray(target)
        n, n_classes = shape
        if _all_targets_valid(t, n, n_classes, ignore_index):
            softmax, logsumexp = _softmax_rows(input._data)
            return CROSS_ENTROPY_REDUCED(input, target=t, count=n if reduction == "mean" else 1,
                                         softmax=softmax, logsumexp=logsumexp)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
    if reduction not in _REDUCTIONS:
        raise ValueError(f"cross_entropy: reduction must be one of {_REDUCTIONS}, got {reduction!r}")
    input, target, squeeze = _unbatched(input, target)
    if input.ndim < 2:
        raise _checks.ShapeError(
            f"cross_entropy: expected input of shape (N, C, ...), got {tuple(input.shape)}"
        )
    n_classes = input.shape[1]
    w = _class_weight("cross_entropy", weight, input)
    t_data = target._data if isinstance(target, Tensor) else np.asarray(target)
    if t_data.dtype.kind == "f":
        if t_data.shape != tuple(input.shape):  # float labels, not probabilities
            _checks.class_index_target("cross_entropy", input, t_data)
        _checks.no_ignore_index_with_probabilities("cross_entropy", ignore_index)
        loss = _cross_entropy_probs(input, _as_tensor(target), w, reduction, label_smoothing)
    else:
        t = _class_targets("cross_entropy", input, target, ignore_index)
        _index_weight_dtype("cross_entropy", input, w)
        if input.ndim == 2 and w is None and label_smoothing == 0.0:
            keep = (t != ignore_index).astype(input.dtype)
            loss = CROSS_ENTROPY_ROWS(input, target=np.where(t != ignore_index, t, 0), keep=keep)
            loss = _reduce_weighted(loss, keep, reduction)
        else:
            loss = _cross_entropy_indices(input, t, w, ignore_index, reduction, label_smoothing)
    if squeeze and reduction == "none":
        loss = loss.reshape(())
    return loss


def _cross_entropy_indices(input, t, w, ignore_index, reduction, eps):
    logp = input.log_softmax(1)
    nll, wt = _nll_terms(logp, t, w, ignore_index)
    nll = _reduce_weighted(nll, wt, reduction)
    if eps == 0.0:
        return nll
    n_classes = input.shape[1]
    shape = (1, n_classes, *([1] * (input.ndim - 2)))
    weighted = logp if w is None else logp * Tensor(w.astype(input.dtype).reshape(shape))
    keep = t != ignore_index
    smooth = (-(weighted.sum(1))).masked_fill(Tensor(~keep), 0.0)
    if reduction == "mean":
        denom = float(keep.sum()) if w is None else float(w[t[keep]].sum())
        smooth = _mean_of(smooth.sum(), denom)
    elif reduction == "sum":
        smooth = smooth.sum()
    return (1 - eps) * nll + smooth * (eps / n_classes)


def _cross_entropy_probs(input, target, w, reduction, eps):
    if target.shape != input.shape:
        raise ValueError(
            f"cross_entropy: probability targets must have the input's shape {tuple(input.shape)}, "
            f"got {tuple(target.shape)}"
        )
    n_classes = input.shape[1]
    if eps > 0:
        target = target * (1 - eps) + eps / n_classes
    terms = input.log_softmax(1) * target
    if w is not None:
        # (not cast: PyTorch promotes, a float64 weight gives a float64 loss here)
        terms = terms * Tensor(w.reshape(1, n_classes, *([1] * (input.ndim - 2))))
    loss = -(terms.sum(1))
    if reduction == "mean":
        return loss.sum() / (input._data.size // max(n_classes, 1))
    return loss.sum() if reduction == "sum" else loss
