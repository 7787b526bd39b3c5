"""MixUp (Zhang et al., 2018): train on convex blends of pairs of examples and of their labels.

    lam ~ Beta(alpha, alpha);  x' = lam x + (1 - lam) x[perm];  y' = lam onehot(y) + (1 - lam) onehot(y)[perm]

with one `lam` per batch and `perm` a random permutation of the batch (torchvision.transforms.v2
MixUp's recipe). F.cross_entropy takes the soft targets y' directly.
"""

from __future__ import annotations

import numpy as np

from autograd import Tensor, as_tensor
from autograd.random import default_generator

from ._util import as_generator

__all__ = ["MixUp", "mixup"]


def mixup(x, y, alpha: float = 1.0, num_classes: int | None = None, generator=None, *,
          seed: int | None = None):
    """Blend a batch with a shuffled copy of itself; labels become class probabilities.

    Args:
        x: inputs (N, ...), a Tensor or numpy array.
        y: integer labels (N,) or class probabilities (N, num_classes).
        alpha: Beta(alpha, alpha) concentration; small alpha keeps lam near 0 or 1.
        num_classes: number of classes (needed for integer labels).
        generator, seed: numpy Generator or seed; with neither, autograd's global generator.
    Returns:
        (x', y'): blended inputs as given (Tensor or array) and float32 probabilities (N, num_classes).
    """
    if alpha <= 0:
        raise ValueError(f"mixup: alpha must be positive, got {alpha}")
    rng = as_generator(generator, seed) or default_generator()
    labels = np.asarray(y._data if isinstance(y, Tensor) else y)
    if labels.ndim == 1:
        if num_classes is None:
            raise ValueError("mixup: integer labels need num_classes (the one-hot width)")
        if labels.dtype.kind not in "iu":
            raise TypeError(f"mixup: labels (N,) must be integers, got {labels.dtype}")
        labels = np.eye(num_classes, dtype=np.float32)[labels]
    elif labels.ndim != 2:
        raise ValueError(f"mixup: y must be labels (N,) or probabilities (N, C), got shape {labels.shape}")
    if labels.shape[0] != x.shape[0]:
        raise ValueError(f"mixup: x has {x.shape[0]} examples but y has {labels.shape[0]}")
    lam = np.float32(rng.beta(alpha, alpha))
    perm = rng.permutation(x.shape[0])
    mixed = x * lam + x[perm] * (1 - lam)
    targets = (labels * lam + labels[perm] * (1 - lam)).astype(np.float32)
    return mixed, as_tensor(targets)


class MixUp:
    """`mixup` as a callable on (x, y) batches: ``x, y = MixUp(alpha=0.4, num_classes=10)(x, y)``."""

    def __init__(self, alpha: float = 1.0, num_classes: int | None = None, generator=None, *,
                 seed: int | None = None) -> None:
        if alpha <= 0:
            raise ValueError(f"MixUp: alpha must be positive, got {alpha}")
        self.alpha = alpha
        self.num_classes = num_classes
        self.generator = as_generator(generator, seed)

    def __call__(self, x, y):
        return mixup(x, y, self.alpha, self.num_classes, self.generator)

    def __repr__(self) -> str:
        return f"MixUp(alpha={self.alpha}, num_classes={self.num_classes})"
