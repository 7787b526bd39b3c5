"""Margin and count losses with PyTorch's formulas, reductions ('mean' | 'sum' | 'none', and
the deprecated size_average / reduce flags) and shape errors: soft_margin_loss,
margin_ranking_loss, hinge_embedding_loss, cosine_embedding_loss, poisson_nll_loss,
multilabel_soft_margin_loss, triplet_margin_loss. Composites of op-table entries, each entered
in the table as "nn.functional.<name>"."""

from __future__ import annotations

import math

import numpy as np

from autograd import Tensor
from autograd.inplace import torch_dtype_name
from autograd.ops.arithmetic import WHERE
from autograd.ops.registry import Const, Sample, register

from .activation import logsigmoid, relu, softplus
from .distance import pairwise_distance
from .loss_common import _reduce as reduce_loss
from .loss_extra import _legacy_reduction

__all__ = [
    "cosine_embedding_loss", "hinge_embedding_loss", "margin_ranking_loss", "multi_margin_loss",
    "multilabel_soft_margin_loss", "poisson_nll_loss", "soft_margin_loss", "triplet_margin_loss",
]

_SIGNS = Const(np.array([1.0, -1.0, -1.0, 1.0]))


def _entry(ref, samples, **kwargs):
    def decorate(fn):
        return register(f"nn.functional.{fn.__name__}", ref=ref, samples=samples, method=False,
                        **kwargs)(fn)
    return decorate


def _reduce(name: str, loss: Tensor, size_average, reduce, reduction: str) -> Tensor:
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    return reduce_loss(name, loss, reduction)


def _t(x, like: Tensor) -> Tensor:
    return x if isinstance(x, Tensor) else like.new_tensor(x)


def _np_reduce(loss, reduction="mean"):
    return {"mean": np.mean, "sum": np.sum}.get(reduction, lambda v: v)(loss)


@_entry(lambda x, y, reduction="mean": _np_reduce(np.log1p(np.exp(-y * x)), reduction),
        [Sample((4,), _SIGNS), Sample((4,), _SIGNS, reduction="none")])
def soft_margin_loss(input: Tensor, target, size_average=None, reduce=None,
                     reduction: str = "mean") -> Tensor:
    """``log(1 + exp(-target * input))`` per element (target ±1), reduced; the loss has the
    input's dtype (as PyTorch: a float64 target does not make a float32 loss float64)."""
    target = _t(target, input)
    if target._data.dtype != input._data.dtype:
        target = target.to(input._data.dtype)
    return _reduce("soft_margin_loss", softplus(-target * input), size_average, reduce, reduction)


@_entry(lambda a, b, y, margin=0.0, reduction="mean": _np_reduce(np.maximum(0, -y * (a - b) + margin), reduction),
        [Sample((4,), (4,), _SIGNS), Sample((4,), (4,), _SIGNS, margin=0.3, reduction="sum")], smooth=False)
def margin_ranking_loss(input1: Tensor, input2: Tensor, target, margin: float = 0.0, size_average=None,
                        reduce=None, reduction: str = "mean") -> Tensor:
    """``max(0, -target * (input1 - input2) + margin)``: input1 should rank higher where
    target is 1, lower where it is -1. All three must have the same number of dims."""
    target = _t(target, input1)
    if not input1.ndim == input2.ndim == target.ndim:
        raise RuntimeError(
            "margin_ranking_loss : All input tensors should have same dimension but got sizes: "
            f"input1: {tuple(input1.shape)}, input2: {tuple(input2.shape)}, target: {tuple(target.shape)} "
        )
    loss = (-target * (input1 - input2) + margin).clamp(min=0)
    return _reduce("margin_ranking_loss", loss, size_average, reduce, reduction)


def _hinge_ref(x, y, margin=1.0, reduction="mean"):
    return _np_reduce(np.where(y != 1, np.maximum(0, margin - x), 0) + np.where(y != -1, x, 0), reduction)


@_entry(_hinge_ref, [Sample((4,), _SIGNS), Sample((4,), _SIGNS, margin=0.5, reduction="none")], smooth=False)
def hinge_embedding_loss(input: Tensor, target, margin: float = 1.0, size_average=None, reduce=None,
                         reduction: str = "mean") -> Tensor:
    """``input`` where target is 1, ``max(0, margin - input)`` where it is -1 (PyTorch adds
    both terms, so other target values get both)."""
    y = np.asarray(_t(target, input)._data)
    zero = np.zeros((), dtype=input._data.dtype)
    loss = WHERE(y != 1, (margin - input).clamp(min=0), zero) + WHERE(y != -1, input, zero)
    return _reduce("hinge_embedding_loss", loss, size_average, reduce, reduction)


