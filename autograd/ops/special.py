"""Normalizing exponentials: logsumexp, softmax, log_softmax (all stable at inputs of 1e4)."""

from __future__ import annotations

import numpy as np

from .reduction import unreduce
from .registry import Const, Primitive, Sample, normalize_dim, register


def _logsumexp_forward(x, axis, keepdims):
    # NOTE: subtract the max so exp cannot overflow; an all -inf slice keeps max 0
    m = np.amax(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


def _softmax_forward(x, axis):
    e = np.exp(x - np.amax(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _log_softmax_forward(x, axis):
    shifted = x - np.amax(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


LOGSUMEXP = Primitive(
    "logsumexp", _logsumexp_forward,
    [lambda g, out, x, axis, keepdims: unreduce(g, x.shape, axis, keepdims)
     * np.exp(x - unreduce(out, x.shape, axis, keepdims))],
    "d logsumexp(x)/dx_i = softmax(x)_i",
)
SOFTMAX = Primitive(
    "softmax", _softmax_forward,
    [lambda g, out, x, axis: out * (g - np.sum(g * out, axis=axis, keepdims=True))],
    "d softmax(x)/dx: J = diag(s) - s s^T, so dx = s * (g - sum(g * s))",
)
LOG_SOFTMAX = Primitive(
    "log_softmax", _log_softmax_forward,
    [lambda g, out, x, axis: g - np.exp(out) * np.sum(g, axis=axis, keepdims=True)],
    "d log_softmax(x)/dx: dx = g - softmax(x) * sum(g)",
)


def _softmax_ref(x, dim=-1):
    e = np.exp(x - x.max(axis=dim, keepdims=True))
    return e / e.sum(axis=dim, keepdims=True)


def _lse_ref(x, dim=None, keepdim=False):
    m = np.max(x, axis=dim, keepdims=True)
    out = np.log(np.exp(x - m).sum(axis=dim, keepdims=True)) + m
    return out if keepdim else np.squeeze(out, axis=dim)


SOFT_SAMPLES = [Sample((3, 4)), Sample((3, 4), dim=0), Sample((2, 3, 4), dim=1), Sample((5,))]


@register("logsumexp", ref=_lse_ref,
          samples=[Sample((3, 4), 1), Sample((3, 4), dim=0, keepdim=True), Sample((2, 3, 4), Const((0, 2)))])
def logsumexp(input, dim, keepdim=False):
    """log(sum(exp(x))) over `dim`, computed as m + log(sum(exp(x - m))) with m = max."""
    return LOGSUMEXP(input, axis=normalize_dim(dim, input.ndim), keepdims=keepdim)


@register("softmax", ref=_softmax_ref, samples=SOFT_SAMPLES)
def softmax(input, dim=-1, dtype=None):
    """exp(x - max) / sum(exp(x - max)) along `dim`."""
    x = input if dtype is None else input.to(dtype)
    return SOFTMAX(x, axis=normalize_dim(dim, x.ndim))


@register("log_softmax", ref=lambda x, dim=-1: np.log(_softmax_ref(x, dim)), samples=SOFT_SAMPLES)
def log_softmax(input, dim=-1, dtype=None):
    """x - logsumexp(x) along `dim` (stable; use it with NLL loss instead of log(softmax))."""
    x = input if dtype is None else input.to(dtype)
    return LOG_SOFTMAX(x, axis=normalize_dim(dim, x.ndim))
