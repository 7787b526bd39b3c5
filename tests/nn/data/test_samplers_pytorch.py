"""PyTorch's samplers and DataLoader arguments: lazy RandomSampler, WeightedRandomSampler,
batch_sampler=, generator=, and the worker/pinning arguments."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import autograd
from nn.data import (
    BatchSampler,
    DataLoader,
    RandomSampler,
    SequentialSampler,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
)


def _ds(n=10):
    return TensorDataset(autograd.arange(n))


def test_random_sampler_with_replacement_draws_lazily():
    ds = _ds(100)
    sampler = RandomSampler(ds, replacement=True, num_samples=int(1e10))
    assert len(sampler) == int(1e10)
    tracemalloc.start()
    loader = DataLoader(ds, sampler=sampler, batch_size=8)
    it = iter(loader)
    batches = [next(it)[0] for _ in range(50)]
    first = list(zip(range(1000), iter(sampler)))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 2_000_000  # an eager draw would need 80 GB
    assert all(b.shape == (8,) and 0 <= b.min().item() and b.max().item() < 100 for b in batches)
    assert len(first) == 1000 and len(loader) == int(1e10) // 8


def test_random_sampler_epochs_and_counts():
    ds = _ds(10)
    g = autograd.Generator().manual_seed(0)
    s = RandomSampler(ds, generator=g)
    a, b = list(s), list(s)
    assert sorted(a) == list(range(10)) and a != b  # a fresh permutation every epoch
    r = RandomSampler(ds, replacement=True, num_samples=25, generator=g)
    assert len(list(r)) == 25 and len(r) == 25
    assert list(RandomSampler(ds, generator=autograd.Generator().manual_seed(3))) == \
        list(RandomSampler(ds, generator=autograd.Generator().manual_seed(3)))
    with pytest.raises(ValueError, match="replacement"):
        RandomSampler(ds, num_samples=20)


def test_weighted_random_sampler_follows_weights():
    g = autograd.Generator().manual_seed(1)
    s = WeightedRandomSampler([0.0, 1.0, 3.0], 20000, generator=g)
    counts = np.bincount(list(s), minlength=3) / 20000
    np.testing.assert_allclose(counts, [0.0, 0.25, 0.75], atol=0.015)
    assert len(s) == 20000
    no_repeat = list(WeightedRandomSampler(autograd.tensor([1.0, 2.0, 0.0, 4.0]), 3,
                                           replacement=False))
    assert sorted(no_repeat) == [0, 1, 3]
    huge = WeightedRandomSampler([1.0, 1.0], int(1e10))
    assert next(iter(huge)) in (0, 1)
    with pytest.raises(ValueError, match="num_samples"):
        WeightedRandomSampler([1.0], 0)
    with pytest.raises(ValueError, match="replacement"):
        WeightedRandomSampler([1.0], 1, replacement=1)


def test_dataloader_with_batch_sampler():
    ds = _ds(10)
    bs = BatchSampler(SequentialSampler(ds), batch_size=3, drop_last=True)
    loader = DataLoader(ds, batch_sampler=bs)
    assert [b[0].tolist() for b in loader] == [[0, 1, 2], [3, 4, 5], [6, 7, 8]] and len(loader) == 3
    custom = DataLoader(ds, batch_sampler=[[9, 0], [5]])
    assert [b[0].tolist() for b in custom] == [[9, 0], [5]]
    for bad in ({"batch_size": 2}, {"shuffle": True}, {"drop_last": True},
                {"sampler": SequentialSampler(ds)}):
        with pytest.raises(ValueError, match="mutually exclusive"):
            DataLoader(ds, batch_sampler=bs, **bad)


def test_dataloader_takes_pytorch_arguments_in_pytorch_order():
    ds = _ds(6)
    g = autograd.Generator().manual_seed(5)
    loader = DataLoader(ds, 2, True, None, None, 2, None, True, False, 0, None, None, g,
                        prefetch_factor=2, persistent_workers=False)
    assert sorted(i for b in loader for i in b[0].tolist()) == list(range(6))
    g.manual_seed(5)
    first = [b[0].tolist() for b in loader]
    g.manual_seed(5)
    assert [b[0].tolist() for b in loader] == first
    sub = DataLoader(ds, batch_size=2, sampler=SubsetRandomSampler([1, 3], generator=g),
                     generator=g)
    assert sorted(next(iter(sub))[0].tolist()) == [1, 3]
