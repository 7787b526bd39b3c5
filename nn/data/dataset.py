"""Map-style datasets: Dataset, TensorDataset, Subset, ConcatDataset, TransformDataset, random_split.

Batch protocol (the DataLoader's fast path): a dataset may define ``get_batch(indices)`` taking an
int64 array of indices and returning the whole batch at once, structured like one sample but with a
leading batch dimension (a tuple of arrays for tuple samples). `TensorDataset` does this by
fancy-indexing its arrays once per batch; `Subset`, `ConcatDataset` and `TransformDataset` forward
it when the datasets they wrap have it.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence

import numpy as np

from autograd import Tensor, as_tensor
from autograd.random import default_generator

from ._util import apply_transform, as_generator, to_array

__all__ = [
    "ConcatDataset",
    "Dataset",
    "Subset",
    "TensorDataset",
    "TransformDataset",
    "random_split",
]


class Dataset:
    """Base of map-style datasets: subclasses define `__getitem__(i)` and `__len__()`."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must implement __len__")

    def __add__(self, other: Dataset) -> ConcatDataset:
        """`a + b` is `ConcatDataset([a, b])`."""
        return ConcatDataset([self, other])


def _check_index(name: str, index, n: int) -> int:
    """An int index in [-n, n) as a non-negative int; a clear IndexError otherwise."""
    if isinstance(index, Tensor):
        index = index.item()
    if not isinstance(index, (int, np.integer)) or isinstance(index, (bool, np.bool_)):
        raise TypeError(f"{name}: index must be an int, got {type(index).__name__}")
    if not -n <= index < n:
        raise IndexError(f"{name}: index {index} is out of range for a dataset of length {n}")
    return int(index) % n


def _check_indices(name: str, indices, n: int) -> np.ndarray:
    """An int64 index array with every entry in [-n, n), wrapped to [0, n)."""
    idx = np.asarray(indices._data if isinstance(indices, Tensor) else indices)
    if idx.dtype.kind not in "iu" and idx.size:
        raise TypeError(f"{name}: batch indices must be integers, got dtype {idx.dtype}")
    idx = idx.astype(np.int64, copy=False)
    if idx.size and (idx.min() < -n or idx.max() >= n):
        bad = idx[(idx < -n) | (idx >= n)][0]
        raise IndexError(f"{name}: index {bad} is out of range for a dataset of length {n}")
    return idx % n if n else idx


class TensorDataset(Dataset):
    """Samples are tuples `(t[i] for t in tensors)`; all tensors share their first dimension.

    Args:
        *tensors: Tensors or array-likes of shape (N, ...); stored as arrays (detached).
        transform: optional callable applied to the first element of each sample (the input).
        target_transform: optional callable applied to the second element (the target).

    `dataset[i]` returns a tuple of Tensors. On the DataLoader's fast path (`get_batch`) a transform
    whose `batched` attribute is true (every transform in `nn.data.transforms`) is applied once to
    the whole (N, ...) batch; any other callable is applied to each sample and the results stacked.
    """

    def __init__(self, *tensors, transform: Callable | None = None,
                 target_transform: Callable | None = None) -> None:
        if not tensors:
            raise ValueError("TensorDataset: expected at least one tensor")
        arrays = tuple(to_array(t) for t in tensors)
        for k, a in enumerate(arrays):
            if a.ndim == 0:
                raise ValueError(f"TensorDataset: tensor {k} is 0-d; each needs a first (sample) dim")
        sizes = [a.shape[0] for a in arrays]
        if any(s != sizes[0] for s in sizes):
            raise ValueError(f"TensorDataset: size mismatch between tensors; first dims are {sizes}")
        if target_transform is not None and len(arrays) < 2:
            raise ValueError("TensorDataset: target_transform needs a second tensor (the targets)")
        self.arrays = arrays
        self.transform = transform
        self.target_transform = target_transform

    @property
    def tensors(self) -> tuple[Tensor, ...]:
        """The stored data as Tensors (sharing memory), as PyTorch's `TensorDataset.tensors`."""
        return tuple(_wrap(a) for a in self.arrays)

    def __len__(self) -> int:
        return self.arrays[0].shape[0]

    def __getitem__(self, index) -> tuple:
        i = _check_index("TensorDataset", index, len(self))
        sample = [a[i] for a in self.arrays]
        return tuple(_wrap(s) for s in self._transformed(sample, batched=False))

    def get_batch(self, indices) -> tuple:
        """The samples at `indices` as a tuple of arrays (N, ...), gathered with one fancy index each."""
        idx = _check_indices("TensorDataset", indices, len(self))
        return tuple(self._transformed([a[idx] for a in self.arrays], batched=True))

    def _transformed(self, sample: list, batched: bool) -> list:
        if self.transform is not None:
            sample[0] = apply_transform(self.transform, sample[0], batched)
        if self.target_transform is not None:
            sample[1] = apply_transform(self.target_transform, sample[1], batched)
        return sample


def _wrap(x):
    """Arrays and numpy scalars become Tensors (sharing memory, dtype kept); others pass through."""
    if isinstance(x, (np.ndarray, np.generic)):
        # NOTE: a 0-d array, not the numpy scalar: as_tensor(np.generic) fails under numpy 2
        return as_tensor(np.asarray(x))
    return x