def _cos_embed_ref(a, b, y, margin=0.0, reduction="mean"):
    d = a.ndim - 1
    cos = (a * b).sum(d) / np.sqrt(((a * a).sum(d) + 1e-12) * ((b * b).sum(d) + 1e-12))
    return _np_reduce(np.where(y == 1, 1 - cos, 0) + np.where(y == -1, np.maximum(0, cos - margin), 0), reduction)


@_entry(_cos_embed_ref, [Sample((4, 3), (4, 3), _SIGNS), Sample((3,), (3,), Const(np.array(-1.0)), margin=-0.5)],
        smooth=False)
def cosine_embedding_loss(input1: Tensor, input2: Tensor, target, margin: float = 0.0, size_average=None,
                          reduce=None, reduction: str = "mean") -> Tensor:
    """``1 - cos(x1, x2)`` where target is 1, ``max(0, cos(x1, x2) - margin)`` where it is -1;
    cos over the last dim of (N, D) or (D,) inputs (target (N,) or ())."""
    if input1.ndim not in (1, 2) or input1.shape != input2.shape:
        raise RuntimeError(
            f"cosine_embedding_loss: expected 1-D or 2-D inputs of the same shape, got "
            f"{tuple(input1.shape)} and {tuple(input2.shape)}"
        )
    y = np.asarray(_t(target, input1)._data)
    if y.ndim != input1.ndim - 1:
        raise RuntimeError(
            f"{input1.ndim}D target tensor expects {input1.ndim - 1}D input tensors, but found inputs "
            f"with sizes {tuple(input1.shape)} and {tuple(input2.shape)} and target {y.shape}"
        )
    d = input1.ndim - 1
    eps = 1e-12
    cos = (input1 * input2).sum(d) / (((input1 * input1).sum(d) + eps) * ((input2 * input2).sum(d) + eps)).sqrt()
    zero = np.zeros((), dtype=input1._data.dtype)
    loss = WHERE(y == 1, 1 - cos, zero) + WHERE(y == -1, (cos - margin).clamp(min=0), zero)
    return _reduce("cosine_embedding_loss", loss, size_average, reduce, reduction)


def _poisson_ref(x, t, log_input=True, full=False, reduction="mean"):
    loss = np.exp(x) - t * x if log_input else x - t * np.log(x + 1e-8)
    if full:
        safe = np.where(t > 1, t, 2.0)
        loss = loss + np.where(t > 1, safe * np.log(safe) - safe + 0.5 * np.log(2 * np.pi * safe), 0)
    return _np_reduce(loss, reduction)


@_entry(_poisson_ref, [Sample((3, 4), (3, 4)), Sample((3, 4), Const(np.array([0.0, 1.0, 2.0, 5.0])), full=True),
                       Sample((3, 4), (3, 4), full=True),
                       Sample((4,), (4,), log_input=False, reduction="sum")], domain=(0.2, 2.0))
