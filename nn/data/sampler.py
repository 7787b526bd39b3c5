"""Index samplers: the order in which a DataLoader visits a dataset (PyTorch's names)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from autograd.random import default_generator

from ._util import as_generator

__all__ = ["BatchSampler", "RandomSampler", "Sampler", "SequentialSampler", "SubsetRandomSampler"]


class Sampler:
    """Base of samplers: an iterable of dataset indices with a length.

    Subclasses define `draw()` returning one epoch's indices as an int64 array; iterating calls it
    once, so every `iter(sampler)` is a new epoch.
    """

    def draw(self) -> np.ndarray:
        """One epoch of indices as an int64 array."""
        raise NotImplementedError(f"{type(self).__name__} must implement draw()")

    def __iter__(self) -> Iterator[int]:
        return iter(self.draw().tolist())

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must implement __len__")


class SequentialSampler(Sampler):
    """Indices 0, 1, ..., len(data_source) - 1 in order."""

    def __init__(self, data_source) -> None:
        self.data_source = data_source

    def draw(self) -> np.ndarray:
        """0..n-1."""
        return np.arange(len(self.data_source), dtype=np.int64)

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """A fresh random permutation every epoch (or `num_samples` draws with replacement).

    Args:
        data_source: the dataset (only its length is used).
        replacement: draw with replacement.
        num_samples: indices per epoch (default: len(data_source)); more than the length needs
            `replacement=True`.
        generator: numpy Generator, used across epochs; `seed` makes one (seeded once, so the
            same seed gives the same sequence of epochs). Neither: autograd's global generator
            (`autograd.manual_seed` makes it reproducible).
        seed: int seed, alternative to `generator`.
    """

    def __init__(self, data_source, replacement: bool = False, num_samples: int | None = None,
                 generator=None, *, seed: int | None = None) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self.generator = as_generator(generator, seed)
        n = len(data_source)
        self._num_samples = num_samples
        if num_samples is not None and (not isinstance(num_samples, int) or num_samples <= 0):
            raise ValueError(f"RandomSampler: num_samples should be a positive int, got {num_samples}")
        if num_samples is not None and num_samples > n and not replacement:
            raise ValueError(
                f"RandomSampler: num_samples={num_samples} exceeds the dataset length {n}; "
                "pass replacement=True"
            )

    @property
    def num_samples(self) -> int:
        """Indices drawn per epoch."""
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def draw(self) -> np.ndarray:
        """This epoch's indices from the sampler's generator."""
        rng = self.generator or default_generator()
        n = len(self.data_source)
        if self.replacement:
            return rng.integers(0, n, size=self.num_samples, dtype=np.int64)
        return rng.permutation(n)[: self.num_samples].astype(np.int64, copy=False)

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given `indices` in a fresh random order every epoch."""

    def __init__(self, indices: Sequence[int], generator=None, *, seed: int | None = None) -> None:
        self.indices = np.asarray(indices, dtype=np.int64).reshape(-1)
        self.generator = as_generator(generator, seed)

    def draw(self) -> np.ndarray:
        """A permutation of `indices`."""
        rng = self.generator or default_generator()
        return self.indices[rng.permutation(len(self.indices))]

    def __len__(self) -> int:
        return len(self.indices)


class BatchSampler(Sampler):
    """Group another sampler's indices into lists of `batch_size` (the last may be short)."""

    def __init__(self, sampler, batch_size: int, drop_last: bool) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
                or batch_size <= 0:
            raise ValueError(f"BatchSampler: batch_size should be a positive int, got {batch_size!r}")
        self.sampler = sampler
        self.batch_size = int(batch_size)
        self.drop_last = bool(drop_last)

    def batches(self) -> Iterator[np.ndarray]:
        """One epoch of batches, each an int64 index array."""
        bs = self.batch_size
        if _has_draw(self.sampler):
            order = self.sampler.draw()
            stop = len(order) - len(order) % bs if self.drop_last else len(order)
            for start in range(0, stop, bs):
                yield order[start:start + bs]
            return
        # a user's iterable of indices: consume it lazily (it may be long or generated on the fly)
        batch: list = []
        for i in self.sampler:
            batch.append(i)
            if len(batch) == bs:
                yield np.asarray(batch, dtype=np.int64)
                batch = []
        if batch and not self.drop_last:
            yield np.asarray(batch, dtype=np.int64)

    def __iter__(self) -> Iterator[list]:
        return (b.tolist() for b in self.batches())

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


def _has_draw(sampler) -> bool:
    """True when `sampler` gives a whole epoch as an array (a Sampler subclass overriding draw)."""
    draw = getattr(type(sampler), "draw", None)
    return callable(draw) and draw is not Sampler.draw
