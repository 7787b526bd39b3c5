"""The two halves of `clip_grad_norm_` that PyTorch 2.6 exposes (`get_total_norm`,
`clip_grads_with_norm_`) and the deprecated alias `clip_grad_norm`."""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable

import numpy as np

from autograd import Tensor

from .utils import _as_list, _scale_grad_, _total_norm, clip_grad_norm_

__all__ = ["clip_grad_norm", "clip_grads_with_norm_", "get_total_norm"]


def get_total_norm(tensors: Tensor | Iterable[Tensor], norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach=None) -> Tensor:
    """The `norm_type`-norm of all `tensors` together (the norm of their per-tensor norms;
    ``inf``: the largest |x|), as a 0-d tensor of the first tensor's dtype (0.0 when empty)."""
    ts = [t for t in _as_list("get_total_norm", tensors) if t is not None]
    norm_type = float(norm_type)
    if not ts:
        return Tensor(0.0)
    total = _total_norm(ts, norm_type, error_if_nonfinite)
    return Tensor(np.array(total, dtype=ts[0].dtype))


def clip_grads_with_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float, total_norm,
                          foreach=None) -> None:
    """Multiply every `.grad` in place by ``min(1, max_norm / (total_norm + 1e-6))`` (the
    total norm computed beforehand, e.g. by `get_total_norm` over the gradients)."""
    params = [p for p in _as_list("clip_grads_with_norm_", parameters) if p.grad is not None]
    total = float(np.asarray(getattr(total_norm, "_data", total_norm)))
    coef = min(float(max_norm) / (total + 1e-6), 1.0) if not math.isnan(total) else math.nan
    for p in params:
        _scale_grad_(p, coef)


def clip_grad_norm(parameters, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach=None) -> Tensor:
    """Deprecated alias of `clip_grad_norm_` (warns, as PyTorch)."""
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
                  "`torch.nn.utils.clip_grad_norm_`.", FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite)
