"""DataLoader and default_collate: turn a dataset into an iterable of batched Tensors."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

import numpy as np

import autograd
from autograd import Tensor, as_tensor

from .sampler import BatchSampler, RandomSampler, SequentialSampler

__all__ = ["DataLoader", "default_collate"]


def default_collate(batch: list):
    """Stack a list of samples into one batch, recursing into tuples, lists and dicts.

    Tensors and arrays are stacked along a new dim 0 (dtype kept, so float64 arrays stay float64);
    Python ints -> int64, floats -> float32, bools -> bool; numpy scalars keep their dtype;
    strings stay a list. Tuples and lists give a list (as PyTorch), namedtuples a namedtuple,
    dicts a dict with the same keys.
    """
    if not isinstance(batch, (list, tuple)) or len(batch) == 0:
        raise TypeError("default_collate: expected a non-empty list of samples")
    elem = batch[0]
    if isinstance(elem, Tensor):
        _check_shapes([b.shape for b in batch if isinstance(b, Tensor)], len(batch))
        return autograd.stack(list(batch))
    if isinstance(elem, np.ndarray):
        arrays = [b._data if isinstance(b, Tensor) else np.asarray(b) for b in batch]
        _check_shapes([a.shape for a in arrays], len(batch))
        return as_tensor(np.stack(arrays))
    if isinstance(elem, np.generic):
        return as_tensor(np.array(batch))
    if isinstance(elem, (bool, int, float)):
        return autograd.tensor(list(batch))
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, Mapping):
        return {key: default_collate([d[key] for d in batch]) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return type(elem)(*(default_collate(list(s)) for s in zip(*batch)))
    if isinstance(elem, (tuple, list)):
        sizes = {len(s) for s in batch}
        if len(sizes) != 1:
            raise RuntimeError(
                f"default_collate: each sample in the batch should have the same length, "
                f"got lengths {sorted(sizes)}"
            )
        return [default_collate(list(s)) for s in zip(*batch)]
    raise TypeError(
        "default_collate: samples must contain Tensors, numpy arrays, numbers, strings, dicts or "
        f"sequences; found {type(elem).__name__}"
    )


def _check_shapes(shapes: list, n: int) -> None:
    if len(shapes) != n or any(s != shapes[0] for s in shapes):
        raise RuntimeError(
            f"default_collate: stack expects each sample to have the same shape, got {sorted(set(shapes))}"
        )


def _to_tensors(batch):
    """A `get_batch` result (arrays in tuples/lists/dicts) as Tensors, structured like collate's."""
    if isinstance(batch, Tensor):
        return batch
    if isinstance(batch, (np.ndarray, np.generic)):
        return as_tensor(np.asarray(batch))
    if isinstance(batch, Mapping):
        return {key: _to_tensors(v) for key, v in batch.items()}
    if isinstance(batch, tuple) and hasattr(batch, "_fields"):
        return type(batch)(*(_to_tensors(v) for v in batch))
    if isinstance(batch, (tuple, list)):
        return [_to_tensors(v) for v in batch]
    return batch


class DataLoader:
    """Iterate over a dataset in batches of Tensors.

    Args:
        dataset: a map-style dataset (`__getitem__` + `__len__`).
        batch_size: samples per batch.
        shuffle: visit the samples in a new random order every epoch.
        sampler: an iterable of indices with a length (e.g. `SubsetRandomSampler`); excludes
            `shuffle`.
        collate_fn: list of samples -> batch; default `default_collate`.
        drop_last: drop the last batch when it is smaller than `batch_size`.
        seed: seed for shuffling: a numpy Generator seeded once, drawing a fresh permutation each
            epoch, so the same seed gives the same sequence of epochs. Without `seed` or
            `generator`, autograd's global generator is used (see `autograd.manual_seed`).
        generator: an `autograd.Generator` (or numpy Generator) for shuffling, alternative to
            `seed`.
        batch_sampler: an iterable of index lists (e.g. a `BatchSampler`); excludes batch_size,
            shuffle, sampler and drop_last.
        num_workers, pin_memory, timeout, worker_init_fn, multiprocessing_context,
            prefetch_factor, persistent_workers, pin_memory_device, in_order: accepted so
            PyTorch code runs unchanged; loading always happens in the calling process (no
            worker starts, so worker_init_fn is not called) and pinning has no meaning on the
            CPU.

    Fast path: when `collate_fn` is None and the dataset has `get_batch(indices)` (TensorDataset,
    and Subset / ConcatDataset / TransformDataset over one), each batch is gathered with one fancy
    index per array and batched transforms run once on the whole (N, C, H, W) batch; otherwise each
    sample is fetched with `dataset[i]` and collated. Both give the same values and structure
    (a list of Tensors for tuple samples).

    Yields:
        batches: a Tensor, a list of Tensors (tuple samples), or a dict of Tensors.
    """

    def __init__(self, dataset, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler=None, batch_sampler=None, num_workers: int = 0,
                 collate_fn: Callable | None = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=None,
                 persistent_workers: bool = False, pin_memory_device: str = "",
                 in_order: bool = True, seed: int | None = None) -> None:
        shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if sampler is not None and seed is not None:
            raise ValueError("DataLoader: seed shuffles the default sampler; give it to your "
                             "sampler instead")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("DataLoader: batch_sampler option is mutually exclusive with "
                                 "batch_size, shuffle, sampler, and drop_last")
        elif isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
                or batch_size <= 0:
            raise ValueError(
                f"DataLoader: batch_size should be a positive int, got {batch_size!r} "
                "(batch_size=None, PyTorch's unbatched mode, is not supported)"
            )
        if not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError(f"DataLoader: num_workers should be a non-negative int, got {num_workers!r}")
        if sampler is None:
            if shuffle:
                sampler = RandomSampler(dataset, generator=generator, seed=seed)
            else:
                sampler = SequentialSampler(dataset)
        self.dataset = dataset
        self.sampler = sampler
        if batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
            self.batch_size = batch_sampler.batch_size
        else:
            self.batch_size = None
        self.batch_sampler = batch_sampler
        self.drop_last = bool(drop_last)
        self.collate_fn = default_collate if collate_fn is None else collate_fn
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.generator = generator
        self._fast = collate_fn is None and callable(getattr(dataset, "get_batch", None))

    def _index_batches(self) -> Iterator[np.ndarray]:
        if isinstance(self.batch_sampler, BatchSampler):
            yield from self.batch_sampler.batches()
        else:  # a user's batch sampler: any iterable of index lists
            for indices in self.batch_sampler:
                yield np.asarray(indices, dtype=np.int64).reshape(-1)

    def __iter__(self) -> Iterator:
        for indices in self._index_batches():
            if self._fast:
                yield _to_tensors(self.dataset.get_batch(indices))
            else:
                yield self.collate_fn([self.dataset[i] for i in indices.tolist()])

    def __len__(self) -> int:
        return len(self.batch_sampler)
