"""Small generated 2-D classification sets for first experiments: XOR, two moons, spirals."""

from __future__ import annotations

import numpy as np

__all__ = ["make_moons", "make_spiral", "make_xor"]


def _check(name: str, n: int, noise: float, what: str = "n") -> None:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n <= 0:
        raise ValueError(f"{name}: {what} must be a positive int, got {n!r}")
    if not noise >= 0:
        raise ValueError(f"{name}: noise must be >= 0, got {noise!r}")


def _shuffled(x: np.ndarray, y: np.ndarray, rng: np.random.Generator):
    perm = rng.permutation(len(y))
    return x[perm].astype(np.float32), y[perm].astype(np.int64)


def make_xor(n: int = 200, noise: float = 0.1, seed: int | None = 0):
    """XOR: points around the corners (±1, ±1); label 1 where the coordinates' signs differ.

    Sample k sits at corner k % 4 plus N(0, noise²) jitter, so the classes are balanced.

    Returns:
        (X, y): X (n, 2) float32, y (n,) int64 in {0, 1}, shuffled.
    """
    _check("make_xor", n, noise)
    rng = np.random.default_rng(seed)
    corners = np.array([[1.0, 1.0], [-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0]])
    which = np.arange(n) % 4
    x = corners[which] + noise * rng.standard_normal((n, 2))
    y = (which >= 2).astype(np.int64)  # corners 2 and 3 have coordinates of opposite sign
    return _shuffled(x, y, rng)


def make_moons(n: int = 200, noise: float = 0.1, seed: int | None = 0):
    """Two interleaving half circles (scikit-learn's make_moons), plus N(0, noise²) jitter.

    Class 0: (cos t, sin t); class 1: (1 - cos t, 0.5 - sin t), t evenly in [0, pi]; class 0
    gets n // 2 points.

    Returns:
        (X, y): X (n, 2) float32, y (n,) int64 in {0, 1}, shuffled.
    """
    _check("make_moons", n, noise)
    rng = np.random.default_rng(seed)
    n_out = n // 2
    n_in = n - n_out
    t_out = np.linspace(0, np.pi, n_out)
    t_in = np.linspace(0, np.pi, n_in)
    outer = np.stack([np.cos(t_out), np.sin(t_out)], axis=1)
    inner = np.stack([1 - np.cos(t_in), 0.5 - np.sin(t_in)], axis=1)
    x = np.concatenate([outer, inner]) + noise * rng.standard_normal((n, 2))
    y = np.concatenate([np.zeros(n_out), np.ones(n_in)])
    return _shuffled(x, y, rng)


def make_spiral(n_per_class: int = 100, n_classes: int = 3, noise: float = 0.2,
                seed: int | None = 0):
    """Interleaved spiral arms (the CS231n set): arm j has radius r in [0, 1] and angle
    4j + 4r + N(0, noise²), giving the point r (sin angle, cos angle).

    Returns:
        (X, y): X (n_per_class * n_classes, 2) float32, y int64 in [0, n_classes), shuffled.
    """
    _check("make_spiral", n_per_class, noise, "n_per_class")
    _check("make_spiral", n_classes, noise, "n_classes")
    rng = np.random.default_rng(seed)
    r = np.tile(np.linspace(0.0, 1.0, n_per_class), n_classes)
    y = np.repeat(np.arange(n_classes), n_per_class)
    angle = 4.0 * y + 4.0 * r + noise * rng.standard_normal(len(y))
    x = r[:, None] * np.stack([np.sin(angle), np.cos(angle)], axis=1)
    return _shuffled(x, y, rng)