class TransformDataset(Dataset):
    """Wrap `dataset`, applying `transform` to each sample's input (and `target_transform` to its target).

    A sample that is a tuple/list has `transform` applied to element 0 and `target_transform` to
    element 1; any other sample goes through `transform` whole. `get_batch` is forwarded when the
    wrapped dataset has it, with batched transforms applied once per batch (see `TensorDataset`).
    """

    def __init__(self, dataset, transform: Callable | None = None,
                 target_transform: Callable | None = None) -> None:
        self.dataset = dataset
        self.transform = transform
        self.target_transform = target_transform
        if hasattr(dataset, "get_batch"):
            self.get_batch = self._get_batch

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index):
        return self._apply(self.dataset[index], batched=False)

    def _get_batch(self, indices):
        return self._apply(self.dataset.get_batch(indices), batched=True)

    def _apply(self, sample, batched: bool):
        if not isinstance(sample, (tuple, list)):
            if self.target_transform is not None:
                raise TypeError("TransformDataset: target_transform needs (input, target) samples")
            return apply_transform(self.transform, sample, batched) if self.transform else sample
        items = list(sample)
        if self.transform is not None:
            items[0] = apply_transform(self.transform, items[0], batched)
        if self.target_transform is not None:
            if len(items) < 2:
                raise TypeError("TransformDataset: target_transform needs (input, target) samples")
            items[1] = apply_transform(self.target_transform, items[1], batched)
        if type(sample) in (tuple, list):
            return type(sample)(items)
        return type(sample)(*items)  # a namedtuple


class Subset(Dataset):
    """The samples of `dataset` at `indices` (in that order)."""

    def __init__(self, dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = _check_indices("Subset", indices, len(dataset)).reshape(-1)
        if hasattr(dataset, "get_batch"):
            self.get_batch = self._get_batch

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, index):
        return self.dataset[int(self.indices[_check_index("Subset", index, len(self))])]

    def _get_batch(self, indices):
        return self.dataset.get_batch(self.indices[_check_indices("Subset", indices, len(self))])


class ConcatDataset(Dataset):
    """The datasets one after another: index i goes to the dataset whose range contains it."""

    def __init__(self, datasets) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        self.cumulative_sizes = np.cumsum([len(d) for d in self.datasets]).tolist()
        if all(hasattr(d, "get_batch") for d in self.datasets):
            self.get_batch = self._get_batch

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def _locate(self, idx):
        which = np.searchsorted(self.cumulative_sizes, idx, side="right")
        starts = np.concatenate([[0], self.cumulative_sizes[:-1]]).astype(np.int64)
        return which, idx - starts[which]

    def __getitem__(self, index):
        i = _check_index("ConcatDataset", index, len(self))
        which, local = self._locate(i)
        return self.datasets[int(which)][int(local)]

    def _get_batch(self, indices):
        idx = _check_indices("ConcatDataset", indices, len(self))
        which, local = self._locate(idx)
        # NOTE: gather per dataset (a loop over datasets, not samples), then undo the grouping
        order = np.argsort(which, kind="stable")
        parts = [
            d.get_batch(local[order][which[order] == k])
            for k, d in enumerate(self.datasets) if np.any(which == k)
        ]
        inverse = np.empty_like(order)
        inverse[order] = np.arange(len(order))
        return _concat_parts(parts, inverse)


def _concat_parts(parts: list, inverse: np.ndarray):
    """Concatenate batches with the same structure along dim 0, then reorder rows by `inverse`."""
    first = parts[0]
    if isinstance(first, (tuple, list)):
        lengths = {len(p) for p in parts}
        if len(lengths) != 1:
            raise ValueError(f"ConcatDataset: datasets give samples with different lengths {lengths}")
        return type(first)(_concat_parts([p[k] for p in parts], inverse) for k in range(len(first)))
    if isinstance(first, dict):
        return {key: _concat_parts([p[key] for p in parts], inverse) for key in first}
    arrays = [p._data if isinstance(p, Tensor) else np.asarray(p) for p in parts]
    return np.concatenate(arrays, axis=0)[inverse]


def random_split(dataset, lengths: Sequence[float], generator=None, *, seed: int | None = None):
    """Randomly split `dataset` into non-overlapping `Subset`s of the given lengths.

    Args:
        dataset: any map-style dataset.
        lengths: integer lengths summing to `len(dataset)`, or fractions summing to 1 (each gets
            `floor(frac * n)` and the remainder is dealt one by one, round-robin, as PyTorch).
        generator: a numpy Generator; `seed` makes one; neither uses autograd's global generator.
        seed: int seed (alternative to `generator`).

    Returns:
        list of `Subset`, one per length.
    """
    n = len(dataset)
    lengths = list(lengths)
    if lengths and all(0 <= f <= 1 for f in lengths) and math.isclose(sum(lengths), 1.0) \
            and sum(lengths) != n:
        counts = [math.floor(n * f) for f in lengths]
        for k in range(n - sum(counts)):
            counts[k % len(counts)] += 1
        lengths = counts
    if any(int(x) != x or x < 0 for x in lengths):
        raise ValueError(f"random_split: lengths must be non-negative ints or fractions, got {lengths}")
    if sum(lengths) != n:
        raise ValueError(
            f"random_split: sum of input lengths ({sum(lengths)}) does not equal the length of "
            f"the input dataset ({n})"
        )
    rng = as_generator(generator, seed) or default_generator()
    perm = rng.permutation(n)
    bounds = np.cumsum([0, *[int(x) for x in lengths]])
    return [Subset(dataset, perm[lo:hi]) for lo, hi in itertools.pairwise(bounds)]