def poisson_nll_loss(input: Tensor, target, log_input: bool = True, full: bool = False, size_average=None,
                     eps: float = 1e-8, reduce=None, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of `target` under Poisson(rate): ``exp(input) - target * input``
    (input is log rate) or ``input - target * log(input + eps)``; `full` adds Stirling's term
    ``t log t - t + log(2 pi t) / 2`` where target > 1."""
    target = _t(target, input)
    loss = input.exp() - target * input if log_input else input - target * (input + eps).log()
    if full:
        # from the target tensor, not its array, and as PyTorch writes it: it differentiates
        # Stirling's term in the target (log t + 1/(2t) where t > 1, 0 where 0 < t <= 1, and
        # nan at t = 0, from 0 * log(0))
        small = Tensor(np.asarray(target._data) <= 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            stirling = target * target.log() - target + 0.5 * (target * (2 * math.pi)).log()
        loss = loss + stirling.masked_fill(small, 0.0)
    return _reduce("poisson_nll_loss", loss, size_average, reduce, reduction)


def _mlsm_ref(x, y, weight=None, reduction="mean"):
    loss = -(y * -np.log1p(np.exp(-x)) + (1 - y) * -np.log1p(np.exp(x)))
    if weight is not None:
        loss = loss * weight
    return _np_reduce(loss.mean(-1), reduction)


@_entry(_mlsm_ref, [Sample((3, 4), Const(np.array([[1.0, 0, 0, 1], [0, 0, 1, 0], [1, 1, 1, 0]]))),
                    Sample((2, 4), Const(np.array([[1.0, 0, 0, 1], [0, 1, 1, 0]])), (4,), reduction="none")])
def multilabel_soft_margin_loss(input: Tensor, target, weight=None, size_average=None, reduce=None,
                                reduction: str = "mean") -> Tensor:
    """Binary cross-entropy of each class's logit against its 0/1 target (times `weight`),
    averaged over the classes (last dim), then reduced over the batch."""
    target = _t(target, input)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * _t(weight, input)
    loss = loss.sum(input.ndim - 1) / input.shape[-1]
    return _reduce("multilabel_soft_margin_loss", loss, size_average, reduce, reduction)


def _triplet_ref(a, p, n, margin=1.0, swap=False, reduction="mean"):
    dist = lambda u, v: np.sqrt(((u - v + 1e-6) ** 2).sum(-1))
    d_an = dist(a, n)
    if swap:
        d_an = np.minimum(d_an, dist(p, n))
    return _np_reduce(np.maximum(margin + dist(a, p) - d_an, 0), reduction)


@_entry(_triplet_ref, [Sample((4, 3), (4, 3), (4, 3)), Sample((4, 3), (4, 3), (4, 3), margin=3.0, swap=True)],
        smooth=False)
def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2,
                        eps: float = 1e-6, swap: bool = False, size_average=None, reduce=None,
                        reduction: str = "mean") -> Tensor:
    """``max(d(a, p) - d(a, n) + margin, 0)`` with d the p-norm pairwise distance (`eps` added
    to the difference); `swap` uses min(d(a, n), d(p, n)). Inputs (N, D) or (D,)."""
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise RuntimeError(
            "The anchor, positive, and negative tensors are expected to have the same number of "
            f"dimensions, but got: anchor {anchor.ndim}D, positive {positive.ndim}D, and negative "
            f"{negative.ndim}D inputs"
        )
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = d_neg.minimum(pairwise_distance(positive, negative, p, eps))
    loss = (margin + d_pos - d_neg).clamp(min=0)
    return _reduce("triplet_margin_loss", loss, size_average, reduce, reduction)


def _multi_margin_ref(x, y, p=1, margin=1.0, weight=None, reduction="mean"):
    # independent of the implementation: the per-sample sum over the classes other than y
    x2 = np.atleast_2d(x)
    y1 = np.atleast_1d(np.asarray(y))
    loss = np.zeros(len(y1), x2.dtype)
    for n, t in enumerate(y1):
        for i in range(x2.shape[1]):
            if i != t:
                h = max(margin - x2[n, t] + x2[n, i], 0.0) ** p
                loss[n] += h * (1.0 if weight is None else weight[t])
    loss = loss / x2.shape[1]
    return _np_reduce(loss if np.ndim(x) == 2 else loss[0], reduction)


_CLASSES = Const(Tensor(np.array([2, 0, 1, 3])))


@_entry(_multi_margin_ref, [
    Sample((4, 5), _CLASSES), Sample((4, 5), _CLASSES, p=2, margin=0.5, reduction="sum"),
    Sample((4, 5), _CLASSES, 2, 0.7, (5,), reduction="none"),
], smooth=False)
def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0,
                      weight: Tensor | None = None, size_average=None, reduce=None,
                      reduction: str = "mean") -> Tensor:
    """Multi-class hinge loss: for each sample, ``sum_{i != y} max(0, margin - x[y] + x[i])^p
    * weight[y] / C`` (p is 1 or 2), reduced. Input (N, C) or (C,); target (N,) or () class
    indices (int64); weight (C,) optional."""
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if not isinstance(target, Tensor):
        target = Tensor(np.asarray(target))
    x = input
    if x.ndim > 2 or (x.ndim >= 1 and x.shape[-1] == 0) or (x.ndim == 0):
        raise RuntimeError(
            "Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
            f"{list(x.shape)}"
        )
    batch = x.shape[0] if x.ndim == 2 else 1
    classes = x.shape[-1]
    if target.ndim > 1 or target.numel() != batch:
        raise RuntimeError(
            "multi_margin_loss: target tensor should be 1-D with size equal to the number of "
            f"input samples (batch size). Expected target size [{batch}], but got "
            f"{list(target.shape)}. Input has shape {list(x.shape)}."
        )
    if target.dtype != np.int64:
        raise RuntimeError(f"expected scalar type Long but found {torch_dtype_name(target.dtype)}")
    labels = target._data.reshape(-1)
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise RuntimeError("target out of range")
    if weight is not None and (weight.ndim != 1 or weight.shape[0] != classes):
        raise RuntimeError(
            f"inconsistent weight size, expected {classes} but got {list(weight.shape)}"
        )
    x2 = x.reshape(batch, classes)
    index = Tensor(labels.reshape(batch, 1))
    # relu (gradient 0 at a zero margin, as PyTorch's kernel sums only z > 0)
    z = relu(margin - x2.gather(1, index) + x2)
    if p == 2:
        z = z * z
    if weight is not None:
        z = z * weight.to(z.dtype)[Tensor(labels)].reshape(batch, 1)
    others = np.ones((batch, classes), dtype=z.dtype)
    others[np.arange(batch), labels] = 0
    loss = (z * Tensor(others)).sum(1) / classes
    if x.ndim < 2:
        loss = loss.reshape(())
    return _reduce("multi_margin_loss", loss, size_average, reduce, reduction)
