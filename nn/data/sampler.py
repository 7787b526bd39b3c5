"""Index samplers: the order in which a DataLoader visits a dataset (PyTorch's names)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from autograd.random import default_generator

from ._util import as_generator

__all__ = ["BatchSampler", "RandomSampler", "Sampler", "SequentialSampler", "SubsetRandomSampler",
           "WeightedRandomSampler"]

_CHUNK = 32  # indices drawn at a time by samplers that draw lazily (as PyTorch's RandomSampler)


class Sampler:
    """Base of samplers: an iterable of dataset indices with a length.

    Subclasses define `draw()` returning one epoch's indices as an int64 array; iterating calls it
    once, so every `iter(sampler)` is a new epoch. Samplers whose epochs may be too long to hold
    (draws with replacement) override `chunks(size)` to draw lazily instead.
    """

    def draw(self) -> np.ndarray:
        """One epoch of indices as an int64 array."""
        raise NotImplementedError(f"{type(self).__name__} must implement draw()")

    def chunks(self, size: int) -> Iterator[np.ndarray]:
        """One epoch of indices as consecutive int64 arrays of `size` (the last may be short)."""
        order = self.draw()
        for start in range(0, len(order), size):
            yield order[start:start + size]

    def __iter__(self) -> Iterator[int]:
        for chunk in self.chunks(_CHUNK):
            yield from chunk.tolist()

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

    Draws with replacement are made lazily, a chunk at a time, so `num_samples` may be huge
    (`int(1e10)`: an "infinite" stream of batches) without allocating it.

    Args:
        data_source: the dataset (only its length is used).
        replacement: draw with replacement.
        num_samples: indices per epoch (default: len(data_source)); more than the length needs
            `replacement=True`.
        generator: an `autograd.Generator` (or numpy Generator), used across epochs; `seed` makes one (seeded once, so the
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
        parts = list(self.chunks(max(self.num_samples, 1)))
        return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)

    def chunks(self, size: int) -> Iterator[np.ndarray]:
        """This epoch's indices, `size` at a time; draws with replacement are made lazily."""
        rng = self.generator or default_generator()
        n = len(self.data_source)
        if not self.replacement:
            order = rng.permutation(n)[: self.num_samples].astype(np.int64, copy=False)
            for start in range(0, len(order), size):
                yield order[start:start + size]
            return
        left = self.num_samples
        while left > 0:
            k = min(size, left)
            yield rng.integers(0, n, size=k, dtype=np.int64)
            left -= k

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
            for chunk in self.sampler.chunks(bs):
                if len(chunk) < bs and self.drop_last:
                    return
                yield chunk
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
    """True when `sampler` gives its epoch as arrays (a Sampler subclass overriding draw or
    chunks)."""
    if not isinstance(sampler, Sampler):
        return False
    cls = type(sampler)
    return cls.draw is not Sampler.draw or cls.chunks is not Sampler.chunks


class WeightedRandomSampler(Sampler):
    """`num_samples` indices drawn with probabilities proportional to `weights`.

    Args:
        weights: (N,) non-negative weights, one per dataset item (need not sum to one).
        num_samples: indices per epoch.
        replacement: draw with replacement (lazily, a chunk at a time, so `num_samples` may be
            huge); without it, at most the number of non-zero weights.
        generator: an `autograd.Generator` (or numpy Generator); default the global one.
    """

    def __init__(self, weights, num_samples: int, replacement: bool = True,
                 generator=None) -> None:
        if isinstance(num_samples, bool) or not isinstance(num_samples, (int, np.integer)) \
                or num_samples <= 0:
            raise ValueError(
                f"WeightedRandomSampler: num_samples should be a positive integer value, but got "
                f"num_samples={num_samples!r}"
            )
        if not isinstance(replacement, bool):
            raise ValueError(f"WeightedRandomSampler: replacement should be a boolean value, but "
                             f"got replacement={replacement!r}")
        w = np.asarray(weights._data if hasattr(weights, "_data") else weights, dtype=np.float64)
        if w.ndim != 1:
            raise ValueError(f"WeightedRandomSampler: weights should be a 1-D sequence, got shape "
                             f"{w.shape}")
        self.weights = w
        self.num_samples = int(num_samples)
        self.replacement = replacement
        self.generator = as_generator(generator)

    def draw(self) -> np.ndarray:
        """This epoch's indices."""
        return np.concatenate(list(self.chunks(self.num_samples)))

    def chunks(self, size: int) -> Iterator[np.ndarray]:
        """This epoch's indices, `size` at a time (lazily when drawing with replacement)."""
        from autograd.sampling import multinomial

        rng = self.generator or default_generator()
        if not self.replacement:
            order = multinomial(self.weights, self.num_samples, False, generator=rng)._data
            for start in range(0, len(order), size):
                yield order[start:start + size]
            return
        left = self.num_samples
        while left > 0:
            k = min(size, left)
            yield multinomial(self.weights, k, True, generator=rng)._data
            left -= k

    def __len__(self) -> int:
        return self.num_samples
